"""Signed checkpoints in the page: checkpoint.js against anchor_service.tlog, and the
"signed checkpoint" check binding a bundle to the auditor's policy, offline too.

Notes are signed here with the project's own signers (Ed25519 log key, cosignature/v1
witness keys); each is verified by ``anchor_service.tlog.verify_checkpoint`` and by the
page's code in headless Chromium (WebCrypto Ed25519): same verdict, same error text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from anchor_service.tlog import (
    Checkpoint,
    TlogError,
    generate_cosignature_key,
    generate_key,
    new_cosignature_signer,
    new_signer,
    parse_policy,
    sign_note,
    verify_checkpoint,
)

from .conftest import Served
from .page import VerifyPage

ORIGIN = "example.com/anchor-log"
CHECKPOINT = "signed checkpoint"
PINNED = "pinned registry"


@dataclass(frozen=True)
class Keys:
    log: tuple[str, str]
    other_log: tuple[str, str]
    w1: tuple[str, str]
    w2: tuple[str, str]
    w3: tuple[str, str]

    def policy(self, *, registry: str | None = None, quorum: str = "two") -> str:
        lines = [
            f"log {self.log[1]}",
            f"witness W1 {self.w1[1]}",
            f"witness W2 {self.w2[1]}",
            f"witness W3 {self.w3[1]}",
            "group two 2 W1 W2 W3",
        ]
        if registry is not None:
            lines.append(f"registry 1337 {registry}")
        return "\n".join([*lines, f"quorum {quorum}"]) + "\n"


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(
        log=generate_key(ORIGIN),
        other_log=generate_key("other.example/log"),
        w1=generate_cosignature_key("w1.example"),
        w2=generate_cosignature_key("w2.example"),
        w3=generate_cosignature_key("w3.example"),
    )


def _body(size: int, root: bytes, origin: str = ORIGIN) -> str:
    return Checkpoint(origin, size, root).text


def _signed(body: str, keys: Keys, *witnesses: str, log: str = "log") -> str:
    signers: list[Any] = [new_signer(getattr(keys, log)[0])]
    signers += [new_cosignature_signer(getattr(keys, name)[0]) for name in witnesses]
    return sign_note(body, *signers).decode("utf-8")


def _served_tree(served: Served) -> tuple[int, bytes]:
    bundle = served.bundle()
    return bundle["inclusion"]["tree_size"], bytes.fromhex(bundle["inclusion"]["root"])


def _notes(keys: Keys, served: Served) -> dict[str, str]:
    size, root = _served_tree(served)
    good = _signed(_body(size, root), keys, "w1", "w2")
    return {
        "log and two witnesses": good,
        "log and all witnesses": _signed(_body(size, root), keys, "w1", "w2", "w3"),
        "one witness": _signed(_body(size, root), keys, "w3"),
        "no witness": _signed(_body(size, root), keys),
        "another log": _signed(
            _body(size, root, "other.example/log"), keys, "w1", "w2", log="other_log"
        ),
        "origin not the log's": _signed(_body(size, root, "elsewhere.example"), keys, "w1", "w2"),
        "text changed": good.replace(f"\n{size}\n", f"\n{size + 1}\n", 1),
        "signature changed": good[:-8] + ("A" if good[-8] != "A" else "B") + good[-7:],
        "no blank line": good.replace("\n\n", "\n", 1),
        "no final newline": good.rstrip("\n"),
        "not a signature line": good + "- not an em-dash\n",
        "control character": good.replace(ORIGIN, ORIGIN + "\x07", 1),
        "two lines body": _signed(f"{ORIGIN}\n{size}\n", keys),
    }


_JS = """
const policy = await m.policy.parsePolicy(args[0]);
const out = {};
for (const [name, note] of Object.entries(args[1])) {
  try {
    const v = await m.checkpoint.verifyCheckpoint(policy, note);
    out[name] = {log: v.log, cosigners: v.cosigners, size: String(v.checkpoint.size),
                 root: v.checkpoint.root};
  } catch (error) {
    if (!(error instanceof m.checkpoint.CheckpointError)) throw error;
    out[name] = {error: error.message};
  }
}
return out;
"""


def _python(policy: str, note: str) -> dict[str, Any]:
    try:
        verified = verify_checkpoint(parse_policy(policy), note.encode("utf-8"))
    except TlogError as exc:
        return {"error": str(exc)}
    return {
        "log": verified.log,
        "cosigners": sorted(verified.cosigners),
        "size": str(verified.checkpoint.size),
        "root": verified.checkpoint.root_hash.hex(),
    }


def test_page_verifies_checkpoints_as_the_python_verifier_does(
    page: VerifyPage, served: Served, keys: Keys
) -> None:
    policy = keys.policy()
    notes = _notes(keys, served)

    answers = page.run_modules(("policy", "checkpoint"), _JS, policy, notes)

    assert answers == {name: _python(policy, note) for name, note in notes.items()}
    assert "error" not in answers["log and two witnesses"]  # the cases are not all refusals


def _bundle_with(served: Served, note: str) -> str:
    bundle = served.bundle()
    bundle["checkpoint"] = note
    return json.dumps(bundle)


def test_cosigned_checkpoint_binds_the_bundle_offline(
    page: VerifyPage, served: Served, keys: Keys
) -> None:
    size, root = _served_tree(served)
    note = _signed(_body(size, root), keys, "w1", "w3")

    shown = (
        page.pin_policy(keys.policy()).paste(_bundle_with(served, note)).choose("offline").verify()
    )

    assert (shown.status, shown.headline) == ("valid", "Valid")
    assert shown.verdict == "every check passed (offline: signed checkpoint only)"
    assert shown.row(CHECKPOINT).reason == (
        f"signed by log {ORIGIN}, cosigned by W1, W3 (quorum two met); tree size {size} and "
        "root = inclusion.root"
    )
    assert shown.row(PINNED).reason == "the trust root pins no registry"


def test_checkpoint_short_of_the_quorum_fails(page: VerifyPage, served: Served, keys: Keys) -> None:
    size, root = _served_tree(served)
    note = _signed(_body(size, root), keys, "w2")

    shown = (
        page.pin_policy(keys.policy()).paste(_bundle_with(served, note)).choose("offline").verify()
    )

    assert shown.status == "invalid"
    assert shown.row(CHECKPOINT).reason == (
        "the checkpoint does not satisfy the trust policy: the checkpoint does not satisfy "
        "quorum 'two' (cosigned by W2)"
    )


def test_checkpoint_of_another_tree_fails(page: VerifyPage, served: Served, keys: Keys) -> None:
    size, root = _served_tree(served)
    other = bytes(32)
    note = _signed(_body(size, other), keys, "w1", "w2")

    shown = (
        page.pin_policy(keys.policy()).paste(_bundle_with(served, note)).choose("offline").verify()
    )

    assert shown.failed() == [CHECKPOINT]
    assert shown.row(CHECKPOINT).reason == (
        "the signed checkpoint is not the tree of the inclusion proof: "
        f"root {other.hex()} (bundle: {root.hex()})"
    )


def test_checkpoint_signed_by_a_log_the_auditor_does_not_trust_fails(
    page: VerifyPage, served: Served, keys: Keys
) -> None:
    size, root = _served_tree(served)
    note = _signed(_body(size, root, "other.example/log"), keys, "w1", "w2", log="other_log")
    policy = keys.policy(registry=served.registry)

    shown = (
        page.pin_policy(policy).paste(_bundle_with(served, note)).via_rpc(served.rpc_url).verify()
    )

    assert shown.status == "invalid"
    assert shown.failed() == [CHECKPOINT]
    assert shown.row(PINNED).outcome == "passed"
    assert shown.row(CHECKPOINT).reason.endswith("not signed by any log in the policy")


def test_checkpoint_without_a_log_key_in_the_trust_root_is_not_checked(
    page: VerifyPage, served: Served, keys: Keys
) -> None:
    size, root = _served_tree(served)
    note = _signed(_body(size, root), keys, "w1", "w2")

    shown = (
        page.pin(1337, served.registry).paste(_bundle_with(served, note)).choose("offline").verify()
    )

    assert shown.status == "unpinned"
    assert shown.row(CHECKPOINT).reason == (
        "the trust root has no log key: the signature is not checked"
    )
