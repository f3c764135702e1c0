"""The package's public names, and its error tree under the service's base error."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import anchor_service.chain as chain
from anchor_service.chain import errors
from anchor_service.errors import AnchorServiceError


def test_every_module_all_lists_only_names_it_defines() -> None:
    for info in pkgutil.iter_modules(chain.__path__):
        module = importlib.import_module(f"anchor_service.chain.{info.name}")
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{info.name} has no __all__"
        assert len(exported) == len(set(exported))
        for name in exported:
            assert hasattr(module, name), f"{info.name}.__all__ lists missing {name}"


def test_package_reexports_its_all() -> None:
    assert len(chain.__all__) == len(set(chain.__all__))
    for name in chain.__all__:
        assert hasattr(chain, name), name


def test_every_chain_error_is_a_service_error_and_exported() -> None:
    classes = [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if obj.__module__ == errors.__name__
    ]
    assert len(classes) == len(errors.__all__)
    for cls in classes:
        assert issubclass(cls, errors.ChainError)
        assert issubclass(cls, AnchorServiceError)
        assert cls.__name__ in chain.__all__
