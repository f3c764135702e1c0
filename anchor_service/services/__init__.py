"""Services: units of work over the repositories (and the chain client).

Each module does one job; import from the module itself, for example
``from anchor_service.services.sealing import seal_pending``:

- :mod:`.sealing`  seal pending entries into batches (tree, tiles, statement, batch row)
- :mod:`.proofs`   tree heads, inclusion and consistency proofs from the stored tiles
- :mod:`.anchoring`  ``Anchorer``: anchor the newest sealed head, confirm, settle
  (with :mod:`.confirmations`, :mod:`.anchor_sending`, :mod:`.anchor_records`,
  :mod:`.anchor_views`, :mod:`.backoff`)
- :mod:`.chain_context`  node, signer and registry client built from settings
- :mod:`.deployment`  deploy the registry; the deployment file
"""
