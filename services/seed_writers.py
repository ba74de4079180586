"""The synthetic seed's database side: bulk writers (COPY on PostgreSQL, `executemany` on SQLite)
and what an earlier run left (the next index, person id and CCCD counters)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import text

from services.seed_tables import BHXH_BASE, BHXH_MAX, facilities


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


class SqliteWriter:
    def __init__(self, raw):
        self.raw = raw

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        self.raw.cursor().executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])


class PostgresWriter:
    def __init__(self, raw):
        self.conn = raw.driver_connection

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _existing_state(conn, dialect: str) -> tuple[int, int, dict[str, int]]:
    """(next synthetic index, next person id, CCCD counters) from what the database holds."""
    top = conn.execute(text(
        "SELECT max(bhxh_code) FROM insured_persons WHERE bhxh_code >= :lo AND bhxh_code <= :hi"),
        {"lo": str(BHXH_BASE + 1), "hi": str(BHXH_MAX)}).scalar()
    start = int(top) - BHXH_BASE if top else 0
    max_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM insured_persons")).scalar()
    counters = {}
    rows = conn.execute(text(
        "SELECT substr(cccd, 1, 6), max(substr(cccd, 8, 5)) FROM registry_records "
        "WHERE substr(cccd, 7, 1) = '9' GROUP BY substr(cccd, 1, 6)"))
    for prefix, top_suffix in rows:
        if top_suffix and top_suffix.isdigit():
            counters[prefix] = int(top_suffix)
    return start, int(max_id) + 1, counters


def _insert_facilities(conn, dialect: str) -> int:
    have = {code for (code,) in conn.execute(text("SELECT code FROM facilities"))}
    missing = [{"code": c, "name": n} for c, n in facilities() if c not in have]
    if missing:
        conn.execute(text("INSERT INTO facilities (code, name) VALUES (:code, :name)"), missing)
    return len(missing)
