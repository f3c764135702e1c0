"""Proof bundle verification, small enough for an auditor to read in one sitting.

- :mod:`.bundle`     the format: :func:`parse_bundle`, :class:`ProofBundle`, :func:`dump_bundle`
- :mod:`.checks`     :func:`verify_bundle` and every check it runs (start reading here)
- :mod:`.report`     :class:`CheckResult`, :class:`VerificationReport`, outcomes and status,
  and their JSON form :class:`VerificationOut`
- :mod:`.chainview`  :class:`ChainView`, the chain reads the checks need (a protocol)
- :mod:`.onchain`    ``Web3ChainView``, that protocol over a JSON-RPC node (imports web3,
  so it is not imported here)
- :mod:`.errors`     :class:`BundleFormatError`, :class:`ChainReadError`: the exception tree
- :mod:`.tlog_proof` c2sp.org/tlog-proof@v1 documents (``?format=tlog-proof``) as verifier
  input: the proof, its signed checkpoint, and the bundle its extra line carries

The verifier needs neither the database nor the API: ``pip install .`` installs it (and
``anchor-service verify``) without the ``server`` extra.

Offline (Merkle checks only)::

    report = verify_bundle(parse_bundle(raw), None, min_confirmations=0)

Against a node::

    from anchor_service.verifier.onchain import Web3ChainView
    report = verify_bundle(bundle, Web3ChainView.connect(rpc_url), min_confirmations=3)
"""

from anchor_service.verifier.bundle import (
    BUNDLE_VERSION,
    AnchorRef,
    BundleAnchorOut,
    ProofBundle,
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
    CONFIRMATIONS,
    INCLUSION,
    LEAF_HASH,
    REGISTRY_ROOT,
    verify_bundle,
)
from anchor_service.verifier.errors import BundleFormatError, ChainReadError
from anchor_service.verifier.report import (
    CheckOut,
    CheckResult,
    Outcome,
    Status,
    VerificationOut,
    VerificationReport,
)

__all__ = [
    "ANCHOR_RECORD",
    "ANCHOR_TRANSACTION",
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CHAIN_CHECKS",
    "CHAIN_ID",
    "CONFIRMATIONS",
    "INCLUSION",
    "LEAF_HASH",
    "REGISTRY_ROOT",
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
    "RegistryAnchor",
    "Status",
    "VerificationOut",
    "VerificationReport",
    "dump_bundle",
    "parse_bundle",
    "verify_bundle",
]
