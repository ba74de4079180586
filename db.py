"""Engine and the request-scoped session. Services take a Session argument; only HTTP/CLI code calls `session()`."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


@dataclass
class Database:
    engine: Engine
    factory: sessionmaker


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
    # pre_ping: a PostgreSQL restart must not surface as a 500 on the next request.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_recycle=1800)


def init_app(app: Flask) -> Database:
    engine = make_engine(app.config["DATABASE_URL"])
    database = Database(engine, sessionmaker(engine, expire_on_commit=False))
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


def _close_session(_exc: BaseException | None) -> None:
    sess = g.pop("db_session", None)
    if sess is not None:
        sess.close()
