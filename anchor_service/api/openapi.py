"""OpenAPI for routes that parse their own JSON body.

The entry routes read raw bytes and validate them with the ledger's models (exact
integers, one error format); FastAPI therefore does not see those models. This module
documents them: :func:`json_body` goes into a route's ``openapi_extra``, and
:func:`install_openapi` adds the models to ``components.schemas``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

__all__ = ["install_openapi", "json_body"]

_REF = "#/components/schemas/{model}"


def json_body(model: type[BaseModel], description: str, examples: list[Any]) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON body of ``model``, with examples."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"$ref": _REF.format(model=model.__name__)},
                    "examples": {
                        f"example{number}": {"value": example}
                        for number, example in enumerate(examples, start=1)
                    },
                }
            },
        }
    }


def install_openapi(app: FastAPI, models: list[type[BaseModel]]) -> None:
    """Generate the app's OpenAPI once, with ``models`` in ``components.schemas``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        _, definitions = models_json_schema(
            [(model, "validation") for model in models], ref_template=_REF
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.get("$defs", {}).items():
            components.setdefault(name, definition)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
