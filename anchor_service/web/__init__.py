"""The auditor's web page at ``/verify``: check a proof bundle in the browser.

:mod:`.verify_page` serves the page and its assets (``static/``, no CDN); the checks
themselves are JavaScript modules in ``static/`` that mirror :mod:`anchor_service.verifier`
check for check (``checks.js`` is the one to read).
"""

from anchor_service.web.verify_page import ASSETS_PATH, PAGE_PATH, STATIC_DIR, router

__all__ = ["ASSETS_PATH", "PAGE_PATH", "STATIC_DIR", "router"]
