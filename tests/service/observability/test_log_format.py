"""Log lines in text and JSON: fields, request id, extras, tracebacks; secrets masked."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from anchor_service.observability import build_formatter
from anchor_service.observability.request_context import request_id_var

from .test_redaction import SIGNER_KEY, TOKEN


def record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    log = logging.LogRecord("anchor_service.x", logging.INFO, __file__, 1, message, args, None)
    log.__dict__.update(extra)
    return log


def failing_record(message: str) -> logging.LogRecord:
    try:
        raise ValueError(message)
    except ValueError:
        log = record("operation failed")
        log.exc_info = sys.exc_info()
        return log


def test_text_lines_show_the_request_id_or_a_dash() -> None:
    formatter = build_formatter("text")
    token = request_id_var.set("req-7")
    try:
        inside = formatter.format(record("stored %d entries", 3))
    finally:
        request_id_var.reset(token)
    outside = formatter.format(record("idle"))
    assert inside.endswith(" INFO anchor_service.x [req-7]: stored 3 entries")
    assert outside.endswith(" INFO anchor_service.x [-]: idle")


def test_json_lines_hold_the_fields_and_the_extras() -> None:
    token = request_id_var.set("req-8")
    try:
        line = build_formatter("json").format(record("sealed %s", "batch", batch_seq=4))
    finally:
        request_id_var.reset(token)
    document = json.loads(line)
    assert document["message"] == "sealed batch"
    assert (document["level"], document["logger"]) == ("INFO", "anchor_service.x")
    assert (document["request_id"], document["batch_seq"]) == ("req-8", 4)
    assert document["time"].endswith("+00:00")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_signer_key_and_an_api_token_are_masked_everywhere_in_a_record(
    log_format: str,
) -> None:
    formatter = build_formatter(log_format, [SIGNER_KEY])  # type: ignore[arg-type]
    lines = [
        formatter.format(record("signing with %s for %s", "0x" + SIGNER_KEY, TOKEN)),
        formatter.format(record("context", key=SIGNER_KEY, nested={"token": [TOKEN]})),
        formatter.format(failing_record(f"bad key {SIGNER_KEY} / {TOKEN}")),
    ]
    for line in lines:
        assert SIGNER_KEY not in line and SIGNER_KEY.upper() not in line
        assert TOKEN not in line
    assert "signing with *** for ak_0123456789abcdef_***" in lines[0]
    assert "ValueError: bad key *** / ak_0123456789abcdef_***" in lines[2]
    if log_format == "json":  # text lines do not show extras at all
        assert json.loads(lines[1])["nested"] == {"token": ["ak_0123456789abcdef_***"]}
        assert json.loads(lines[1])["key"] == "***"


def test_configure_logging_writes_masked_json_lines_to_stderr_at_the_configured_level(
    tmp_path: Path,
) -> None:
    program = (
        "import logging\n"
        "from anchor_service.observability import configure_logging\n"
        "from anchor_service.settings import Settings\n"
        "configure_logging(Settings())\n"
        "log = logging.getLogger('anchor_service.demo')\n"
        "log.info('not shown')\n"
        "log.warning('loaded key %s', '0x" + SIGNER_KEY + "')\n"
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("ANCHOR_")}
    env |= {
        "ANCHOR_LOG_FORMAT": "json",
        "ANCHOR_LOG_LEVEL": "warning",
        "ANCHOR_SIGNER_KEY": SIGNER_KEY,
    }
    result = subprocess.run(
        [sys.executable, "-c", program],
        env=env,
        cwd=tmp_path,  # no .env
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    document = json.loads(line)
    assert document["message"] == "loaded key ***"
    assert document["level"] == "WARNING" and document["request_id"] is None
