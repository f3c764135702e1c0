"""The PostgreSQL server the tests use, or the CI rule when it cannot be reached.

``ANCHOR_TEST_POSTGRES_URL`` points the tests at another server (its admin database:
the tests create and drop databases of their own there); the default is the local
server with trust authentication that ``make test`` expects.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.support.ci import skip_or_fail

POSTGRES_ADMIN_URL = os.environ.get(
    "ANCHOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def admin_engine() -> Engine:
    """An autocommit engine on the admin database, checked reachable.

    When the server does not answer, the calling test is skipped, or failed under
    ``CI=true``, where the PostgreSQL tests must run.
    """
    url = make_url(POSTGRES_ADMIN_URL)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL unreachable at {url.render_as_string()}: {exc.orig}"
        skip_or_fail(reason, must_run="PostgreSQL tests")
    return engine
