"""Bulk insertion of generated rows: PostgreSQL COPY, SQLite executemany through Core `insert()`.

Both paths take plain dicts keyed by column name. Rows are written with explicit primary
keys so generated children can point at their parents without reading anything back;
PostgreSQL sequences are moved past them afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.types import JSON

CHUNK = 10_000


def _json_columns(table: Table) -> frozenset[str]:
    return frozenset(
        c.name for c in table.columns
        if isinstance(c.type, JSON) or isinstance(getattr(c.type, "impl", None), JSON)
    )


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    known = set(table.c.keys())
    if not known.issuperset(rows[0]):
        # the generator may know a column a store's schema does not have yet, or no longer has
        rows = [{k: v for k, v in row.items() if k in known} for row in rows]
    if conn.dialect.name == "postgresql":
        with _gin_indexes_set_aside(conn, table):
            _copy(conn, table, rows)
    else:
        _executemany(conn, table, rows)
    return len(rows)


def _executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One compiled INSERT, values converted by each column's own bind processor, sent
    with the driver's executemany: the rows are stored exactly as the ORM would store them,
    without building SQLAlchemy parameters for each of a million rows."""
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(rows[0]))
    # the order the statement's placeholders expect
    names = list(compiled.positiontup or rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    pairs = list(zip(names, processors, strict=True))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(str(compiled), [
                tuple(row[name] if process is None else process(row[name])
                      for name, process in pairs)
                for row in rows[start:start + CHUNK]
            ])
    finally:
        cursor.close()


@contextmanager
def _gin_indexes_set_aside(conn: Connection, table: Table) -> Iterator[None]:
    """A GIN index (the trigram search index) is dropped for the load and built again after:
    kept up to date row by row it would double the time of the whole generation."""
    found = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table "
        "AND indexdef ILIKE '% USING gin %'"), {"table": table.name}).all()
    for name, _definition in found:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _name, definition in found:
        conn.execute(text(definition))


def _copy(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    columns = list(rows[0])
    json_columns = _json_columns(table)
    wrap = [name in json_columns for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(tuple(
                Jsonb(row[name]) if json and row[name] is not None else row[name]
                for name, json in zip(columns, wrap, strict=True)
            ))


def next_id(conn: Connection, table: Table) -> int:
    """The first free integer primary key, so generated rows never collide with existing ones."""
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def move_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """After explicit ids, point each PostgreSQL id sequence past the highest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        # table names come from our own metadata, never from input
        sql = (f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
               f"(SELECT coalesce(max(id), 0) + 1 FROM \"{table.name}\"), false)")
        conn.execute(text(sql))


def analyse(conn: Connection) -> None:
    """Fresh statistics, so the planner sees the generated sizes as a live store would."""
    conn.execute(text("ANALYZE"))
