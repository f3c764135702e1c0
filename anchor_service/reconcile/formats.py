"""The report formats :mod:`~anchor_service.reconcile.reports` reads, column by column.

Headers are compared after normalising: trimmed, lower-cased, spaces and hyphens turned
into ``_`` (so ``Order ID``, ``order_id`` and ``ORDER-ID`` are one column).

- ``midtrans``: the Midtrans transaction / settlement export. ``order_id`` (the
  merchant's order id, which this ledger keeps as ``gateway_ref``), ``gross_amount``
  (whole rupiah; Midtrans takes ``gross_amount`` "in IDR ... do not add decimal", and
  exports print it with or without ``.00``), optional ``currency`` (default ``IDR``),
  and a time: ``transaction_time`` or else ``settlement_time`` (``YYYY-MM-DD HH:MM:SS``,
  Jakarta time). The names are those of Midtrans' transaction objects
  (docs.midtrans.com/reference/transaction-details-object, the status API's answer).
- ``xendit``: the Xendit Transactions report (report version 2,
  docs.xendit.co/v1/docs/transactions-report): ``Reference`` (the merchant's
  reference_id / external_id), ``Currency``, ``Amount`` (major units, e.g. ``12.50``),
  and a time if there is one: ``Created Date``, ``Transaction Date``, ``Date`` or
  ``Settlement Date`` (the stored material does not show the export's time column, so
  these names are accepted).
- ``csv``: this service's own columns, exactly: ``gateway_ref`` (or ``external_id``),
  ``amount`` (an integer in the currency's *minor* units), ``currency``, ``date``
  (``YYYY-MM-DD`` or an RFC 3339 time), and optional ``description``. Any other
  column is an error.

Gateway exports carry many more columns (fees, status, channel...): the adapters read
the ones above and ignore the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMATS", "MAX_GATEWAY_LENGTH", "ReportFormat", "normalise_header"]

MAX_GATEWAY_LENGTH = 64
"""Longest ``metadata.gateway`` a reconciliation matches (the length stored with it)."""


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """Which columns hold a row's reference, amount, currency and time."""

    name: str
    ref: tuple[str, ...]
    amount: tuple[str, ...]
    currency: tuple[str, ...]
    time: tuple[str, ...]
    #: amounts in major units (``12.50``), converted with the currency's minor unit
    major_units: bool
    #: the currency when the report has no currency column (``None``: it must have one)
    default_currency: str | None = None
    #: a report with no time column is accepted (the period must then be given)
    time_optional: bool = False
    #: columns allowed beyond those above; ``None``: any (gateway exports)
    extra: frozenset[str] | None = None

    @property
    def gateway(self) -> str | None:
        """The ledger's ``metadata.gateway`` this format's rows match by default."""
        return None if self.name == "csv" else self.name


FORMATS: dict[str, ReportFormat] = {
    "midtrans": ReportFormat(
        name="midtrans",
        ref=("order_id",),
        amount=("gross_amount",),
        currency=("currency",),
        time=("transaction_time", "settlement_time"),
        major_units=True,
        default_currency="IDR",
    ),
    "xendit": ReportFormat(
        name="xendit",
        ref=("reference",),
        amount=("amount",),
        currency=("currency",),
        time=("created_date", "transaction_date", "date", "settlement_date"),
        major_units=True,
        time_optional=True,
    ),
    "csv": ReportFormat(
        name="csv",
        ref=("gateway_ref", "external_id"),
        amount=("amount",),
        currency=("currency",),
        time=("date",),
        major_units=False,
        extra=frozenset({"description"}),
    ),
}


def normalise_header(name: str) -> str:
    """``" Order ID"`` -> ``"order_id"``."""
    return "_".join(name.strip().lower().replace("-", " ").split())
