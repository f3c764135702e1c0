"""C2SP transparency-log formats: signed notes, checkpoints, cosignatures, policies, proofs.

Pure: the standard library, ``cryptography`` for Ed25519, and
``anchor_service.merkle`` for inclusion proofs; no I/O, settings, database,
web or chain code. Each module implements one specification from c2sp.org,
matching the Go reference implementations (golang.org/x/mod/sumdb/note,
github.com/transparency-dev/formats) where the specification leaves a choice:

- :mod:`.keys`         key IDs, verifier and signer key strings, Ed25519 keys
- :mod:`.note`         signed notes: ``open_note``, ``sign_note``, ``VerifierList`` (signed-note)
- :mod:`.checkpoint`   checkpoint bodies (c2sp.org/tlog-checkpoint)
- :mod:`.cosignature`  ``cosignature/v1`` witness keys and signatures (c2sp.org/tlog-cosignature)
- :mod:`.witness`      add-checkpoint request and response bodies (c2sp.org/tlog-witness)
- :mod:`.policy`       trust policy files, plus ``registry`` lines (c2sp.org/tlog-policy)
- :mod:`.trust`        evaluating a checkpoint against a policy
- :mod:`.proof`        ``c2sp.org/tlog-proof@v1`` documents and their verification
- :mod:`.receipt`      entry receipts: the log's signed promise to merge a leaf by a time
- :mod:`.range_receipt` range receipts: one such promise for a bulk request's run of leaves
- :mod:`.promise`      whether a later checkpoint kept a receipt's promise, or evidence it did not
- :mod:`.errors`       the error tree
- :mod:`.encoding`     the shared strict base64, decimal and key-name rules (internal)

Tile paths (c2sp.org/tlog-tiles) live in ``anchor_service.merkle.tiles``.
"""

from .checkpoint import (
    Checkpoint,
    parse_checkpoint,
)
from .cosignature import (
    COSIGNATURE_V1,
    MAX_TIMESTAMP,
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_timestamp,
    cosignature_verifier_key,
    cosigned_message,
    generate_cosignature_key,
    new_cosignature_signer,
    new_cosignature_verifier,
)
from .errors import (
    AmbiguousKeyError,
    InclusionProofError,
    InvalidSignatureError,
    InvalidSignerError,
    MalformedCheckpointError,
    MalformedError,
    MalformedKeyError,
    MalformedNoteError,
    MalformedProofError,
    MalformedReceiptError,
    MalformedWitnessMessageError,
    MismatchedVerifierError,
    PolicyFileError,
    PolicyNotSatisfiedError,
    TlogError,
    UnknownKeyError,
    UnverifiedNoteError,
    VerificationError,
)
from .keys import (
    ED25519,
    Ed25519Signer,
    Ed25519Verifier,
    Signer,
    SignerKey,
    Verifier,
    VerifierKey,
    generate_key,
    key_id,
    new_signer,
    new_verifier,
    parse_signer_key,
    parse_verifier_key,
    verifier_key,
)
from .note import (
    MAX_SIGNATURES,
    Note,
    Signature,
    VerifierList,
    VerifierLookup,
    open_note,
    sign_note,
)
from .policy import (
    QUORUM_NONE,
    Policy,
    PolicyLog,
    PolicyWitness,
    Registry,
    WitnessGroup,
    parse_policy,
)
from .promise import (
    PromiseBroken,
    PromiseCheck,
    PromiseStatus,
    check_promise,
)
from .proof import (
    PROOF_HEADER,
    TlogProof,
    parse_proof,
    verify_proof,
)
from .range_receipt import (
    RANGE_RECEIPT_FORMAT,
    RangeProof,
    RangeReceipt,
    entry_receipt,
    parse_range_receipt,
    sign_range_receipt,
)
from .receipt import (
    RECEIPT_FORMAT,
    Receipt,
    VerifiedReceipt,
    format_time,
    open_receipt,
    parse_receipt,
    parse_time,
    sign_receipt,
    verify_receipt,
)
from .trust import (
    VerifiedCheckpoint,
    quorum_met,
    verify_checkpoint,
)
from .witness import (
    MAX_PROOF_LINES,
    AddCheckpointRequest,
    add_cosignatures,
    parse_add_checkpoint,
    parse_cosignature_lines,
)

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "MAX_PROOF_LINES",
    "MAX_SIGNATURES",
    "MAX_TIMESTAMP",
    "PROOF_HEADER",
    "QUORUM_NONE",
    "RANGE_RECEIPT_FORMAT",
    "RECEIPT_FORMAT",
    "AddCheckpointRequest",
    "AmbiguousKeyError",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519Signer",
    "Ed25519Verifier",
    "InclusionProofError",
    "InvalidSignatureError",
    "InvalidSignerError",
    "MalformedCheckpointError",
    "MalformedError",
    "MalformedKeyError",
    "MalformedNoteError",
    "MalformedProofError",
    "MalformedReceiptError",
    "MalformedWitnessMessageError",
    "MismatchedVerifierError",
    "Note",
    "Policy",
    "PolicyFileError",
    "PolicyLog",
    "PolicyNotSatisfiedError",
    "PolicyWitness",
    "PromiseBroken",
    "PromiseCheck",
    "PromiseStatus",
    "RangeProof",
    "RangeReceipt",
    "Receipt",
    "Registry",
    "Signature",
    "Signer",
    "SignerKey",
    "TlogError",
    "TlogProof",
    "UnknownKeyError",
    "UnverifiedNoteError",
    "VerificationError",
    "VerifiedCheckpoint",
    "VerifiedReceipt",
    "Verifier",
    "VerifierKey",
    "VerifierList",
    "VerifierLookup",
    "WitnessGroup",
    "add_cosignatures",
    "check_promise",
    "cosignature_timestamp",
    "cosignature_verifier_key",
    "cosigned_message",
    "entry_receipt",
    "format_time",
    "generate_cosignature_key",
    "generate_key",
    "key_id",
    "new_cosignature_signer",
    "new_cosignature_verifier",
    "new_signer",
    "new_verifier",
    "open_note",
    "open_receipt",
    "parse_add_checkpoint",
    "parse_checkpoint",
    "parse_cosignature_lines",
    "parse_policy",
    "parse_proof",
    "parse_range_receipt",
    "parse_receipt",
    "parse_signer_key",
    "parse_time",
    "parse_verifier_key",
    "quorum_met",
    "sign_note",
    "sign_range_receipt",
    "sign_receipt",
    "verifier_key",
    "verify_checkpoint",
    "verify_proof",
    "verify_receipt",
]
