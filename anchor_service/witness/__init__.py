"""The witness (c2sp.org/tlog-witness): the server auditors run, and the log's client.

A witness cosigns a log's checkpoints after checking that each one extends the last
it cosigned; with a node and the registry, also that none conflicts with a head
anchored on chain. The log asks its policy's witnesses after signing a checkpoint.

- :mod:`.cosigning`  the checks of one add-checkpoint request and the cosignature
- :mod:`.state`      the SQLite state: latest checkpoint per origin (compare-and-swap), refusals
- :mod:`.anchored`   reading the anchored heads from the registry, and the conflict rule
- :mod:`.server`     the HTTP app: ``POST /add-checkpoint``, ``/healthz``, ``/metrics``
- :mod:`.keyfile`    witness key files (mode 0600, refused when others may read them)
- :mod:`.client`     sending add-checkpoint to the policy's witnesses, verifying cosignatures
- :mod:`.errors`     the error tree

The pure formats (notes, cosignatures, request bodies, policies) are ``anchor_service.tlog``.
"""

from __future__ import annotations

from anchor_service.witness.errors import (
    AnchoredHeadUnavailableError,
    WitnessError,
    WitnessKeyFileError,
)

__all__ = ["AnchoredHeadUnavailableError", "WitnessError", "WitnessKeyFileError"]
