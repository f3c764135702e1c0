"""ISO 4217 currency codes accepted in postings.

The alphabetic codes of ISO 4217 list one in force in November 2026, including the fund
codes (BOV, CHE, ...), precious metals (XAU, ...) and supranational units (XDR, ...).
Left out on purpose: ``XTS`` (reserved for testing) and ``XXX`` (no currency involved),
which cannot carry a ledger amount. Withdrawn codes are rejected: ``ANG`` (replaced by
``XCG`` in 2025), ``BGN`` (Bulgaria adopted the euro in 2026), ``CUC``, ``HRK``,
``SLL`` and ``ZWL`` (replaced by ``ZWG`` in 2024).
"""

from __future__ import annotations

__all__ = ["CURRENCY_CODES"]

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
