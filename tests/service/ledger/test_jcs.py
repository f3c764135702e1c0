"""canonical_json equals rfc8785.dumps on both of its paths."""

from __future__ import annotations

from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from anchor_service.ledger.jcs import _fast_path_exact, canonical_json, json_string

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(_values)
def test_canonical_json_matches_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(_text)
def test_json_string_matches_rfc8785(text: str) -> None:
    assert json_string(text).encode("utf-8") == rfc8785.dumps(text)


def test_fast_path_is_skipped_for_floats_and_keys_that_sort_differently_in_utf16() -> None:
    assert _fast_path_exact({"a": [1, "x", None, True]})
    assert not _fast_path_exact({"a": 1.5})
    assert not _fast_path_exact({"\ue000": 1, "😀": 2})
    assert not _fast_path_exact(2**53)


def test_keys_sort_by_utf16_code_units() -> None:
    # U+E000 sorts after U+1F600 in code points but before it in UTF-16.
    value = {"\ue000": 1, "😀": 2}
    assert canonical_json(value) == '{"😀":2,"\ue000":1}'.encode()
