"""Proof bundle verification, small enough for an auditor to read in one sitting.

- :mod:`.bundle`     the format: :func:`parse_bundle`, :class:`ProofBundle`, :func:`dump_bundle`
- :mod:`.checks`     :func:`verify_bundle` and every check it runs (start reading here)
- :mod:`.report`     :class:`CheckResult`, :class:`VerificationReport`, outcomes, status and
  exit statuses, and their JSON form :class:`VerificationOut`
- :mod:`.trust`      :class:`TrustRoot`: the policy or pinned registry a bundle must be bound to
- :mod:`.chainview`  :class:`ChainView`, the chain reads the checks need (a protocol)
- :mod:`.quorum`     :class:`QuorumChainView`, several nodes that must agree (a ChainView)
- :mod:`.onchain`    ``Web3ChainView``, that protocol over a JSON-RPC node (imports web3,
  so it is not imported here)
- :mod:`.errors`     :class:`BundleFormatError`, :class:`ChainReadError`: the exception tree

The verifier needs neither the database nor the API: ``pip install .`` installs it (and
``anchor-service verify``) without the ``server`` extra.

Without a trust root no report is ever "valid" (at best "unpinned"). Offline, against a
policy (the signed checkpoint must satisfy it)::

    trust = TrustRoot.from_policy(parse_policy(policy_text), "policy auditor.policy")
    report = verify_bundle(parse_bundle(raw), None, min_confirmations=0, trust=trust)

Against a node, with a pinned registry::

    from anchor_service.verifier.onchain import Web3ChainView
    trust = TrustRoot.for_registry(1, "0x5FbD...", "--registry")
    report = verify_bundle(bundle, Web3ChainView.connect(rpc_url), min_confirmations=3,
                           trust=trust)
"""

from anchor_service.verifier.bundle import (
    BUNDLE_VERSION,
    AnchorRef,
    BundleAnchorOut,
    ProofBundle,
    RedactionRecordRef,
    dump_bundle,
    parse_bundle,
)
from anchor_service.verifier.chainview import (
    AnchorReceipt,
    ChainView,
    HeadAnchoredLog,
    RegistryAnchor,
)
from anchor_service.verifier.checks import (
    ANCHOR_RECORD,
    ANCHOR_TRANSACTION,
    BUNDLE_FORMAT,
    CHAIN_CHECKS,
    CHAIN_ID,
    CHECKPOINT,
    CONFIRMATIONS,
    INCLUSION,
    LEAF_HASH,
    PINNED_REGISTRY,
    REGISTRY_ROOT,
    TRUST_CHECKS,
    verify_bundle,
)
from anchor_service.verifier.errors import BundleFormatError, ChainReadError
from anchor_service.verifier.quorum import QuorumChainView
from anchor_service.verifier.report import (
    EXIT_STATUS,
    CheckOut,
    CheckResult,
    Outcome,
    Status,
    VerificationOut,
    VerificationReport,
)
from anchor_service.verifier.trust import TrustRoot

__all__ = [
    "ANCHOR_RECORD",
    "ANCHOR_TRANSACTION",
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CHAIN_CHECKS",
    "CHAIN_ID",
    "CHECKPOINT",
    "CONFIRMATIONS",
    "EXIT_STATUS",
    "INCLUSION",
    "LEAF_HASH",
    "PINNED_REGISTRY",
    "REGISTRY_ROOT",
    "TRUST_CHECKS",
    "AnchorReceipt",
    "AnchorRef",
    "BundleAnchorOut",
    "BundleFormatError",
    "ChainReadError",
    "ChainView",
    "CheckOut",
    "CheckResult",
    "HeadAnchoredLog",
    "Outcome",
    "ProofBundle",
    "QuorumChainView",
    "RedactionRecordRef",
    "RegistryAnchor",
    "Status",
    "TrustRoot",
    "VerificationOut",
    "VerificationReport",
    "dump_bundle",
    "parse_bundle",
    "verify_bundle",
]
