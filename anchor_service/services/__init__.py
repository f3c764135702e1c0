"""Services: units of work over the repositories (and the chain client), by feature.

Each module does one job; import from the module itself, for example
``from anchor_service.services.sealing import seal_pending``:

- :mod:`.sealing`    seal pending entries into batches (tree, tiles, statement, batch row)
- :mod:`.checkpointing` integrate committed entries (tiles) and sign a C2SP checkpoint
- :mod:`.anchoring`  send the newest sealed head to the registry and follow it to settled
  (``Anchorer``, its records, transactions, confirmations; the chain context and the
  deployment file)
- :mod:`.proofs`     tree heads, inclusion and consistency proofs, proof bundles, and
  what an API worker keeps for them (caches, threads, connections)
- :mod:`.audit`      the tamper audit: recompute the log and compare it with the chain
- :mod:`.redaction`  erase an entry's personal data without breaking any proof
- :mod:`.log_identity` the log's origin and note signing key (``LogIdentity``,
  ``load_log_identity``, ``create_log_key``)
- :mod:`.receipts`   sign each stored entry's receipt (the log key's promise to merge it)
- :mod:`.tiles`      the log's C2SP tlog-tiles resources (hash tiles, entry bundles)
- :mod:`.tile_export` write those resources to a directory a static server serves
- :mod:`.witnessing` ask the policy's witnesses to cosign checkpoints; wait for the quorum

Each subpackage's docstring lists its modules and where to start reading.
"""
