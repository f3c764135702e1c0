"""Peer contracts for `make gas-report`: the Ethereum Attestation Service, from its npm package.

EAS (`@ethereum-attestation-service/eas-contracts`) is fetched with `npm pack`
at a pinned version and checked against the pinned integrity, not installed
through package.json: the package declares Hardhat as a runtime dependency
(about 400 packages and 200 MB of native binaries) although its Solidity files
need none of it. Its sources pin solc 0.8.29 and import OpenZeppelin 5.3 (5.7
uses MCOPY, which shanghai lacks), so package.json carries `solc-0.8.29` and
`@openzeppelin/contracts-5.3.0`, and they are compiled with those through
tools/solc-shim.js, for shanghai, optimizer on with 200 runs like ours.

Deployed and called with plain web3 (Brownie's containers come from Brownie's
own compiler, which is pinned to 0.8.28).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PEERS_DIR = REPO_ROOT / "build" / "peers"
EAS_SPEC = "@ethereum-attestation-service/eas-contracts@1.9.0"
EAS_INTEGRITY = (
    "sha512-L60y1fgKlY3a45xxnPlgRbiGQY8RF/lF+AzF1iVoR7/aEzitS0Nuyyjq8+IXs1sSSU0dl2+yGSmELxVeB6FelA=="
)
EAS_SOLC_PACKAGE = "solc-0.8.29"
EAS_OPENZEPPELIN = "@openzeppelin/contracts/=@openzeppelin/contracts-5.3.0/"


class PeerUnavailable(RuntimeError):
    """A peer contract could not be fetched or compiled."""


@dataclass(frozen=True)
class Compiled:
    abi: list[dict[str, Any]]
    bytecode: str


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch_eas() -> Path:
    """Return the folder of the unpacked EAS package (fetched once, then reused)."""
    target = PEERS_DIR / "eas-contracts"
    tarball = PEERS_DIR / "eas-contracts.tgz"
    if not tarball.exists() or _integrity(tarball) != EAS_INTEGRITY:
        PEERS_DIR.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["npm", "pack", EAS_SPEC, "--json", "--pack-destination", str(PEERS_DIR)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise PeerUnavailable(f"npm pack {EAS_SPEC} failed: {result.stderr.strip()[-400:]}")
        (PEERS_DIR / json.loads(result.stdout)[0]["filename"]).replace(tarball)
        if _integrity(tarball) != EAS_INTEGRITY:
            raise PeerUnavailable(f"{EAS_SPEC}: integrity differs from the pinned one")
    if not (target / "contracts" / "EAS.sol").exists():
        with tarfile.open(tarball) as archive:
            archive.extractall(target.with_suffix(".tmp"), filter="data")
        (target.with_suffix(".tmp") / "package").replace(target)
    return target


def compile_eas() -> dict[str, Compiled]:
    """Compile EAS and its SchemaRegistry; return them by contract name."""
    package = fetch_eas()
    names = ("EAS", "SchemaRegistry")
    sources = {
        f"contracts/{name}.sol": {"content": (package / "contracts" / f"{name}.sol").read_text()}
        for name in names
    }
    standard_json = {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "remappings": [EAS_OPENZEPPELIN],
            "evmVersion": "shanghai",
            "optimizer": {"enabled": True, "runs": 200},
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    result = subprocess.run(
        [
            "node",
            str(REPO_ROOT / "tools" / "solc-shim.js"),
            "--standard-json",
            "--include-path",
            str(REPO_ROOT / "node_modules"),
        ],
        input=json.dumps(standard_json),
        capture_output=True,
        text=True,
        cwd=package,
        env={**os.environ, "SOLC_SHIM_PACKAGE": EAS_SOLC_PACKAGE},
        check=False,
    )
    if result.returncode != 0:
        raise PeerUnavailable(f"solc-shim failed: {result.stderr.strip()[-400:]}")
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise PeerUnavailable("EAS does not compile:\n" + "\n".join(errors))
    compiled = {}
    for name in names:
        contract = output["contracts"][f"contracts/{name}.sol"][name]
        compiled[name] = Compiled(contract["abi"], "0x" + contract["evm"]["bytecode"]["object"])
    return compiled


def deploy(web3: Any, sender: str, contract: Compiled, *args: Any) -> Any:
    """Deploy `contract` from the unlocked account `sender`; return the web3 contract."""
    factory = web3.eth.contract(abi=contract.abi, bytecode=contract.bytecode)
    receipt = web3.eth.wait_for_transaction_receipt(
        factory.constructor(*args).transact({"from": sender})
    )
    return web3.eth.contract(address=receipt["contractAddress"], abi=contract.abi)


def eas_timestamp_gas(web3: Any, sender: str, data: bytes) -> int:
    """Deploy SchemaRegistry and EAS, then return the gasUsed of `EAS.timestamp(data)`."""
    compiled = compile_eas()
    schemas = deploy(web3, sender, compiled["SchemaRegistry"])
    eas = deploy(web3, sender, compiled["EAS"], schemas.address)
    receipt = web3.eth.wait_for_transaction_receipt(
        eas.functions.timestamp(data).transact({"from": sender})
    )
    assert receipt["status"] == 1
    assert eas.functions.getTimestamp(data).call() > 0
    return int(receipt["gasUsed"])
