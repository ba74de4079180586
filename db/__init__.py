"""Engine and the request-scoped session. Services take a Session argument; only HTTP/CLI code calls `session()`."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from db.statements import CoreRunner, PsycopgRunner, Runner


@dataclass
class Database:
    engine: Engine
    factory: sessionmaker
    # Every statement commits on its own: no BEGIN/COMMIT round trips. For hot paths whose only
    # write is one INSERT (the clinic card check); durable when the statement returns.
    autocommit_engine: Engine
    # PostgreSQL only: one long-lived autocommit psycopg connection per worker thread for the hot
    # path (no pool checkout/check-in per request; its prepared statements survive between requests).
    _hot: threading.local = field(default_factory=threading.local)
    _hot_all: list = field(default_factory=list)
    _hot_lock: threading.Lock = field(default_factory=threading.Lock)

    def hot_cursor(self):
        """This thread's cursor on its own autocommit psycopg connection, opened on first use with
        the engine's connection arguments."""
        cursor = getattr(self._hot, "cursor", None)
        if cursor is None or cursor.connection.closed:
            import psycopg

            cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
            conn = psycopg.connect(*cargs, **cparams, autocommit=True)
            cursor = self._hot.cursor = conn.cursor()
            with self._hot_lock:
                self._hot_all[:] = [c for c in self._hot_all if not c.closed] + [conn]
        return cursor

    def drop_broken_hot_connection(self) -> None:
        """After a lost connection (PostgreSQL restarted): the next request connects afresh."""
        cursor = getattr(self._hot, "cursor", None)
        if cursor is not None and (cursor.connection.broken or cursor.connection.closed):
            cursor.connection.close()
            self._hot.cursor = None

    def dispose(self) -> None:
        with self._hot_lock:
            for conn in self._hot_all:
                conn.close()
            self._hot_all.clear()
        self.engine.dispose()


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, the driver we ship."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        # A request may hold two connections (its session and the autocommit one) while it waits for
        # SQLite's write lock; a connection is only a file handle, so the pool fits 20 such requests.
        in_memory = make_url(url).database in (None, "", ":memory:")  # a SingletonThreadPool, unsized
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               **({} if in_memory else {"pool_size": 20, "max_overflow": 20}))

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
    Database.autocommit_engine); no ORM session machinery."""
    if "db_autocommit" not in g:
        g.db_autocommit = get().autocommit_engine.connect()
    return g.db_autocommit


def hot_path_runner() -> Runner:
    """Where the hot paths (the clinic card check, GET /me/card, the login-session check of every
    citizen and officer request) run their prebuilt statements (db/statements.py): this thread's
    psycopg connection on PostgreSQL, this request's autocommit Core connection elsewhere."""
    database = get()
    if database.engine.dialect.name == "postgresql":
        g.db_hot_used = True
        return PsycopgRunner(database.hot_cursor())
    return CoreRunner(autocommit_connection())


def _close_session(_exc: BaseException | None) -> None:
    for name in ("db_session", "db_autocommit"):
        resource = g.pop(name, None)
        if resource is not None:
            resource.close()
    if g.pop("db_hot_used", False):
        get().drop_broken_hot_connection()
