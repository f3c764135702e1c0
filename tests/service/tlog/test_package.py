"""The package's surface, its error tree, and its dependency rule (pure: no I/O layers)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
import types
from pathlib import Path

import anchor_service.tlog as tlog
from anchor_service.tlog import errors

PACKAGE_DIR = Path(tlog.__file__).parent
INTERNAL = {"encoding"}  # shared helpers, not re-exported
ALLOWED_THIRD_PARTY = {"cryptography"}
ALLOWED_PROJECT = {"anchor_service.merkle"}


def _submodules() -> list[types.ModuleType]:
    return [
        importlib.import_module(f"{tlog.__name__}.{info.name}")
        for info in pkgutil.iter_modules([str(PACKAGE_DIR)])
    ]


def test_all_lists_every_public_name_and_nothing_else() -> None:
    public = {
        name
        for name, value in vars(tlog).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(tlog.__all__) == sorted(public)
    assert len(set(tlog.__all__)) == len(tlog.__all__)


def test_all_is_the_union_of_the_public_submodules_all() -> None:
    exported: set[str] = set()
    for module in _submodules():
        short = module.__name__.rsplit(".", 1)[1]
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        if short in INTERNAL:
            continue
        for name in module.__all__:
            assert getattr(module, name) is getattr(tlog, name), f"{module.__name__}.{name}"
        exported.update(module.__all__)
    assert exported == set(tlog.__all__)


def test_imports_are_the_standard_library_cryptography_and_merkle_only() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                allowed = (
                    top == "__future__"
                    or top in sys.stdlib_module_names
                    or top in ALLOWED_THIRD_PARTY
                    or any(name == p or name.startswith(p + ".") for p in ALLOWED_PROJECT)
                )
                assert allowed, f"{path.name} imports {name}"


def test_modules_stay_small() -> None:
    for path in PACKAGE_DIR.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 300, path.name


def test_every_error_derives_from_the_package_base_and_is_in_the_drawn_tree() -> None:
    classes = {name: getattr(errors, name) for name in errors.__all__}
    assert {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and value.__module__ == errors.__name__
    } == set(classes)
    tree = errors.__doc__ or ""
    for name, cls in classes.items():
        assert issubclass(cls, errors.TlogError)
        assert f" {name} " in tree or f"    {name}" in tree, name


def test_tree_in_the_docstring_matches_the_class_hierarchy() -> None:
    lines = [
        line
        for line in (errors.__doc__ or "").splitlines()
        if "Error" in line and line.startswith("    ")
    ]
    stack: list[tuple[int, str]] = []
    for line in lines:
        stripped = line.lstrip(" │├└─")
        depth = len(line) - len(stripped)
        name = stripped.split()[0]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            assert getattr(errors, name).__bases__ == (getattr(errors, stack[-1][1]),), name
        stack.append((depth, name))
    assert len(lines) == len(errors.__all__)
