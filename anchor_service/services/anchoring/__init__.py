"""Anchoring: send the newest sealed tree head to the registry and follow it to settled.

Start with :mod:`.anchorer` (:class:`~.anchorer.Anchorer`, what the scheduler, the CLI
and the admin API use); its docstring tells the whole story and points to the rest:

- :mod:`.anchorer`       anchor the newest sealed head, or follow up the one in flight
- :mod:`.confirmations`  one follow-up round: receipts, confirmations, reorgs, stuck txs
- :mod:`.sending`        send recorded transactions, replace a stuck one
- :mod:`.head_check`     check before signing: the head recomputed from the stored leaves
- :mod:`.watch`          the chain watch: is the registry on chain the one we anchored into?
- :mod:`.migration`      an operator's explicit move to another registry (adopt, succession)
- :mod:`.records`        every state change of an anchor, each in its own transaction
- :mod:`.views`          immutable snapshots of anchors and the outcomes reported back
- :mod:`.backoff`        exponential, capped backoff after an unreachable node
- :mod:`.chain_context`  node, signer and registry client built from settings
- :mod:`.deployment`     deploy the registry; the deployment file naming it
- :mod:`.chain_head`     the chain's newest block, cached, for confirmations in the API
"""
