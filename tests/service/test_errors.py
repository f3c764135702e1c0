"""The error tree: one base, exported names, data carried by errors."""

from __future__ import annotations

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
