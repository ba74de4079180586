"""Count what a request sends to the database: the statements that go through the hot-path runner
(db/statements.py) and the data statements that reach the SQLAlchemy engine."""
from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from sqlalchemy import event

from db import statements as runners

_TRANSACTION_CONTROL = ("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements_sent(app, monkeypatch):
    """Yields `seen`: `seen.runner` lists the first word of each runner statement as it is sent;
    `seen.engine` is filled on exit with the engine's data statements (transaction control left out;
    on SQLite the runner's own statements reach the engine too)."""
    seen = SimpleNamespace(runner=[], engine=[])
    for cls in (runners.PsycopgRunner, runners.CoreRunner):
        for name in ("rows", "execute"):
            def counted(self, stmt, params, _original=getattr(cls, name)):
                seen.runner.append(str(stmt).split(None, 1)[0])
                return _original(self, stmt, params)

            monkeypatch.setattr(cls, name, counted)
    raw: list[str] = []
    engine = app.extensions["db"].engine
    listener = lambda *args: raw.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        seen.engine = [s for s in raw if not s.lstrip().upper().startswith(_TRANSACTION_CONTROL)]
