"""The command groups of ``anchor-service``, in ``--help`` order.

Each module listed here defines ``register(subparsers)``, which adds its sub-command(s)
and sets ``handler=<function(args, settings) -> exit code>`` as the parser default. A new
command is a new module plus one line here.
"""

from __future__ import annotations

COMMAND_MODULES: list[str] = [
    "anchor_service.cli.serve",
    "anchor_service.cli.scheduler",
    "anchor_service.cli.dev",
    "anchor_service.cli.db",
    "anchor_service.cli.keys",
    "anchor_service.cli.import_entries",
    "anchor_service.cli.seal",
    "anchor_service.cli.anchor",
    "anchor_service.cli.deploy",
    "anchor_service.cli.verify",
    "anchor_service.cli.audit",
    "anchor_service.cli.redact",
]
