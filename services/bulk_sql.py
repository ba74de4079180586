"""Multi-row INSERT / UPDATE in one statement per call, for batch writers (employer enrollment).

On PostgreSQL each column travels as ONE array parameter and the statement reads them with
`unnest(...)`: the statement text stays short whatever the row count, so the server parses one
small statement and the driver binds a handful of arrays (a driver executemany would send one
single-row statement per row; a multi-row VALUES list makes thousands of parameters to parse).
Elsewhere (SQLite, in-process, no round trips) SQLAlchemy's own bulk paths are used.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, insert, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_PG = postgresql.dialect()


def _pg_array_type(col) -> str:
    return col.type.compile(dialect=_PG) + "[]"


def _columns(rows: Sequence[dict]) -> list[str]:
    return list(rows[0])


def _arrays(table, names: list[str], rows: Sequence[dict]) -> dict[str, list[Any]]:
    out = {}
    for n in names:
        col = table.c[n]
        proc = col.type.bind_processor(_PG)
        values = [r[n] for r in rows]
        if isinstance(col.type, JSON):  # psycopg adapts a dict only through its own Json wrapper
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        out[f"p_{n}"] = [proc(v) for v in values] if proc else values
    return out


def insert_rows(session: Session, model, rows: Sequence[dict], returning: Sequence[str] = ()) -> list[tuple]:
    """INSERT all `rows` (same keys each); the `returning` columns of every new row, in no set order."""
    if not rows:
        return []
    table = model.__table__
    if session.get_bind().dialect.name != "postgresql":
        stmt = insert(table)
        if returning:
            return [tuple(r) for r in session.execute(stmt.returning(*[table.c[n] for n in returning]), list(rows))]
        session.execute(stmt, list(rows))
        return []
    names = _columns(rows)
    sources = ", ".join(f"CAST(:p_{n} AS {_pg_array_type(table.c[n])})" for n in names)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({sources})"
    if returning:
        sql += " RETURNING " + ", ".join(returning)
    result = session.execute(text(sql), _arrays(table, names, rows))
    return [tuple(r) for r in result] if returning else []


def update_rows(session: Session, model, rows: Sequence[dict], key: str = "id") -> None:
    """UPDATE by `key`: each row dict holds the key and the new values (rows may differ in keys)."""
    if not rows:
        return
    table = model.__table__
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for names_t, group in groups.items():
        if session.get_bind().dialect.name != "postgresql":
            session.execute(update(model), group)
            continue
        names = list(names_t)
        sources = ", ".join(f"CAST(:p_{n} AS {_pg_array_type(table.c[n])})" for n in names)
        sets = ", ".join(f"{n} = v.{n}" for n in names if n != key)
        sql = (f"UPDATE {table.name} SET {sets} FROM unnest({sources}) AS v({', '.join(names)}) "
               f"WHERE {table.name}.{key} = v.{key}")
        session.execute(text(sql), _arrays(table, names, group))
