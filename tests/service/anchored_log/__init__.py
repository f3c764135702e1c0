"""A real anchored log for the tests of proofs, the audit and redaction.

Entries posted through the API, sealed, and anchored on the shared ganache by the
service's own Anchorer (:mod:`.builder`), with the fixtures that set it up
(:mod:`.fixtures`), and issue 13's forgery of a bundle into an attacker's registry
(:mod:`.forgery`, shared by the verifier's and the /verify page's tests). Those test
folders import the fixtures into their ``conftest.py``, so the fixtures apply there and
nowhere else.
"""
