"""The auditor's trust root: what a bundle must be bound to before it is called valid.

A bundle only says where it was anchored and which log signed it; a forger writes those
fields too. :class:`TrustRoot` is what the auditor brings from a source of their own: a
trust policy file (c2sp.org/tlog-policy plus ``registry <chain-id> <address>`` lines,
parsed by :func:`anchor_service.tlog.parse_policy`), or just one registry address
(``anchor-service verify --registry``), or, for ``POST /v1/proofs/verify``, the service's
own configured registry.

- :meth:`TrustRoot.from_policy`    a parsed policy (its logs, witnesses, quorum, registries)
- :meth:`TrustRoot.for_registry`   one pinned registry on one chain, nothing else
- :meth:`TrustRoot.pins`           whether a (chain id, address) is a pinned registry
  (addresses compared without their EIP-55 case)
"""

from __future__ import annotations

from dataclasses import dataclass

from anchor_service.tlog import QUORUM_NONE, Policy, PolicyLog, Registry, new_verifier

__all__ = ["TrustRoot", "registry_text"]


def registry_text(registry: Registry) -> str:
    """``registry 0x... on chain N``."""
    return f"registry 0x{registry.address.hex()} on chain {registry.chain_id}"


@dataclass(frozen=True, slots=True)
class TrustRoot:
    """What the auditor trusts; ``source`` says where it came from, for the report."""

    policy: Policy
    source: str

    @classmethod
    def from_policy(cls, policy: Policy, source: str) -> TrustRoot:
        return cls(policy, source)

    @classmethod
    def for_registry(
        cls, chain_id: int, address: str, source: str, *, log_keys: tuple[str, ...] = ()
    ) -> TrustRoot:
        """Pin one registry (``0x`` and 40 hex digits, any case) on chain ``chain_id``,
        and ``log_keys`` (verifier key strings) with no witness quorum."""
        digits = address.removeprefix("0x").removeprefix("0X")
        registry = Registry(chain_id, bytes.fromhex(digits))
        logs = tuple(PolicyLog(new_verifier(vkey), vkey) for vkey in log_keys)
        return cls(Policy(logs, (), (), QUORUM_NONE, (registry,)), source)

    @property
    def registries(self) -> tuple[Registry, ...]:
        return self.policy.registries

    @property
    def has_log_keys(self) -> bool:
        return bool(self.policy.logs)

    def pins(self, chain_id: int, address: str) -> bool:
        """Whether ``address`` on ``chain_id`` is a pinned registry (case-insensitive)."""
        wanted = address.lower().removeprefix("0x")
        return any(r.chain_id == chain_id and r.address.hex() == wanted for r in self.registries)

    @property
    def pinned_registries(self) -> str:
        """``registry 0x.. on chain N`` for each pinned registry, or ``no registry``."""
        return ", ".join(registry_text(r) for r in self.registries) or "no registry"

    def describe(self) -> str:
        """One line for the report: what is pinned, and from where."""
        parts = [registry_text(r) for r in self.registries]
        parts += [f"log {log.verifier.name}" for log in self.policy.logs]
        if self.policy.logs and self.policy.quorum != QUORUM_NONE:
            parts.append(f"witness quorum {self.policy.quorum}")
        return f"{', '.join(parts) or 'nothing'} ({self.source})"
