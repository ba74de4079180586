"""Monthly partitions of `visits` on PostgreSQL (migration 0003 creates 2024-01..2027-12 and a
DEFAULT partition): `flask visits add-partitions --until YYYY-MM` adds the months after the last
one. Run it before those months arrive: a month's rows that already sit in the DEFAULT partition
make PostgreSQL refuse the new partition (nothing is changed then)."""
from __future__ import annotations

from sqlalchemy import Engine, text

SCHEMA = "visit_partitions"


def _months(first: tuple[int, int], last: tuple[int, int]):
    year, month = first
    while (year, month) <= last:
        nxt = (year + (month == 12), month % 12 + 1)
        yield f"visits_{year}_{month:02d}", f"{year}-{month:02d}-01 00:00+07", f"{nxt[0]}-{nxt[1]:02d}-01 00:00+07"
        year, month = nxt


def add_until(engine: Engine, until: tuple[int, int]) -> list[str]:
    """Create the missing monthly partitions up to `until`; their names."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.begin() as conn:
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('visits')")).scalar()
        if kind != "p":  # a database built without the migrations (tests): an ordinary table
            return []
        have = set(conn.execute(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'visits'")).scalars())
        dated = sorted(h for h in have if h != "visits_default")
        last = dated[-1] if dated else "visits_2023_12"
        year, month = int(last[7:11]), int(last[12:14])
        start = (year + (month == 12), month % 12 + 1)
        made = []
        for name, low, high in _months(start, until):
            conn.execute(text(f"CREATE TABLE {SCHEMA}.{name} PARTITION OF visits FOR VALUES FROM ('{low}') TO ('{high}')"))
            made.append(name)
    return made
