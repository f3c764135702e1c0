"""Proofs: tree heads, inclusion and consistency proofs, and proof bundles.

Start with :mod:`.bundles` (:class:`~.bundles.BundleService`: the bundle of one entry
against an anchored head, and consistency proofs between anchored heads); it reads
through the modules below it:

- :mod:`.bundles`         proof bundles, consistency proofs between anchored heads
- :mod:`.tlog_proofs`     c2sp.org/tlog-proof@v1 documents against a signed checkpoint
- :mod:`.store`           the reads proofs are made of (their SQL: db.repositories.proofs)
- :mod:`.anchored_heads`  the sealed heads whose anchor is on chain, by tree size
- :mod:`.node_cache`      tree node hashes remembered across requests
- :mod:`.reads`           what one API worker keeps for proofs: caches, threads, connections
- :mod:`.sealed_log`      heads and proofs of the sealed log in a session (anchoring's
  consistency proofs, no anchor needed)
"""
