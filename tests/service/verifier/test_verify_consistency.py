"""``anchor-service verify-consistency N M``: a consistency proof checked against the chain.

The session's anchored log has heads anchored at tree sizes 4 (seq 0) and 7 (seq 1) in
its own registry; the real executable runs against the test ganache. The proofs come
from a file here; ``tests/service/proofs/test_verify_consistency_api.py`` fetches them
from the real API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anchor_service import merkle
from anchor_service.dev import DevChain, free_port

from .anchored import FIRST_HEAD, LOG_SIZE, AnchoredLog
from .test_cli_verify import cli

SIZES = [str(FIRST_HEAD), str(LOG_SIZE)]


def _answer(log: AnchoredLog) -> dict[str, Any]:
    """The proof document as the API answers it (heads shortened to what is checked)."""
    first, second = log.anchors
    return {
        "first": {"tree_size": first.tree_size, "root": first.root.hex()},
        "second": {"tree_size": second.tree_size, "root": second.root.hex()},
        "proof": [node.hex() for node in merkle.consistency_proof(log.leaf_hashes, FIRST_HEAD)],
    }


def _file(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / "consistency.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_a_good_proof_from_a_file_is_valid_against_the_pinned_registry(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path
) -> None:
    proof = _file(tmp_path, _answer(anchored_log))
    args = ["verify-consistency", *SIZES, "--proof", proof, "--rpc", devchain.rpc_url]
    result = cli([*args, "--registry", anchored_log.registry], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"VALID: tree size {FIRST_HEAD} is a prefix of tree size 7")


def test_a_policy_file_pins_the_registry_and_json_reports_the_roots(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path
) -> None:
    policy = tmp_path / "auditor.policy"
    policy.write_text(
        f"registry 1 0x{'ab' * 20}\nregistry 1337 {anchored_log.registry}\nquorum none\n"
    )
    proof = _file(tmp_path, _answer(anchored_log))
    result = cli(["verify-consistency", *SIZES, "--proof", proof, "--policy", str(policy),
                  "--rpc", devchain.rpc_url, "--json"], tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "valid" and report["chain_id"] == 1337
    assert report["registry"].lower() == anchored_log.registry.lower()
    assert report["root_second"] == anchored_log.anchors[1].root.hex()


@pytest.mark.parametrize("change", ["proof", "claimed-root", "unanchored-size"])
def test_a_wrong_proof_or_size_is_invalid(
    change: str, anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path
) -> None:
    document = _answer(anchored_log)
    sizes = SIZES
    if change == "proof":
        document["proof"][0] = "00" * 32
    elif change == "claimed-root":
        document["second"]["root"] = "11" * 32
    else:
        sizes = ["5", str(LOG_SIZE)]
        del document["first"]
    pinned = ["--registry", anchored_log.registry, "--rpc", devchain.rpc_url]
    proof = _file(tmp_path, document)
    result = cli(["verify-consistency", *sizes, "--proof", proof, *pinned], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("INVALID: "), result.stdout
    expected = {
        "proof": "the proof does not lead from root 4 to root 7",
        "claimed-root": "the document's root at tree size 7 is 1111",
        "unanchored-size": "tree size 5 was never anchored",
    }[change]
    assert expected in result.stdout


def test_an_unreachable_node_or_a_registry_on_another_chain_is_unverified(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path
) -> None:
    proof = _file(tmp_path, _answer(anchored_log))
    node = f"http://127.0.0.1:{free_port()}"
    down = cli(["verify-consistency", *SIZES, "--proof", proof, "--registry",
                anchored_log.registry, "--rpc", f"{node}/v3/pathkey31"], tmp_path)  # fmt: skip
    assert down.returncode == 5
    assert down.stdout.startswith("UNVERIFIED: chain unreachable") and node in down.stdout
    assert "pathkey31" not in down.stdout + down.stderr
    policy = tmp_path / "mainnet.policy"
    policy.write_text(f"registry 1 {anchored_log.registry}\nquorum none\n")
    other = cli(["verify-consistency", *SIZES, "--proof", proof, "--policy", str(policy),
                 "--rpc", devchain.rpc_url], tmp_path)  # fmt: skip
    assert other.returncode == 5
    assert other.stdout.startswith("UNVERIFIED: no pinned registry is on chain 1337")
