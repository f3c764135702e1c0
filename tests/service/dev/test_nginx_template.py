"""The shipped nginx template (``deploy/nginx/anchor-tlog.conf.template``) and its rendering:
exactly the documented variables, nginx's own ``$variables`` untouched, a missing value a
clear error. (nginx running it for real: ``tests/service/tiles/test_nginx.py``.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anchor_service.dev import NginxError
from anchor_service.dev.nginx import TLOG_TEMPLATE, TLOG_VARIABLES, TlogNginx, render_template

DOCS = Path(__file__).resolve().parents[3] / "docs" / "operations.md"


def test_the_template_uses_exactly_the_documented_variables() -> None:
    text = TLOG_TEMPLATE.read_text()
    used = set(re.findall(r"\$\{(NGINX_[A-Z_]+)\}", text))
    assert used == set(TLOG_VARIABLES)
    operations = DOCS.read_text()
    assert "deploy/nginx/anchor-tlog.conf.template" in operations
    assert all(f"${{{name}}}" in operations for name in TLOG_VARIABLES)


def test_rendering_fills_the_variables_and_leaves_nginx_variables_alone(tmp_path: Path) -> None:
    config = TlogNginx(tmp_path, "127.0.0.1:8000", port=8080).config()
    assert "${NGINX" not in config
    assert "listen 127.0.0.1:8080;" in config
    assert f"alias {tmp_path.resolve()}/tile/;" in config
    assert "server 127.0.0.1:8000;" in config
    assert "try_files $uri @anchor_api;" in config  # nginx's own variables stay


def test_a_missing_value_is_named() -> None:
    with pytest.raises(NginxError, match=r"\$\{NGINX_API\}"):
        render_template("server ${NGINX_API};", {"NGINX_LISTEN": "80"})
