"""Trust policy files (c2sp.org/tlog-policy), plus this project's ``registry`` lines.

::

    log example.com/log+5a2e9f07+AV8...            a log key (Ed25519, 0x01) [URL]
    witness X1 w1.example+2c7e31a4+BPa...          a named witness key (0x04) [URL]
    witness X2 w2.example+8b01c2d9+BO0...
    group X-witnesses any X1 X2                    any | all | k of the members
    registry 1 0x5FbDB2315678afecb367f032d93F642f64180aa3
    quorum X-witnesses                             a witness, a group, or none

A checkpoint is valid under a policy when one of its logs signed it (with the
log's key name as origin) and the witnesses cosigning it meet the quorum;
``trust`` evaluates that. Parsing applies every rule of the specification,
as transparency-dev/formats' ``policy`` does: lines split on spaces and tabs
only, ``#`` comment lines, only tab and newline as control octets, names and
URLs as opaque octets, definitions before use, ``none`` reserved, each name a
group member at most once, ``1 <= k <= n``, no two logs (or two witnesses)
wrapping the same public key, exactly one quorum line. Log keys must be of
type 0x01 and witness keys of type 0x04, as the specification requires.

``registry <chain-id> <0xaddress>`` is this project's extension: the EVM
AnchorRegistry contracts (zero or more) whose anchored tree heads the
policy trusts. Other tlog-policy readers refuse the keyword, so a policy
file with registry lines is for this project's verifiers. The EIP-55 case
checksum is not checked (the standard library has no Keccak); the address
is kept as its 20 bytes. Errors are :class:`PolicyFileError` with the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .cosignature import COSIGNATURE_V1, CosignatureVerifier, new_cosignature_verifier
from .encoding import parse_decimal
from .errors import MalformedKeyError, PolicyFileError
from .keys import Ed25519Verifier, new_verifier, parse_verifier_key

__all__ = [
    "QUORUM_NONE",
    "Policy",
    "PolicyLog",
    "PolicyWitness",
    "Registry",
    "WitnessGroup",
    "parse_policy",
]

QUORUM_NONE = "none"
"""The predefined quorum name that requires no cosignature."""

_FIELDS = re.compile(r"[^ \t]+")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@dataclass(frozen=True, slots=True)
class PolicyLog:
    """A trusted log: its key (the key name is the log's origin), as written, and URL."""

    verifier: Ed25519Verifier
    vkey: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyWitness:
    """A trusted witness: its policy-local ``name``, cosignature key as written, and URL."""

    name: str
    verifier: CosignatureVerifier
    vkey: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class WitnessGroup:
    """A group that witnesses a checkpoint when ``threshold`` of its ``members`` do."""

    name: str
    threshold: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Registry:
    """An EVM AnchorRegistry contract: chain ID and 20-byte address."""

    chain_id: int
    address: bytes

    def __str__(self) -> str:
        return f"{self.chain_id} 0x{self.address.hex()}"


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed trust policy; ``quorum`` names a witness, a group, or ``"none"``."""

    logs: tuple[PolicyLog, ...]
    witnesses: tuple[PolicyWitness, ...]
    groups: tuple[WitnessGroup, ...]
    quorum: str
    registries: tuple[Registry, ...] = ()

    @property
    def text(self) -> str:
        """The policy in canonical form: no comments, by kind, numeric thresholds, quorum last."""
        lines = [" ".join(["log", log.vkey, *_url(log.url)]) for log in self.logs]
        lines += [" ".join(["witness", w.name, w.vkey, *_url(w.url)]) for w in self.witnesses]
        for group in self.groups:
            lines.append(" ".join(["group", group.name, str(group.threshold), *group.members]))
        lines += [f"registry {registry}" for registry in self.registries]
        lines.append(f"quorum {self.quorum}")
        return "".join(line + "\n" for line in lines)


def _url(url: str | None) -> list[str]:
    return [] if url is None else [url]


def parse_policy(data: bytes | str) -> Policy:
    """Parse and validate a policy file; raise :class:`PolicyFileError` naming the line."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    for offset, octet in enumerate(raw):
        if (octet < 0x20 and octet not in (0x09, 0x0A)) or octet == 0x7F:
            line = raw.count(b"\n", 0, offset) + 1
            raise PolicyFileError(f"invalid octet 0x{octet:02x} at offset {offset}", line)
    parser = _Parser()
    lines = raw.decode("utf-8", "surrogateescape").split("\n")
    for number, text in enumerate(lines, start=1):
        fields = _FIELDS.findall(text)
        if fields and not fields[0].startswith("#"):
            try:
                parser.parse_line(fields)
            except PolicyFileError as exc:
                raise PolicyFileError(exc.reason, number) from exc
            except ValueError as exc:
                raise PolicyFileError(str(exc), number) from exc
    if parser.quorum is None:
        raise PolicyFileError("the policy must have exactly one quorum line")
    return Policy(
        tuple(parser.logs),
        tuple(parser.witnesses),
        tuple(parser.groups),
        parser.quorum,
        tuple(parser.registries),
    )


class _Parser:
    """The state of one parse: what is defined so far, line by line."""

    def __init__(self) -> None:
        self.logs: list[PolicyLog] = []
        self.witnesses: list[PolicyWitness] = []
        self.groups: list[WitnessGroup] = []
        self.registries: list[Registry] = []
        self.quorum: str | None = None
        self.defined: set[str] = set()
        self.members: set[str] = set()

    def parse_line(self, fields: list[str]) -> None:
        keyword, args = fields[0], fields[1:]
        if keyword == "log" and len(args) in (1, 2):
            self._log(*args)
        elif keyword == "witness" and len(args) in (2, 3):
            self._witness(*args)
        elif keyword == "group" and len(args) >= 3:
            self._group(args[0], args[1], args[2:])
        elif keyword == "quorum" and len(args) == 1:
            self._quorum(args[0])
        elif keyword == "registry" and len(args) == 2:
            self._registry(*args)
        elif keyword in ("log", "witness", "group", "quorum", "registry"):
            raise PolicyFileError(f"wrong number of fields in a {keyword} line")
        else:
            raise PolicyFileError(f"unknown keyword {keyword!r}")

    def _log(self, vkey: str, url: str | None = None) -> None:
        try:
            verifier = new_verifier(vkey)
        except MalformedKeyError as exc:
            raise PolicyFileError(f"invalid log key {vkey}: {exc.reason}") from exc
        if any(log.verifier.public_key == verifier.public_key for log in self.logs):
            raise PolicyFileError(f"duplicate log public key {vkey}")
        self.logs.append(PolicyLog(verifier, vkey, _check_url(url)))

    def _witness(self, name: str, vkey: str, url: str | None = None) -> None:
        self._new_name(name)
        try:
            key_type = parse_verifier_key(vkey).key_type
            if key_type != COSIGNATURE_V1:
                raise PolicyFileError(
                    f"witness key {vkey} has type 0x{key_type:02x}, not a cosignature key type"
                )
            verifier = new_cosignature_verifier(vkey)
        except MalformedKeyError as exc:
            raise PolicyFileError(f"invalid witness key {vkey}: {exc.reason}") from exc
        if any(w.verifier.public_key == verifier.public_key for w in self.witnesses):
            raise PolicyFileError(f"duplicate witness public key {vkey}")
        self.witnesses.append(PolicyWitness(name, verifier, vkey, _check_url(url)))
        self.defined.add(name)

    def _group(self, name: str, threshold: str, members: list[str]) -> None:
        self._new_name(name)
        if threshold == "any":
            k = 1
        elif threshold == "all":
            k = len(members)
        elif threshold.isascii() and threshold.isdigit():
            k = int(threshold)
        else:
            raise PolicyFileError(f"invalid threshold {threshold!r} for group {name!r}")
        if not 1 <= k <= len(members):
            raise PolicyFileError(f"threshold {k} for group {name!r} outside [1, {len(members)}]")
        for member in members:
            if member not in self.defined:
                raise PolicyFileError(f"unknown member {member!r} in group {name!r}")
            if member in self.members:
                raise PolicyFileError(f"{member!r} is listed as a group member more than once")
            self.members.add(member)
        self.groups.append(WitnessGroup(name, k, tuple(members)))
        self.defined.add(name)

    def _quorum(self, name: str) -> None:
        if self.quorum is not None:
            raise PolicyFileError("the policy must have exactly one quorum line")
        if name != QUORUM_NONE and name not in self.defined:
            raise PolicyFileError(f"quorum {name!r} is not defined on a preceding line")
        self.quorum = name

    def _registry(self, chain_id: str, address: str) -> None:
        chain = parse_decimal(chain_id, bits=256)
        if chain == 0:
            raise PolicyFileError("chain ID 0 is not a chain")
        if not _ADDRESS.fullmatch(address):
            raise PolicyFileError(f"{address!r} is not a 0x-prefixed 20-byte hex address")
        registry = Registry(chain, bytes.fromhex(address[2:]))
        if registry in self.registries:
            raise PolicyFileError(f"duplicate registry {registry}")
        self.registries.append(registry)

    def _new_name(self, name: str) -> None:
        if name == QUORUM_NONE:
            raise PolicyFileError(f"the name {QUORUM_NONE!r} is reserved")
        if name in self.defined:
            raise PolicyFileError(f"duplicate name {name!r}")


def _check_url(url: str | None) -> str | None:
    if url is not None:
        urlsplit(url)  # raises ValueError for what cannot be a URL, e.g. "http://[::1"
    return url
