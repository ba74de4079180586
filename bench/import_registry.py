"""Throughput of `flask registry import` on PostgreSQL: 100,000 rows, first load and re-run.

    .venv/bin/python bench/import_registry.py [--rows 100000] [--server postgresql://postgres@127.0.0.1:5432]

Creates a scratch database on that server (bench.servers.scratch_database), builds the schema, writes a CSV
of valid rows to a temporary folder, runs the same code path as the CLI (services.imports) twice
(insert, then replace every row), prints rows/second, and drops the database.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.servers import scratch_database  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE_M, MIDDLE_F = ["Văn", "Hữu", "Đức", "Minh", "Quang"], ["Thị", "Ngọc", "Thu", "Thanh", "Mai"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Nam", "Phương", "Trang"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    from services.identifiers import OLD_PROVINCES, century_sex_digit

    rng = random.Random(seed)
    provinces = sorted(OLD_PROVINCES)
    seen: set[str] = set()
    with path.open("w", encoding="utf-8") as fh:
        fh.write("cccd,full_name,date_of_birth,gender,address\n")
        while len(seen) < rows:
            dob = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 84))
            gender = rng.choice(("male", "female"))
            cccd = f"0{rng.choice(provinces)}{century_sex_digit(dob.year, gender)}{dob.year % 100:02d}{rng.randrange(10**6):06d}"
            if cccd in seen:
                continue
            seen.add(cccd)
            middle = rng.choice(MIDDLE_M if gender == "male" else MIDDLE_F)
            name = f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}"
            fh.write(f"{cccd},{name},{dob.isoformat()},{gender},Số {rng.randrange(1, 500)} đường Lê Lợi\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--server", default=os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432"))
    args = parser.parse_args()
    with scratch_database(f"{args.server}/postgres") as url:
        import models
        from app import create_app
        from services.imports import import_registry

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 40, "APP_ENV": "development"})
        engine = app.extensions["db"].engine
        models.Base.metadata.create_all(engine)
        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "registry.csv"
            started = time.perf_counter()
            write_csv(csv_path, args.rows)
            print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) in "
                  f"{time.perf_counter() - started:.1f} s")
            for label in ("first import (insert)", "re-run (replace every row)"):
                with app.app_context():
                    session = app.extensions["db"].factory()
                    result = import_registry(session, csv_path)
                    session.close()
                print(f"{label}: {result.rows:,} rows in {result.seconds:.2f} s = "
                      f"{result.rows / result.seconds:,.0f} rows/s")
        engine.dispose()


if __name__ == "__main__":
    main()
