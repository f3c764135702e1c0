"""Where ``verify-receipt`` gets the leaf at a receipt's index, and the proof of it.

Three sources, each giving a :class:`LeafAtIndex` (unverified: the caller checks the
checkpoint against the policy and the proof against the checkpoint's root):

- a tlog-proof file (``--proof``), e.g. ``GET /v1/entries/{id}/proof?format=tlog-proof``
  saved; its ``extra`` line (this service's) names the leaf, else the receipt's leaf is
  the one tested; ``--checkpoint FILE`` replaces its checkpoint (a copy with more
  cosignatures, say);
- the API's tlog-proof for an entry (``--api URL --external-id ID``, auditor key);
- the log's C2SP tiles (``--api URL`` alone): ``GET /tlog/checkpoint``, then the hash
  tiles ``/tlog/tile/<L>/<N>[.p/<W>]`` holding the leaf and its inclusion path at that
  checkpoint's size. Works with any tlog-tiles mirror (a static export too).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from anchor_service.cli.input_files import UnreadableInputError, read_input
from anchor_service.merkle import TileClient, TileError
from anchor_service.tlog import MalformedError, parse_checkpoint, parse_proof

__all__ = [
    "LeafAtIndex",
    "from_api_proof",
    "from_proof_file",
    "from_tiles",
]

_TIMEOUT_SECONDS = 30.0
_MAX_ANSWER_BYTES = 4 * 1024 * 1024


class _SourceError(Exception):
    """The proof cannot be read or fetched (one line, for exit status 2)."""


@dataclass(frozen=True, slots=True)
class LeafAtIndex:
    """What a source says is at ``index``: ``leaf_hash`` (None: not said), its proof, the note.

    ``source`` says where it came from, for the report.
    """

    index: int
    leaf_hash: bytes | None
    proof: tuple[bytes, ...]
    checkpoint: bytes
    source: str


def read_file(name: str) -> bytes:
    """The bytes of file ``name`` (``-``: stdin); :class:`_SourceError` if unreadable."""
    try:
        return read_input(name)
    except UnreadableInputError as exc:
        raise _SourceError(str(exc)) from None


def from_proof_bytes(raw: bytes, source: str, checkpoint: bytes | None = None) -> LeafAtIndex:
    """A tlog-proof's index, proof and checkpoint, and the leaf its extra line names."""
    from anchor_service.verifier import BundleFormatError
    from anchor_service.verifier.tlog_proof import read_tlog_proof

    try:
        proof = parse_proof(raw)
    except MalformedError as exc:
        raise _SourceError(f"{source} is not a tlog-proof: {exc.reason}") from None
    leaf: bytes | None = None
    if proof.extra is not None:
        try:
            leaf = read_tlog_proof(raw).leaf_hash
        except BundleFormatError:
            leaf = None  # another application's extra data: test the receipt's leaf
    note = checkpoint if checkpoint is not None else proof.checkpoint
    return LeafAtIndex(proof.index, leaf, proof.hashes, note, source)


def from_proof_file(name: str, checkpoint_file: str | None) -> LeafAtIndex:
    checkpoint = read_file(checkpoint_file) if checkpoint_file else None
    return from_proof_bytes(read_file(name), name, checkpoint)


def from_api_proof(base: str, key: str | None, external_id: str) -> LeafAtIndex:
    """The API's tlog-proof of entry ``external_id``."""
    quoted = urllib.parse.quote(external_id, safe="")
    url = f"{_base(base)}/v1/entries/{quoted}/proof?format=tlog-proof"
    return from_proof_bytes(_get(url, _key(key)), url)


def from_tiles(base: str, key: str | None, index: int) -> LeafAtIndex:
    """The leaf at ``index`` and its proof, from ``/tlog/checkpoint`` and the hash tiles."""
    root = _base(base)
    key = key or os.environ.get("ANCHOR_KEY")
    note = _get(f"{root}/tlog/checkpoint", key)
    text, blank, _ = note.rpartition(b"\n\n")
    try:
        if not blank:
            raise MalformedError("not a signed note")
        size = parse_checkpoint(text.decode("utf-8") + "\n").size
    except (MalformedError, UnicodeDecodeError) as exc:
        raise _SourceError(f"{root}/tlog/checkpoint is not a checkpoint: {exc}") from None
    source = f"{root}/tlog/ (tiles at tree size {size})"
    if index >= size:
        return LeafAtIndex(index, None, (), note, source)
    client = TileClient(lambda path: _get(f"{root}/tlog/{path}", key), size)
    try:
        [leaf] = client.leaf_hashes(index, index + 1)
        proof = client.inclusion_proof(index)
    except TileError as exc:
        raise _SourceError(f"the tiles of {root} do not hold the proof: {exc}") from None
    return LeafAtIndex(index, leaf, tuple(proof), note, source)


def _base(base: str) -> str:
    root = base.rstrip("/")
    if urllib.parse.urlsplit(root).scheme not in ("http", "https"):
        raise _SourceError(f"--api {root!r} is not an http(s) URL")
    return root


def _key(key: str | None) -> str:
    found = key or os.environ.get("ANCHOR_KEY")
    if not found:
        raise _SourceError("--external-id needs an auditor API key: --key KEY, or ANCHOR_KEY")
    return found


def _get(url: str, key: str | None) -> bytes:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as answer:  # noqa: S310  # nosec B310
            body: bytes = answer.read(_MAX_ANSWER_BYTES)
            return body
    except urllib.error.HTTPError as exc:
        raise _SourceError(f"{url} answered HTTP {exc.code}: {_detail(exc.read(2000))}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise _SourceError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None


def _detail(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip()
    if isinstance(document, dict) and "detail" in document:
        return f"{document.get('error')}: {document['detail']}"
    return json.dumps(document)[:200]
