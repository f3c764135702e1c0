"""The package's surface, its error tree, and its dependency rule (pure: no I/O layers)."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import anchor_service.tlog as tlog
from anchor_service.tlog import errors
from tests.support.packages import (
    absolute_imports,
    assert_all_is_complete,
    assert_all_is_the_submodules_union,
)

PACKAGE_DIR = Path(tlog.__file__).parent
INTERNAL = frozenset({"encoding"})  # shared helpers, not re-exported
ALLOWED_THIRD_PARTY = {"cryptography"}
ALLOWED_PROJECT = {"anchor_service.merkle"}


def test_all_lists_every_public_name_and_nothing_else() -> None:
    assert_all_is_complete(tlog)


def test_all_is_the_union_of_the_public_submodules_all() -> None:
    assert_all_is_the_submodules_union(tlog, internal=INTERNAL)


def test_imports_are_the_standard_library_cryptography_and_merkle_only() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) >= 10
    for path in modules:
        for name in absolute_imports(path):
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
