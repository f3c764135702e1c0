"""ISO 4217 currency codes accepted in postings.

The alphabetic codes of ISO 4217 list one in force in November 2026, including the fund
codes (BOV, CHE, ...), precious metals (XAU, ...) and supranational units (XDR, ...).
Left out on purpose: ``XTS`` (reserved for testing) and ``XXX`` (no currency involved),
which cannot carry a ledger amount. Withdrawn codes are rejected: ``ANG`` (replaced by
``XCG`` in 2025), ``BGN`` (Bulgaria adopted the euro in 2026), ``CUC``, ``HRK``,
``SLL`` and ``ZWL`` (replaced by ``ZWG`` in 2024).

Ledger amounts are integers in the currency's minor units; :func:`minor_unit_digits`
says how many decimal places a major-unit amount (as gateways' reports print them) has.
One deliberate departure from ISO 4217: ``IDR`` has none here (ISO lists 2, but rupiah
amounts are whole in practice: Midtrans takes ``gross_amount`` "in IDR ... do not add
decimal", and this ledger's IDR postings are whole rupiah).
"""

from __future__ import annotations

__all__ = ["CURRENCY_CODES", "minor_unit_digits"]

_TABLE = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN
    BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
    CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
    DJF DKK DOP DZD
    EGP ERN ETB EUR
    FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF
    IDR ILS INR IQD IRR ISK
    JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
    NAD NGN NIO NOK NPR NZD
    OMR
    PAB PEN PGK PHP PKR PLN PYG
    QAR
    RON RSD RUB RWF
    SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV
    WST
    XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA
    YER
    ZAR ZMW ZWG
"""

CURRENCY_CODES: frozenset[str] = frozenset(_TABLE.split())

_DIGITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "IDR",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    # no minor unit at all (ISO 4217 "N.A."): whole units only
    **dict.fromkeys(
        ["XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XUA"], 0
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def minor_unit_digits(code: str) -> int:
    """Decimal places of ``code``'s minor unit (2 unless listed otherwise; ``IDR``: 0).

    Requires ``code`` in :data:`CURRENCY_CODES`.
    """
    if code not in CURRENCY_CODES:
        raise ValueError(f"unknown currency {code!r}")
    return _DIGITS.get(code, 2)
