"""The package's public surface and its dependency rule (standard library only)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import anchor_service.merkle as merkle
from tests.support.packages import (
    absolute_imports,
    assert_all_is_complete,
    assert_all_is_the_submodules_union,
)

PACKAGE_DIR = Path(merkle.__file__).parent
REPO_ROOT = PACKAGE_DIR.parents[1]
DESIGN_API = [
    "leaf_hash",
    "node_hash",
    "root",
    "inclusion_proof",
    "consistency_proof",
    "verify_inclusion",
    "verify_consistency",
]


def test_all_lists_every_public_name_and_nothing_else() -> None:
    assert_all_is_complete(merkle)


def test_all_is_the_union_of_the_submodules_all() -> None:
    assert_all_is_the_submodules_union(merkle)


def test_design_api_names_are_exported() -> None:
    for name in DESIGN_API:
        assert name in merkle.__all__
        assert callable(getattr(merkle, name))


def test_every_module_imports_only_the_standard_library() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert len(modules) >= 9
    for path in modules:
        for name in absolute_imports(path):
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, (
                f"{path.name} imports {name}, which is not in the standard library"
            )


def test_relative_imports_stay_inside_the_package() -> None:
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, f"{path.name} imports from outside the package"


def test_package_imports_in_an_interpreter_without_site_packages() -> None:
    # -S: no site-packages at all, as in an environment with only the standard library.
    code = (
        "import sys, anchor_service.merkle as m\n"
        "extra = sorted(n for n in sys.modules"
        " if n.split('.')[0] not in (*sys.stdlib_module_names, '__main__', 'anchor_service'))\n"
        "assert not extra, extra\n"
        "assert m.root([]) == bytes.fromhex("
        "'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
