"""``anchor-service verify``: table or JSON out; exit 0 valid / 1 invalid / 2 unreadable /
3 unpinned / 4 redacted / 5 unverified.

Most cases call the command's handler in-process; a few run the installed
``anchor-service`` executable, with no database configured that could be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from anchor_service.cli import verify as verify_command
from anchor_service.dev import DevChain, free_port
from anchor_service.settings import Settings
from anchor_service.verifier import CHAIN_CHECKS, TRUST_CHECKS

from .anchored import AnchoredLog

EXECUTABLE = Path(sys.executable).with_name("anchor-service")
INDEX = 5


def run(argv: list[str], rpc_url: str) -> int:
    """Parse ``verify ARGV`` as the real CLI would and run the handler."""
    parser = argparse.ArgumentParser(prog="anchor-service")
    verify_command.register(parser.add_subparsers())
    args = parser.parse_args(["verify", *argv])
    settings = Settings(_env_file=None, rpc_url=rpc_url, confirmations=1)
    code: int = args.handler(args, settings)
    return code


def write(tmp_path: Path, document: dict[str, Any], name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2))
    return path


def test_valid_bundle_prints_a_check_table_and_exits_0(
    anchored_log: AnchoredLog,
    devchain: DevChain,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    assert run([str(path), "--registry", anchored_log.registry], devchain.rpc_url) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"proof bundle: leaf {INDEX} of tree size 7, anchor 1 in registry")
    assert out[1] == (
        f"trust root: registry {anchored_log.registry.lower()} on chain 1337 (--registry, "
        "the nodes' chain)"
    )
    assert len(out) == 2 + 10 + 1
    checks = out[2:12]
    assert checks[3].startswith("  -  signed checkpoint ")  # the bundle carries none
    assert all(line.startswith("  ✔  ") for i, line in enumerate(checks) if i != 3), out
    assert out[-1] == "VALID: every check passed"


def test_tampered_bundle_marks_the_failing_check_and_exits_1(
    anchored_log: AnchoredLog,
    devchain: DevChain,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["entry"]["postings"][0]["amount"] = "-1"
    path = write(tmp_path, document)
    argv = [str(path), "--rpc", devchain.rpc_url, "--registry", anchored_log.registry]
    assert run(argv, "http://127.0.0.1:1") == 1
    out = capsys.readouterr().out
    assert "  ✘  leaf hash " in out
    assert "the document or its salt is not the one logged" in out
    assert out.splitlines()[-1] == "INVALID: failed leaf hash"


def test_json_report_lists_every_check(
    anchored_log: AnchoredLog,
    devchain: DevChain,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    argv = [str(path), "--json", "--min-confirmations", "1000000", "--registry",
            anchored_log.registry, "--chain-id", "1337"]  # fmt: skip
    assert run(argv, devchain.rpc_url) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["valid"], report["status"]) == (False, "invalid")
    assert report["trust_root"] == f"registry {anchored_log.registry.lower()} on chain 1337 " \
        "(--registry)"  # fmt: skip
    outcomes = {check["name"]: check["outcome"] for check in report["checks"]}
    assert outcomes.pop("confirmations") == "failed"
    assert outcomes.pop("signed checkpoint") == "skipped"
    assert set(outcomes.values()) == {"passed"}


def test_offline_without_a_trust_root_runs_merkle_checks_and_exits_3(
    anchored_log: AnchoredLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    nowhere = f"http://127.0.0.1:{free_port()}"
    assert run([str(path), "--offline", "--json"], nowhere) == 3
    report = json.loads(capsys.readouterr().out)
    assert (report["status"], report["chain_checked"]) == ("unpinned", False)
    assert report["trust_root"] is None
    skipped = [check["name"] for check in report["checks"] if check["outcome"] == "skipped"]
    assert skipped == [*TRUST_CHECKS, *CHAIN_CHECKS]
    assert report["verdict"].startswith("not verified against a trust root")
    assert report["claim"] == f"registry {anchored_log.registry} on chain 1337"


def test_offline_with_a_pinned_registry_but_no_checkpoint_still_exits_3(
    anchored_log: AnchoredLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    argv = [str(path), "--offline", "--registry", anchored_log.registry, "--chain-id", "1337"]
    assert run(argv, "http://127.0.0.1:1") == 3
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith("UNPINNED: not verified against a trust root: the chain was not")
    assert out[-1] == verify_command.OFFLINE_HINT


def test_unpinned_verification_against_the_chain_exits_3_and_says_how_to_pin(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    assert run([str(path)], devchain.rpc_url) == 3
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "trust root: none"
    assert out[-2] == (
        "UNPINNED: not verified against a trust root: the checks passed, but nothing ties the "
        f"bundle to a registry or log key you trust; it claims registry {anchored_log.registry}"
        " on chain 1337"
    )
    assert out[-1] == verify_command.PIN_HINT
    assert "--registry ADDRESS" in out[-1] and "--policy FILE" in out[-1]


def test_unreachable_chain_exits_5_with_a_clear_reason(
    anchored_log: AnchoredLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    argv = [str(path), "--registry", anchored_log.registry]
    assert run(argv, f"http://127.0.0.1:{free_port()}") == 5
    out = capsys.readouterr().out
    assert "  !  chain id " in out and "chain unreachable" in out
    assert out.splitlines()[-1].startswith("UNVERIFIED: chain unreachable")


def test_redacted_bundle_exits_4_and_0_only_with_allow_redacted(
    anchored_log: AnchoredLog,
    devchain: DevChain,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document.update(entry=None, redacted=True)
    argv = [str(write(tmp_path, document)), "--registry", anchored_log.registry]
    assert run(argv, devchain.rpc_url) == 4
    out = capsys.readouterr().out
    assert "  -  leaf hash " in out and "redacted: document erased" in out
    assert out.splitlines()[-1] == (
        f"REDACTED: a leaf exists at index {INDEX}; its content was erased; the bundle names "
        "no redaction record"
    )
    assert run([*argv, "--allow-redacted"], devchain.rpc_url) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("REDACTED: a leaf exists")
    assert run([argv[0], "--allow-redacted"], devchain.rpc_url) == 3  # unpinned stays 3


def test_malformed_bundle_exits_2_naming_the_field(
    anchored_log: AnchoredLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["inclusion"]["path"][1] = "not a hash"
    path = write(tmp_path, document)
    assert run([str(path)], "http://127.0.0.1:1") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: {path} is not a valid proof bundle: inclusion.path.1: must be 64 "
        "lower-case hex digits\n"
    )


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([str(tmp_path / "nope.json")], "http://127.0.0.1:1") == 2
    assert "cannot read" in capsys.readouterr().err


def test_rpc_and_offline_together_are_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        run([str(tmp_path / "b.json"), "--offline", "--rpc", "http://x"], "http://127.0.0.1:1")
    assert info.value.code == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--offline", "--registry", "0x" + "ab" * 20],
         "error: --registry with --offline needs --chain-id (there is no node to ask)\n"),
        (["--chain-id", "1"],
         "error: --chain-id goes with --registry (a policy names its chains itself)\n"),
        (["--rpc", "http://a", "--rpc", "http://b", "--rpc-quorum", "3"],
         "error: --rpc-quorum 3 is more than the 2 node(s) given\n"),
    ],
)  # fmt: skip
def test_inconsistent_options_are_one_line_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run([str(tmp_path / "b.json"), *argv], "http://127.0.0.1:1") == 2
    assert capsys.readouterr().err == message


def test_a_malformed_registry_or_policy_is_exit_2(
    anchored_log: AnchoredLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    with pytest.raises(SystemExit) as info:
        run([str(path), "--registry", "0x1234"], "http://127.0.0.1:1")
    assert info.value.code == 2
    assert "not an address (0x and 40 hex digits): '0x1234'" in capsys.readouterr().err
    policy = tmp_path / "bad.policy"
    policy.write_text("registry 1337 0x1234\nquorum none\n")
    assert run([str(path), "--policy", str(policy)], "http://127.0.0.1:1") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {policy} is not a valid trust policy: ") and "line 1" in err
    assert len(err.splitlines()) == 1
    assert run([str(path), "--policy", str(tmp_path / "none")], "http://127.0.0.1:1") == 2
    assert capsys.readouterr().err.startswith("error: cannot read policy ")


def test_ascii_table_when_the_terminal_cannot_print_check_marks(
    anchored_log: AnchoredLog,
) -> None:
    from anchor_service.verifier import verify_bundle

    bundle = anchored_log.bundle(INDEX)
    report = verify_bundle(bundle, None, min_confirmations=0)
    table = verify_command.render_report(report, bundle, ascii_only=True)
    assert table.isascii()
    assert "  ok    leaf hash" in table and "  skip  chain id" in table


# --- the installed executable ------------------------------------------------------------


def cli(args: list[str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``anchor-service`` with no ANCHOR_* configuration but an unreachable database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANCHOR_")}
    env["ANCHOR_DATABASE_URL"] = f"postgresql://nobody@127.0.0.1:{free_port()}/nothing"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [str(EXECUTABLE), *args],
        cwd=cwd,
        env=env,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_installed_cli_verifies_against_the_chain_without_a_database(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    result = cli(["verify", str(path), "--rpc", devchain.rpc_url, "--min-confirmations", "1",
                  "--registry", anchored_log.registry], tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("✔") == 9
    assert result.stdout.splitlines()[-1] == "VALID: every check passed"
    assert list(tmp_path.iterdir()) == [path]  # no .data, no database file


def test_installed_cli_reads_stdin_and_exits_1_when_invalid(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path
) -> None:
    document = anchored_log.bundle_json(INDEX)
    document["anchor"]["chain_id"] = 5
    result = cli(["verify", "-", "--rpc", devchain.rpc_url, "--json", "--registry",
                  anchored_log.registry], tmp_path,
                 stdin=json.dumps(document).encode())  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == (
        f"failed pinned registry: the bundle claims registry {anchored_log.registry} on chain "
        f"5, but the trust root pins registry {anchored_log.registry.lower()} on chain 1337"
    )


def test_installed_cli_exits_5_without_a_traceback_when_the_chain_is_down(
    anchored_log: AnchoredLog, tmp_path: Path
) -> None:
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    result = cli(["verify", str(path), "--rpc", f"http://127.0.0.1:{free_port()}"], tmp_path)
    assert result.returncode == 5
    assert "chain unreachable" in result.stdout
    assert "Traceback" not in result.stderr


def test_installed_cli_exits_2_for_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text("not json")
    result = cli(["verify", str(path), "--offline"], tmp_path)
    assert result.returncode == 2
    assert "is not a valid proof bundle: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_policy_of_log_keys_only_binds_nothing_without_a_signed_checkpoint(
    anchored_log: AnchoredLog, devchain: DevChain, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from anchor_service.tlog import generate_key

    _skey, vkey = generate_key("example.com/log")
    policy = tmp_path / "keys-only.policy"
    policy.write_text(f"log {vkey}\nquorum none\n")
    path = write(tmp_path, anchored_log.bundle_json(INDEX))
    assert run([str(path), "--policy", str(policy)], devchain.rpc_url) == 3
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == (
        "UNPINNED: not verified against a trust root: the trust root pins no registry and the "
        "bundle carries no signed checkpoint its log keys could check; it claims registry "
        f"{anchored_log.registry} on chain 1337"
    )
    assert out[-1] == verify_command.NO_REGISTRY_HINT
