"""Export the compiled AnchorRegistry for the service: `anchor_service/chain/artifacts/`.

The service deploys and calls the registry with web3.py from a committed JSON
artifact, so it needs no compiler. This script turns Brownie's build output
(`build/contracts/AnchorRegistry.json`, made by `brownie compile`) into that
artifact:

    {"contractName": "AnchorRegistry",
     "abi": [...],
     "bytecode": "0x...",            creation code
     "deployedBytecode": "0x...",    runtime code
     "compiler": {"version": "0.8.28+commit.7893614a", "evmVersion": "shanghai",
                  "optimizer": {"enabled": true, "runs": 200}},
     "sourceHash": "<hex>"}

`sourceHash` is the SHA-256 of the `sha256sum`-style lines ("<hex>  <path>\\n")
of every source file the contract was compiled from, sorted by path; it is what
`sha256sum <files in path order> | sha256sum` prints.

Usage (plain Python, standard library only; run from anywhere):

    python scripts/export_artifact.py            write the artifact
    python scripts/export_artifact.py --check    exit 1 if the committed one is stale
    python scripts/export_artifact.py --contract AnchorRegistryV2   the v2 registry

`make contract-artifact` compiles and then runs the first form.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACT = "AnchorRegistry"
BUILD_PATH = REPO_ROOT / "build" / "contracts" / f"{CONTRACT}.json"
ARTIFACT_PATH = REPO_ROOT / "anchor_service" / "chain" / "artifacts" / f"{CONTRACT}.json"


def source_hash(source_paths: list[str], root: Path = REPO_ROOT) -> str:
    """Return the SHA-256 (hex) over `<sha256 hex>  <path>` lines of the sources, by path."""
    lines = []
    for path in sorted(source_paths):
        digest = hashlib.sha256((root / path).read_bytes()).hexdigest()
        lines.append(f"{digest}  {path}\n")
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _hex(code: str, field: str) -> str:
    code = code.removeprefix("0x")
    if not code or "__" in code:
        raise ValueError(f"{field} is empty or has unlinked library placeholders")
    bytes.fromhex(code)  # raises ValueError on anything but hex
    return "0x" + code.lower()


def artifact_from_build(build: dict[str, Any], root: Path = REPO_ROOT) -> dict[str, Any]:
    """Return the service artifact for one contract from its Brownie build JSON."""
    compiler = build["compiler"]
    return {
        "contractName": build["contractName"],
        "abi": build["abi"],
        "bytecode": _hex(build["bytecode"], "bytecode"),
        "deployedBytecode": _hex(build["deployedBytecode"], "deployedBytecode"),
        "compiler": {
            "version": compiler["version"],
            "evmVersion": compiler["evm_version"],
            "optimizer": {
                "enabled": bool(compiler["optimizer"]["enabled"]),
                "runs": int(compiler["optimizer"]["runs"]),
            },
        },
        "sourceHash": source_hash(list(build["allSourcePaths"].values()), root),
    }


def render(artifact: dict[str, Any]) -> str:
    """Return the artifact as the exact text that is committed."""
    return json.dumps(artifact, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, exit 1 if stale")
    parser.add_argument(
        "--contract", default=CONTRACT, help="contract name (default %(default)s; AnchorRegistryV2)"
    )
    parser.add_argument("--build", type=Path, help="Brownie build JSON (default: the contract's)")
    parser.add_argument("--output", type=Path, help="artifact to write (default: the contract's)")
    args = parser.parse_args(argv)
    args.build = args.build or BUILD_PATH.with_name(f"{args.contract}.json")
    args.output = args.output or ARTIFACT_PATH.with_name(f"{args.contract}.json")

    if not args.build.is_file():
        print(f"{args.build} not found: run `brownie compile` first", file=sys.stderr)
        return 2
    text = render(artifact_from_build(json.loads(args.build.read_text())))
    if args.check:
        current = args.output.read_text() if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is stale: run `make contract-artifact`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
