"""SQLAlchemy models of anchoring: anchors and every signed transaction sent for one.

An :class:`Anchor` is one attempt to record a sealed tree head on chain; an
:class:`AnchorTransaction` is one signed transaction for it (the first, and any
replacement of a stuck one at the same nonce with higher fees). A transaction row is
committed *before* its bytes are sent, so after a crash the same bytes (same hash, same
nonce) are sent again and an anchor is never sent twice nor lost.

Status of an anchor (see :class:`AnchorStatus`)::

    prepared --send--> submitted --N confirmations, block hash re-checked--> confirmed
        |                 |   ^
        |                 |   +-- reorged: receipt gone or block hash changed; re-sent
        +-----------------+-----> failed (revert decoded, head mismatch, nonce lost)

``in_flight`` is 1 while the anchor is prepared or submitted and NULL otherwise; it is
unique, so the database itself holds at most one anchor in flight.

Hashes are raw ``bytes``; amounts of wei are integers (``BIGINT``: up to 9.2 * 10**18
wei, far above any fee this service pays under its fee cap).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from anchor_service.db import models_sealing  # noqa: F401  (anchors reference batches)
from anchor_service.db.base import Base

__all__ = ["IN_FLIGHT", "Anchor", "AnchorStatus", "AnchorTransaction", "RegistryLink"]

#: Value of ``anchors.in_flight`` for the (single) prepared or submitted anchor.
IN_FLIGHT = 1


class AnchorStatus(enum.StrEnum):
    """Where an anchor is in its life."""

    PREPARED = "prepared"  # transaction signed and recorded; maybe not sent yet
    SUBMITTED = "submitted"  # sent; mined (block_number set) or waiting to be mined
    CONFIRMED = "confirmed"  # enough confirmations, block hash re-checked: final
    FAILED = "failed"  # will not be anchored; ``error`` says why

    @property
    def in_flight(self) -> bool:
        """Whether the anchor still needs sending, mining or confirming."""
        return self in (AnchorStatus.PREPARED, AnchorStatus.SUBMITTED)


class Anchor(Base):
    """One attempt to anchor the tree head ``(tree_size, root)`` with its statement hash."""

    __tablename__ = "anchors"
    __table_args__ = (
        CheckConstraint("tree_size >= 1", name="tree_size_positive"),
        CheckConstraint("from_size >= 0", name="from_size_non_negative"),
        CheckConstraint("length(root) = 32", name="root_length"),
        CheckConstraint("length(statement_hash) = 32", name="statement_hash_length"),
        CheckConstraint(f"in_flight = {IN_FLIGHT}", name="in_flight_value"),
        CheckConstraint("reorgs >= 0", name="reorgs_non_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    statement_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    batch_seq: Mapped[int] = mapped_column(Integer, ForeignKey("batches.seq"))
    from_size: Mapped[int] = mapped_column(BigInteger)
    consistency_proof: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[AnchorStatus] = mapped_column(
        Enum(
            AnchorStatus,
            name="anchor_status",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda statuses: [status.value for status in statuses],
        )
    )
    in_flight: Mapped[int | None] = mapped_column(SmallInteger, unique=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    registry_address: Mapped[str] = mapped_column(String(42))
    sender: Mapped[str] = mapped_column(String(42))
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    block_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    effective_gas_price: Mapped[int | None] = mapped_column(BigInteger)
    fee_wei: Mapped[int | None] = mapped_column(BigInteger)
    reorgs: Mapped[int] = mapped_column(Integer, default=0)
    error_name: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]

    @property
    def proof_nodes(self) -> tuple[bytes, ...]:
        """The consistency proof from ``from_size`` to ``tree_size``, node by node."""
        data = self.consistency_proof
        return tuple(data[i : i + 32] for i in range(0, len(data), 32))

    @property
    def mined(self) -> bool:
        """Whether a receipt of one of its transactions has been seen (and not reorged)."""
        return self.block_number is not None


class AnchorTransaction(Base):
    """One signed transaction for an anchor, recorded before it is sent.

    ``sent_at`` is set once the node accepted the bytes (NULL: maybe never sent);
    ``replaced_by`` is the id of the transaction that replaced this one (same nonce,
    higher fees). Whichever of them gets mined wins.
    """

    __tablename__ = "anchor_transactions"
    __table_args__ = (
        CheckConstraint("nonce >= 0", name="nonce_non_negative"),
        CheckConstraint("length(tx_hash) = 32", name="tx_hash_length"),
        CheckConstraint("gas > 0", name="gas_positive"),
        CheckConstraint(
            "max_priority_fee_per_gas >= 0 AND max_fee_per_gas >= max_priority_fee_per_gas",
            name="fees_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    anchor_id: Mapped[int] = mapped_column(Integer, ForeignKey("anchors.id"), index=True)
    nonce: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    raw_tx: Mapped[bytes] = mapped_column(LargeBinary)
    max_fee_per_gas: Mapped[int] = mapped_column(BigInteger)
    max_priority_fee_per_gas: Mapped[int] = mapped_column(BigInteger)
    gas: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    replaced_by: Mapped[int | None] = mapped_column(Integer, ForeignKey("anchor_transactions.id"))


class RegistryLink(Base):
    """An operator's move to another registry (``anchor-service registry migrate``).

    From this link on, the registry ``to_address`` on ``chain_id`` is compared only with
    the anchors recorded after anchor ``after_anchor_id`` (0: every anchor is older): the
    anchors up to it were sent to the registry ``from_address`` (which may be the same
    address, after a chain reset), whose history is left behind. ``kind`` says how the
    move was made (``adopt``: a fresh, empty v1 registry that re-anchors the database's
    newest head; ``succession``: a v2 successor linked on chain, which continues from
    the predecessor's kept head ``(kept_size, kept_root)``, NULL when none was kept).
    """

    __tablename__ = "registry_links"
    __table_args__ = (CheckConstraint("after_anchor_id >= 0", name="after_anchor_id_non_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    from_address: Mapped[str | None] = mapped_column(String(42))
    to_address: Mapped[str] = mapped_column(String(42))
    after_anchor_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    kept_size: Mapped[int | None] = mapped_column(BigInteger)
    kept_root: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime]
