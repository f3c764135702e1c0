"""Development tooling: a local chain, its public test-only accounts, ``anchor-service dev``.

Nothing in production imports this package. It holds what ``make run``, the tests and
the benchmarks need to run the whole service on one machine:

- :mod:`.accounts`     ganache's deterministic accounts: PUBLIC, TEST-ONLY keys
- :mod:`.chain`        :class:`DevChain`, a ganache child process; :func:`free_port`
- :mod:`.chain_setup`  ``dev``'s chain: a supervised ganache and its registry
- :mod:`.settings_file` ``<data_dir>/dev.env``: ``dev``'s chain for the CLI beside it
- :mod:`.supervisor`   start child processes in order, stop them together
- :mod:`.stack`        what ``anchor-service dev`` runs (migrate, first key, children)
- :mod:`.witness`      ``dev``'s local witness: its key, policies and supervised process
- :mod:`.nginx`        :class:`TlogNginx`, nginx with ``deploy/nginx``'s tiles configuration
- :mod:`.errors`       the exception tree
"""

from anchor_service.dev.accounts import DEV_ACCOUNT_KEYS, DEV_MNEMONIC
from anchor_service.dev.chain import DevChain, find_ganache, free_port
from anchor_service.dev.errors import ChildFailedError, DevChainError, NginxError

__all__ = [
    "DEV_ACCOUNT_KEYS",
    "DEV_MNEMONIC",
    "ChildFailedError",
    "DevChain",
    "DevChainError",
    "NginxError",
    "find_ganache",
    "free_port",
]
