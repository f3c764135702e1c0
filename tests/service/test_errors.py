"""The error tree: one base, exported names, data carried by errors."""

from __future__ import annotations

import importlib
import pkgutil

import anchor_service
import anchor_service.errors as errors_module
from anchor_service.errors import AnchorServiceError, EntryConflictError, InvalidEntryError


def test_all_lists_exactly_the_public_error_classes() -> None:
    public = {
        name
        for name, value in vars(errors_module).items()
        if isinstance(value, type) and issubclass(value, Exception) and not name.startswith("_")
    }
    assert set(errors_module.__all__) == public


def test_every_error_derives_from_the_service_base() -> None:
    for name in errors_module.__all__:
        assert issubclass(getattr(errors_module, name), AnchorServiceError)


def test_errors_carry_their_data() -> None:
    invalid = InvalidEntryError("bad", field="postings.0.amount")
    located = invalid.at_index(7)
    assert (located.detail, located.field, located.index) == ("bad", "postings.0.amount", 7)
    conflict = EntryConflictError("taken", external_id="pay-1", index=3)
    assert (str(conflict), conflict.external_id, conflict.index) == ("taken", "pay-1", 3)


def test_the_tree_in_the_docstring_names_every_class() -> None:
    doc = errors_module.__doc__ or ""
    for name in errors_module.__all__:
        assert name in doc


# Where exception classes live: each module's docstring draws its tree.
ERROR_MODULES = (
    "anchor_service.errors",
    "anchor_service.api.errors",
    "anchor_service.chain.errors",
    "anchor_service.dev.errors",
    "anchor_service.importer.errors",
    "anchor_service.merkle.errors",
    "anchor_service.reconcile.errors",
    "anchor_service.tlog.errors",
    "anchor_service.verifier.errors",
    "anchor_service.witness.errors",
)
# Not imported: Alembic's environment runs migrations, __main__ runs the command line.
NOT_IMPORTED = ("anchor_service.db.migrations", "anchor_service.cli.__main__")


def test_every_public_error_class_lives_in_an_errors_module_that_draws_it() -> None:
    homes: dict[str, str] = {}
    prefix = anchor_service.__name__ + "."
    for info in pkgutil.walk_packages(anchor_service.__path__, prefix):
        if info.name.startswith(NOT_IMPORTED):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                homes[name] = module.__name__
    assert homes, "no error classes found"
    misplaced = {name: home for name, home in homes.items() if home not in ERROR_MODULES}
    assert not misplaced
    for name, home in homes.items():
        assert name in (importlib.import_module(home).__doc__ or ""), f"{home} does not draw {name}"
