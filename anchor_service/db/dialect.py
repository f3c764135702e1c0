"""Every difference between SQLite and PostgreSQL that code above the engine meets, in one place.

Repositories, services and jobs never look at the backend's name; they call what is here
and get the same result on both databases:

- :func:`is_postgresql`: which backend a session, connection, engine or URL uses (for the
  few fast paths that exist on one backend only);
- :func:`insert_rows`: a bulk insert in one round trip (PostgreSQL: binary ``COPY``;
  SQLite: one ``executemany`` ``INSERT``);
- :func:`rows_where_in`: a lookup by many keys (PostgreSQL: one array parameter; SQLite:
  ``IN`` lists short enough for its bound-parameter limit);
- :func:`prefer_index_range_scans` and :func:`first_column`: reading a range of a large
  table (PostgreSQL: the planner kept on the index, binary results straight from psycopg);
- :func:`sums_exactly`: whether ``SUM`` over big integers is exact (PostgreSQL's
  ``NUMERIC``) or must be done in Python (SQLite);
- :func:`read_one_snapshot`: every later read of the transaction from one snapshot;
- :func:`overwrite_deleted_content`: deleted bytes zeroed in the database file (SQLite).

The rest lives where it is used, still inside this package: engines and their set-up
(:mod:`.engine`), locks and leases (:mod:`.locks`, :mod:`.leases`), column types
(:mod:`.base`, :mod:`.models_sealing`), the group commit (:mod:`.writer`) and the proof reads
(:mod:`.repositories.proofs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    LargeBinary,
    Row,
    Select,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstrumentedAttribute, Session

from anchor_service.db.engine import normalize_database_url

__all__ = [
    "first_column",
    "insert_rows",
    "is_postgresql",
    "overwrite_deleted_content",
    "prefer_index_range_scans",
    "read_one_snapshot",
    "rows_where_in",
    "storage_class",
    "stored_as_bytes",
    "sums_exactly",
]

Bind = Session | Connection | Engine | URL | str

#: Keys per ``IN`` list on SQLite (its default limit is 32766 bound parameters per statement).
_SQLITE_IN_CHUNK = 500
#: Rows fetched per round trip by :func:`first_column` on PostgreSQL.
_FETCH_ROWS = 100_000


def is_postgresql(bind: Bind) -> bool:
    """True when ``bind`` (a session, connection, engine or database URL) is PostgreSQL."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name == "postgresql"
    if isinstance(bind, Connection | Engine):
        return bind.dialect.name == "postgresql"
    return normalize_database_url(bind).get_backend_name() == "postgresql"


def stored_as_bytes(
    session: Session, column: InstrumentedAttribute[Any], declared: str
) -> tuple[ColumnElement[Any], ColumnElement[str]]:
    """``column`` as stored and its storage class (``text``, ``blob``, ``integer``, ``real``,
    ``null``), for reads that must not trust the declared type.

    SQLite stores any value in any column (``replace()`` on a blob stores text; a text that
    is not UTF-8 cannot even be read as ``str``), so there the value is read as the bytes
    stored, with ``typeof``. PostgreSQL enforces the types: the value is read as declared
    and its class is ``declared``.
    """
    if is_postgresql(session):
        return column.expression, storage_class(session, column, declared)
    return cast(column, LargeBinary), storage_class(session, column, declared)


def storage_class(
    session: Session, column: InstrumentedAttribute[Any], declared: str
) -> ColumnElement[str]:
    """The storage class of ``column``'s values: SQLite's ``typeof``; on PostgreSQL, which
    enforces the column types, the constant ``declared`` (see :func:`stored_as_bytes`)."""
    if is_postgresql(session):
        return literal(declared, String)
    return func.typeof(column)


def sums_exactly(session: Session) -> bool:
    """Whether ``SUM`` over an :class:`~anchor_service.db.models_sealing.ExactInteger`
    column is exact in SQL (PostgreSQL ``NUMERIC``); SQLite's overflows at 2^63 or turns
    to doubles, so there the values are added up in Python."""
    return is_postgresql(session)


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    pg_types: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert ``rows`` (values in ``columns`` order) in one round trip, in the session's
    transaction.

    PostgreSQL: binary ``COPY`` with the PostgreSQL types ``pg_types`` (no SQLAlchemy type
    processing, so values must already be what the column stores). Driver errors come
    out as SQLAlchemy's, as from an ``INSERT``: a duplicate key is ``IntegrityError``.
    """
    if not rows:
        return
    if is_postgresql(session):
        _copy(session, f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)",
              pg_types, rows)  # fmt: skip
    else:
        session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _copy(session: Session, sql: str, types: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
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


def rows_where_in(
    session: Session,
    statement: Select[Any],
    column: InstrumentedAttribute[Any] | Any,
    values: Sequence[Any],
) -> list[Row[Any]]:
    """The rows of ``statement`` whose ``column`` is one of ``values`` (any number of them).

    PostgreSQL: one query with one array parameter; SQLite: one query per
    :data:`_SQLITE_IN_CHUNK` values.
    """
    if not values:
        return []
    if is_postgresql(session):
        array = bindparam("values", type_=ARRAY(column.type))
        statement = statement.where(column == any_(array))
        return list(session.execute(statement, {"values": list(values)}))
    rows: list[Row[Any]] = []
    for begin in range(0, len(values), _SQLITE_IN_CHUNK):
        chunk = values[begin : begin + _SQLITE_IN_CHUNK]
        rows.extend(session.execute(statement.where(column.in_(chunk))))
    return rows


def prefer_index_range_scans(session: Session) -> None:
    """For the rest of the transaction, read index ranges with the index, without JIT.

    PostgreSQL: sequential scans and JIT off (``SET LOCAL``), so a range that is a small
    part of a large table is read at a cost proportional to the range, whatever the
    planner thinks of the table's size, and no query is JIT-compiled (which costs more
    than it saves here). SQLite: nothing to do.
    """
    if is_postgresql(session):
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL jit = off"))


def first_column(session: Session, statement: Select[Any]) -> list[Any]:
    """The first column of every row of ``statement``, in order.

    PostgreSQL: run on the psycopg cursor in binary mode and fetched in large chunks
    (``bytea`` arrives as raw bytes, no hex decoding or SQLAlchemy work per row), so only
    for columns whose values need no type processing (integers, bytes).
    """
    if not is_postgresql(session):
        return list(session.scalars(statement))
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    driver_connection = connection.connection.driver_connection
    assert isinstance(driver_connection, psycopg.Connection)
    values: list[Any] = []
    with driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        while rows := cursor.fetchmany(_FETCH_ROWS):
            values.extend(row[0] for row in rows)
    return values


def read_one_snapshot(session: Session) -> None:
    """Make every read of the session's transaction see one snapshot; call it first.

    PostgreSQL: ``REPEATABLE READ``, read only (a ``READ COMMITTED`` statement sees what
    committed before it, not before the transaction). SQLite: a read transaction is one
    snapshot already.
    """
    if is_postgresql(session):
        session.connection(
            execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        )


def overwrite_deleted_content(session: Session) -> None:
    """Have this connection's deletes and updates zero the bytes they free.

    SQLite: ``PRAGMA secure_delete``. PostgreSQL keeps old row versions until ``VACUUM``
    whatever is set, so there is nothing to do here.
    """
    if not is_postgresql(session):
        session.execute(text("PRAGMA secure_delete = ON"))
