"""The auditor's web page at ``/verify``: check a proof bundle (or tlog-proof) in the browser.

:mod:`.verify_page` serves the page and its assets (``static/``, no CDN); the checks
themselves are JavaScript modules in ``static/`` that mirror :mod:`anchor_service.verifier`
check for check (``checks.js`` is the one to read):

- ``verify.js``  the page: inputs, trust root, running the checks, the verdict
- ``bundle.js``  the proof bundle format (``json.js``: exact JSON; ``jcs.js``: RFC 8785)
- ``tlogproof.js``  tlog-proof documents and their checks (as ``verifier.tlog_proof``)
- ``merkle.js``  RFC 9162 hashing and inclusion proofs (WebCrypto SHA-256)
- ``checks.js``  every check and the verdict (never "Valid" without a trust root)
- ``policy.js``  trust policy files, read as :mod:`anchor_service.tlog.policy` reads them
- ``trust.js``   the auditor's trust root: "signed checkpoint", "pinned registry"
- ``checkpoint.js``  signed notes and checkpoints against a policy (as ``tlog.trust``)
- ``rpc.js``     chain reads from a JSON-RPC node (AnchorRegistryV2: from its events, the
  registry known by its code: ``registries.json``, served by :mod:`.verify_page`);
  ``nodes.js``: several that must agree
- ``api.js``     the chain checks through ``POST /v1/proofs/verify``
"""

from anchor_service.web.verify_page import ASSETS_PATH, PAGE_PATH, STATIC_DIR, router

__all__ = ["ASSETS_PATH", "PAGE_PATH", "STATIC_DIR", "router"]
