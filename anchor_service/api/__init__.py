"""HTTP API: app factory, routers, schemas, error mapping.

``create_app`` is imported on first use (PEP 562), so that importing one module of the
package (``anchor_service.api.deps`` from the web page's router, say) does not build
the whole app and every router first, which would import that router in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anchor_service.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from anchor_service.api.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
