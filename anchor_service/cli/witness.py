"""``anchor-service witness``: run a tlog-witness server, and manage its key.

``witness key create --out FILE --name NAME`` writes a new witness key (mode 0600,
never over an existing file without ``--force``) and prints its verifier key as the
last line; ``witness key show --key FILE`` prints it again. ``witness serve`` runs
the witness (see :mod:`anchor_service.witness`).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from anchor_service.cli.parsers import Subparsers, add_command
from anchor_service.settings import Settings

__all__ = ["DEFAULT_LISTEN", "register"]

DEFAULT_LISTEN = "127.0.0.1:8021"

logger = logging.getLogger(__name__)


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers,
        "witness",
        help="run a tlog-witness that cosigns the log's checkpoints; manage its key",
        description=(
            "A witness (c2sp.org/tlog-witness) cosigns a log's checkpoints after checking\n"
            "that each one extends the last it cosigned, and, given a node and the\n"
            "registry, that none conflicts with a head anchored on chain. Auditors run it\n"
            "against the platform's log; the operator lists it in ANCHOR_WITNESS_POLICY."
        ),
        examples=[
            "anchor-service witness key create --out witness.key --name audit.example/w1",
            "anchor-service witness serve --key witness.key --policy logs.policy",
        ],
    )
    commands = parser.add_subparsers(title="witness commands", metavar="COMMAND", required=True)
    _register_key(commands)
    _register_serve(commands)


def _register_key(commands: Subparsers) -> None:
    key = add_command(
        commands,
        "key",
        help="create or show a witness key",
        examples=[
            "anchor-service witness key create --out witness.key --name audit.example/w1",
            "anchor-service witness key show --key witness.key",
        ],
    )
    key_commands = key.add_subparsers(title="key commands", metavar="COMMAND", required=True)
    create = add_command(
        key_commands,
        "create",
        help="write a new witness key file (mode 0600); print its verifier key (last line)",
        description=(
            "Write a new Ed25519 witness key (cosignature/v1, type 0x04) to FILE, readable\n"
            "by its owner only, and print its verifier key as the last line: put that in\n"
            "the log's witness policy (`witness <name> <vkey> <url>`). A key file that\n"
            "others may read is refused when loaded."
        ),
        examples=["anchor-service witness key create --out witness.key --name audit.example/w1"],
        handler=run_key_create,
        needs_server=False,
        database="none",
    )
    create.add_argument("--out", required=True, type=Path, metavar="FILE", help="the key file")
    create.add_argument(
        "--name", required=True, help="the witness's key name (no spaces or '+'; a domain path)"
    )
    create.add_argument("--force", action="store_true", help="replace an existing FILE")
    show = add_command(
        key_commands,
        "show",
        help="print the verifier key of a witness key file",
        examples=["anchor-service witness key show --key witness.key"],
        handler=run_key_show,
        needs_server=False,
        database="none",
    )
    show.add_argument("--key", required=True, type=Path, metavar="FILE", help="the key file")


def _register_serve(commands: Subparsers) -> None:
    serve = add_command(
        commands,
        "serve",
        help="run the witness: POST /add-checkpoint (c2sp.org/tlog-witness)",
        description=(
            "Serve POST /add-checkpoint: verify the log's signature with the log keys of\n"
            "--policy, the consistency proof from the size last cosigned (kept in the\n"
            "SQLite file --state), and answer with a cosignature, or 400/403/404/409/422\n"
            "as c2sp.org/tlog-witness says.\n\n"
            "With --rpc and --registry, also refuse (409, logged and kept in the state\n"
            "file) a checkpoint that conflicts with a head anchored on chain: one at an\n"
            "anchored size with another root, or one below the latest anchored size.\n"
            "While the node cannot be read it answers 503 (it cosigns nothing unchecked).\n\n"
            "GET /healthz and GET /metrics (answers by status, refusals) are served too."
        ),
        examples=[
            "anchor-service witness serve --key witness.key --policy logs.policy",
            "anchor-service witness serve --key witness.key --policy logs.policy "
            "--listen 0.0.0.0:8021 --rpc https://rpc.example "
            "--registry 0x5FbDB2315678afecb367f032d93F642f64180aa3",
        ],
        handler=run_serve,
        database="none",
    )
    serve.add_argument("--key", required=True, type=Path, metavar="FILE", help="the witness key")
    serve.add_argument(
        "--policy",
        required=True,
        type=Path,
        metavar="FILE",
        help="a tlog-policy file: its `log` lines are the logs this witness cosigns",
    )
    serve.add_argument(
        "--state",
        type=Path,
        metavar="PATH",
        help="the SQLite state file (default: <ANCHOR_DATA_DIR>/witness.db)",
    )
    serve.add_argument(
        "--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT", help=f"default {DEFAULT_LISTEN}"
    )
    serve.add_argument("--rpc", metavar="URL", help="an EVM node, to check the anchored heads")
    serve.add_argument("--registry", metavar="ADDRESS", help="the AnchorRegistry address (0x...)")


def run_key_create(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.witness.keyfile import create_key_file

    vkey = create_key_file(args.out, args.name, force=args.force)
    print(f"wrote witness key {args.out} (mode 0600); its verifier key:")
    print(vkey)
    return 0


def run_key_show(args: argparse.Namespace, settings: Settings) -> int:
    from anchor_service.witness.keyfile import load_key_file

    print(load_key_file(args.key).verifier().vkey)
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from anchor_service.observability.logging_setup import uvicorn_log_config
    from anchor_service.tlog import PolicyFileError, parse_policy
    from anchor_service.witness.anchored import registry_reader
    from anchor_service.witness.cosigning import Witness
    from anchor_service.witness.errors import WitnessError
    from anchor_service.witness.keyfile import load_key_file
    from anchor_service.witness.server import create_witness_app
    from anchor_service.witness.state import WitnessState

    host, port = _listen(args.listen)
    if (args.rpc is None) != (args.registry is None):
        raise WitnessError("--rpc and --registry go together")
    signer = load_key_file(args.key)
    try:
        policy = parse_policy(args.policy.read_bytes())
    except OSError as exc:
        raise WitnessError(f"cannot read the policy {args.policy}: {exc.strerror}") from exc
    except PolicyFileError as exc:
        raise WitnessError(f"{args.policy}: {exc}") from exc
    if not policy.logs:
        raise WitnessError(f"{args.policy} lists no log: the witness would cosign nothing")
    anchored = None
    if args.rpc is not None:
        anchored = registry_reader(args.rpc, args.registry)
    state = WitnessState(args.state or settings.data_dir / "witness.db")
    witness = Witness(signer, policy, state, anchored)
    logger.info(
        "witness %s for %s listening on http://%s:%d (state %s%s)",
        signer.verifier().vkey,
        ", ".join(log.verifier.name for log in policy.logs),
        host,
        port,
        state.path,
        ", checking the anchored heads" if anchored is not None else "",
    )
    uvicorn.run(
        create_witness_app(witness),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings),
    )
    return 0


def _listen(text: str) -> tuple[str, int]:
    from anchor_service.witness.errors import WitnessError

    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WitnessError(f"--listen {text!r} is not HOST:PORT")
    return host.strip("[]"), int(port)
