"""Checkpoint bodies: the specification's example, named malformed bodies, round trips."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor_service.tlog import Checkpoint, MalformedCheckpointError, parse_checkpoint

SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = base64.b64encode(bytes(32)).decode()


def test_specification_example_parses_and_formats_back() -> None:
    checkpoint = parse_checkpoint(SPEC_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.text == SPEC_BODY


def test_extension_lines_are_kept_in_order() -> None:
    body = f"log\n0\n{ROOT}\nfirst ext\nsecond — ext\n"
    checkpoint = parse_checkpoint(body)
    assert checkpoint.extensions == ("first ext", "second — ext")
    assert checkpoint.text == body


def test_largest_uint64_size_is_accepted() -> None:
    assert parse_checkpoint(f"log\n{2**64 - 1}\n{ROOT}\n").size == 2**64 - 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"log\n1\n{ROOT}", id="no-final-newline"),
        pytest.param("log\n1\n", id="two-lines"),
        pytest.param(f"\n1\n{ROOT}\n", id="empty-origin"),
        pytest.param(f"log\n01\n{ROOT}\n", id="leading-zero-size"),
        pytest.param(f"log\n+1\n{ROOT}\n", id="signed-size"),
        pytest.param(f"log\n 1\n{ROOT}\n", id="spaced-size"),
        pytest.param(f"log\n1_0\n{ROOT}\n", id="underscore-size"),
        pytest.param(f"log\n\u0663\n{ROOT}\n", id="non-ascii-digit"),
        pytest.param(f"log\n{2**64}\n{ROOT}\n", id="size-overflows-uint64"),
        pytest.param(f"log\n-1\n{ROOT}\n", id="negative-size"),
        pytest.param("log\n1\nnot base64!\n", id="bad-base64"),
        pytest.param(f"log\n1\n{ROOT[:-1]}\n", id="missing-padding"),
        pytest.param(f"log\n1\n{base64.b64encode(bytes(31)).decode()}\n", id="31-byte-root"),
        pytest.param(f"log\n1\n{ROOT}\n\n", id="empty-extension-line"),
        pytest.param(f"log\n1\n{ROOT}\next\x01\n", id="control-character"),
    ],
)
def test_malformed_body_is_refused(body: str) -> None:
    with pytest.raises(MalformedCheckpointError):
        parse_checkpoint(body)


def test_checkpoint_refuses_invalid_fields() -> None:
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("log", -1, bytes(32))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("log", 1, bytes(32), ("two\nlines",))
    with pytest.raises(MalformedCheckpointError):
        Checkpoint("", 1, bytes(32))


_line = st.text(st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1)


@given(
    _line,
    st.integers(0, 2**64 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(_line, max_size=3),
)
def test_checkpoint_round_trips(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert parse_checkpoint(checkpoint.text) == checkpoint
