"""Prebuilt statements run on the hot paths (the clinic card check, GET /me/card, the login-session
check) with as little machinery as the database allows.

On PostgreSQL each statement is compiled once and executed straight on a psycopg connection as a
server-side prepared statement, rows as plain tuples: SQLAlchemy's execution context, result
object and column descriptions cost more than the statement itself (docs/performance.md §7).
Elsewhere (SQLite, the embedded default) the same statements run through SQLAlchemy Core.
Either way the SQL is the one written with SQLAlchemy: one definition, two ways to run it.
"""
from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Executable

_PG_DIALECT = postgresql.dialect(paramstyle="pyformat")  # psycopg's %(name)s
_COMPILED: dict[int, tuple[Executable, str, dict[str, Any]]] = {}


class Runner(Protocol):
    def rows(self, stmt: Executable, params: dict[str, Any]) -> list[tuple]: ...

    def execute(self, stmt: Executable, params: dict[str, Any]) -> None: ...

    def execute_async_commit(self, stmt: Executable, params: dict[str, Any]) -> None: ...


def _pg_sql(stmt: Executable, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement's PostgreSQL text and its parameters: the caller's, plus the values the
    statement carries itself (a LIMIT, a literal compared with a column)."""
    found = _COMPILED.get(id(stmt))
    if found is None or found[0] is not stmt:  # the statement is kept alive so its id stays unique
        compiled = stmt.compile(dialect=_PG_DIALECT)
        fixed = {k: v for k, v in compiled.params.items() if v is not None}
        found = _COMPILED[id(stmt)] = (stmt, str(compiled), fixed)
    return found[1], ({**found[2], **params} if found[2] else params)


class PsycopgRunner:
    """Statements on a cursor of an autocommit psycopg connection: each one is durable when it
    returns. `prepare=True`: parsed and planned once per connection, then only bound and run."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor

    def rows(self, stmt: Executable, params: dict[str, Any]) -> list[tuple]:
        return self.cursor.execute(*_pg_sql(stmt, params), prepare=True).fetchall()

    def execute(self, stmt: Executable, params: dict[str, Any]) -> None:
        self.cursor.execute(*_pg_sql(stmt, params), prepare=True)

    def execute_async_commit(self, stmt: Executable, params: dict[str, Any]) -> None:
        """Committed without waiting for the WAL flush (synchronous_commit off for this one
        transaction): for the audit rows of reads, where a database crash may lose the last
        fraction of a second of them, but a request never waits for a disk (docs/family.md)."""
        with self.cursor.connection.transaction():
            self.cursor.execute("SET LOCAL synchronous_commit TO OFF")
            self.cursor.execute(*_pg_sql(stmt, params), prepare=True)


class CoreRunner:
    """The same statements through SQLAlchemy Core (an autocommit Connection)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def rows(self, stmt: Executable, params: dict[str, Any]) -> list[tuple]:
        return [tuple(r) for r in self.conn.execute(stmt, params)]

    def execute(self, stmt: Executable, params: dict[str, Any]) -> None:
        self.conn.execute(stmt, params)
        if self.conn.in_transaction():
            self.conn.commit()

    def execute_async_commit(self, stmt: Executable, params: dict[str, Any]) -> None:
        self.execute(stmt, params)  # SQLite: one local file, nothing to gain
