"""Helpers shared by the test suites: one copy of each, imported as ``tests.support.<module>``.

- ``ci``: the rule for missing prerequisites: skip locally, fail under ``CI=true``.
- ``vectors``: where the RFC 9162 proof probes live (in the repository, and the public
  ones beside it) and how a test iterates over them.
- ``ports``, ``clocks``, ``waiting``: free TCP ports, a clock the test moves by hand,
  polling until a condition holds.
- ``processes``: child processes in their own session, output collected.
- ``servers``: uvicorn and the service's commands as servers, ready-checked over HTTP.
- ``postgres``: the PostgreSQL server the tests use, or the CI rule when it is down.
- ``environment``: a test's own environment (no ``ANCHOR_*`` variables, its own cwd).

The first five import only the standard library and pytest: the contract tests import
them from Brownie's own environment, which has none of the service's dependencies.
Nothing is imported here, so importing one module never drags in another's dependencies.
"""
