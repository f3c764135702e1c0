"""``GET /tlog/checkpoint``: 404 with a reason before the first checkpoint, then the
newest signed note with every stored cosignature line appended, ``text/plain``, a short
cache lifetime; public by default, an auditor key with ``ANCHOR_TLOG_PUBLIC=false``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from anchor_service.api import create_app
from anchor_service.db.models import Role
from anchor_service.db.repositories.checkpoints import CheckpointRepository
from anchor_service.db.session import Database, unit_of_work
from anchor_service.services.checkpointing import integrate
from anchor_service.services.log_identity import create_log_key
from anchor_service.settings import Settings
from anchor_service.tlog import (
    VerifierList,
    generate_cosignature_key,
    new_cosignature_signer,
    new_verifier,
    open_note,
    sign_note,
)

MakeSettings = Callable[..., Settings]


def test_the_checkpoint_is_served_with_its_cosignatures(
    make_settings: MakeSettings, database: Database, tmp_path: Path
) -> None:
    identity = create_log_key(tmp_path / "log.key", "test.example/log")
    with TestClient(create_app(make_settings(), database)) as client:
        missing = client.get("/tlog/checkpoint")
        assert missing.status_code == 404 and "no checkpoint yet" in missing.text
        assert missing.headers["content-type"] == "text/plain; charset=utf-8"

        signed = integrate(database, identity)
        assert signed is not None
        skey, vkey = generate_cosignature_key("witness.example/w1")
        witness = new_cosignature_signer(skey)
        cosigned = sign_note(signed.note.split("\n\n")[0] + "\n", witness).decode()
        line = cosigned.rstrip("\n").rsplit("\n", 1)[1]
        with unit_of_work(database.writer) as session:
            CheckpointRepository(session).add_cosignature(
                tree_size=signed.tree_size, witness_name=witness.name, key_id=witness.key_id,
                line=line, timestamp=1_700_000_000,
            )  # fmt: skip

        served = client.get("/tlog/checkpoint")
    assert served.status_code == 200
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.headers["cache-control"] == "public, max-age=1"
    assert served.text == signed.note + line + "\n"
    from anchor_service.tlog import new_cosignature_verifier

    note = open_note(
        served.content,
        VerifierList(new_verifier(identity.verifier_key), new_cosignature_verifier(vkey)),
    )
    assert sorted(signature.name for signature in note.sigs) == [
        "test.example/log",
        "witness.example/w1",
    ]


def test_with_tlog_public_false_an_auditor_key_is_needed(
    make_settings: MakeSettings,
    database: Database,
    tmp_path: Path,
    auth: Callable[[Role], dict[str, str]],
) -> None:
    identity = create_log_key(tmp_path / "log.key", "test.example/log")
    integrate(database, identity)
    with TestClient(create_app(make_settings(tlog_public=False), database)) as client:
        refused = client.get("/tlog/checkpoint")
        assert refused.status_code == 401 and refused.json()["error"] == "Unauthenticated"
        assert client.get("/tlog/checkpoint", headers=auth(Role.WRITER)).status_code == 403
        allowed = client.get("/tlog/checkpoint", headers=auth(Role.AUDITOR))
    assert allowed.status_code == 200 and allowed.text.startswith("test.example/log\n0\n")
    assert allowed.headers["cache-control"] == "private, max-age=1"
