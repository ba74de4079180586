"""Engine and the request-scoped session. Services take a Session argument; only HTTP/CLI code calls `session()`."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Database:
    engine: Engine
    factory: sessionmaker
    # Every statement commits on its own: no BEGIN/COMMIT round trips. For hot paths whose only
    # write is one INSERT (the clinic card check); durable when the statement returns.
    autocommit_engine: Engine


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        return engine
    # No pool_pre_ping: it costs a round trip on every request. A connection lost to a PostgreSQL
    # restart fails its statement once; SQLAlchemy then invalidates the whole pool, the request is
    # answered 503 database_unavailable (api/errors.py) and the next one reconnects.
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)


def init_app(app: Flask) -> Database:
    engine = make_engine(app.config["DATABASE_URL"])
    database = Database(
        engine,
        sessionmaker(engine, expire_on_commit=False),
        engine.execution_options(isolation_level="AUTOCOMMIT"),
    )
    app.extensions["db"] = database
    app.teardown_appcontext(_close_session)
    return database


def get() -> Database:
    return current_app.extensions["db"]


def session() -> Session:
    """The session of this request or CLI command, created on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = get().factory()
    return g.db_session


def autocommit_connection() -> Connection:
    """A Core connection of this request whose statements each commit on their own (see
    Database.autocommit_engine); no ORM session machinery on the hot path."""
    if "db_autocommit" not in g:
        g.db_autocommit = get().autocommit_engine.connect()
    return g.db_autocommit


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "db_autocommit"):
        resource = g.pop(name, None)
        if resource is not None:
            resource.close()
