"""Checks of a package's public surface and imports, shared by the pure packages' tests
(``merkle``, ``tlog``): ``__all__`` lists exactly the public names and is the union of
the submodules' ``__all__``; the absolute imports of a module, for dependency rules."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from collections.abc import Iterator
from pathlib import Path

__all__ = ["absolute_imports", "assert_all_is_complete", "assert_all_is_the_submodules_union"]


def assert_all_is_complete(package: types.ModuleType) -> None:
    """``package.__all__`` names every public non-module attribute, each once."""
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(package.__all__) == sorted(public)
    assert len(set(package.__all__)) == len(package.__all__)


def assert_all_is_the_submodules_union(
    package: types.ModuleType, internal: frozenset[str] = frozenset()
) -> None:
    """Every submodule has ``__all__``; those not ``internal`` re-export theirs from the
    package (the same objects), and together they are exactly ``package.__all__``."""
    exported: set[str] = set()
    for info in pkgutil.iter_modules([str(Path(package.__file__ or "").parent)]):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        if info.name in internal:
            continue
        for name in module.__all__:
            assert getattr(module, name) is getattr(package, name), f"{module.__name__}.{name}"
        exported.update(module.__all__)
    assert exported == set(package.__all__)


def absolute_imports(path: Path) -> Iterator[str]:
    """The module names ``path`` imports absolutely (``import x``, ``from x import y``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module or ""
