"""The tamper audit: recompute the log from the stored entries and compare with the chain.

Start with :mod:`.run` (:func:`~.run.run_audit` and :func:`~.run.audit_from_settings`,
what the CLI, the admin API and the weekly job call):

- :mod:`.run`     take one snapshot, scan the leaves, check the records, report
- :mod:`.scan`    the pass over the leaves: entry by entry, then root by root
- :mod:`.checks`  the records against each other and the registry (no leaf data)
- :mod:`.report`  what an audit found: one finding per problem, and the report
"""
