"""Bulk inserts with PostgreSQL's binary ``COPY`` inside the session's transaction.

The rows go through the psycopg connection under the session, so driver errors are
translated here into SQLAlchemy's exceptions (a duplicate key raises
``sqlalchemy.exc.IntegrityError``, as an ``INSERT`` would).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

__all__ = ["copy_rows"]


def copy_rows(
    session: Session, sql: str, types: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Run ``COPY ... FROM STDIN (FORMAT BINARY)`` with ``rows`` of PostgreSQL ``types``.

    Requires a PostgreSQL (psycopg 3) session.
    """
    connection = session.connection()
    driver_connection = connection.connection.driver_connection
    assert isinstance(driver_connection, psycopg.Connection)
    try:
        with driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.set_types(list(types))
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        raise DBAPIError.instance(
            sql, None, exc, psycopg.Error, dialect=connection.dialect
        ) from exc
