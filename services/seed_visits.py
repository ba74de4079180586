"""`flask seed synthetic --visits N`: N medical visits of the insured persons already held, so
that GET /me/visits, Lskcb2025 and the co-payment look-up can be measured at scale.

The mix: 84 % outpatient examinations (MA_LOAI_KCB 01) and 16 % inpatient stays (03), after the
share of insured patients seen as outpatients (84.3 %, 2019-2023) in Nguyen Kha Kinh et al.,
"Disease structure of patients participating in health insurance ... Thanh Oai General Hospital,
Hanoi, 2019 to 2023", Tạp chí Y học Cộng đồng. Diagnoses follow that study's figures where it gives
them (hypertension I10 17.4 %, dengue A90 10.4 %; endocrine 19.9 %, respiratory 13.0 %, digestive
10.5 %, musculoskeletal 9.3 % of cases by ICD-10 chapter); which codes stand for a chapter, and
the remaining 19.5 %, are this seed's choice (docs/visits.md). Amounts are drawn per visit type;
the fund pays 80 % of the insured total (benefit level 4), T_BHTT = T_TONGCHI_BH - T_BNCCT holds.

Visits are written straight to the tables (they describe the seed's own cards; the file validator
is for clinics' files): set-based SQL on PostgreSQL (INSERT ... SELECT over generate_series, so
10,000,000 visits take minutes, not hours), rows from Python on SQLite. Admission times spread over
the 24 months before today. Co-payment years are recomputed for every person at the end.
"""
from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, text

import clock
from services import base_salary

# (ICD-10 code, weight per 1,000 visits); see the module docstring for the sources.
DIAGNOSES = [
    ("I10", 174), ("A90", 104), ("E11.9", 100), ("E78.5", 99), ("J06.9", 70), ("J02.9", 30), ("J20.9", 30),
    ("K29.7", 60), ("K21.9", 45), ("M54.5", 50), ("M17.9", 43), ("N39.0", 40), ("H10.9", 30), ("L30.9", 30),
    ("R51", 30), ("S93.4", 20), ("O80", 20), ("F41.9", 15), ("G44.2", 10),
]
INPATIENT_SHARE = 0.16
MONTHS = 24
VN = timezone(timedelta(hours=7))


def _slots() -> list[str]:
    return [code for code, weight in DIAGNOSES for _ in range(weight)]


def _existing(conn) -> tuple[int, int, int, int]:
    """(synthetic visits so far, lowest person id, highest person id, persons)."""
    done = conn.execute(text("SELECT count(*) FROM visit_keys WHERE ma_lk LIKE 'SYN%'")).scalar() or 0
    low, high, n = conn.execute(text("SELECT min(id), max(id), count(*) FROM insured_persons")).one()
    return done, low or 0, high or 0, n or 0


_PG_INSERT = """
INSERT INTO visits (id, admitted_at, facility_code, ma_lk, submission_id, person_id, card_id, ma_bn, full_name,
  cccd, birth, gender, card_number, registered_facility, card_valid_from, card_valid_to, main_icd, other_icd,
  diagnosis, visit_type, arrival_code, discharged_at, treatment_result, discharge_type, total, insured_total,
  self_paid, copay, fund_paid, received_at)
SELECT md5('syn' || s.g), s.adm, c.facility_code, 'SYN' || s.g, 'seed', p.id, c.id, 'BN' || p.id, p.full_name,
  p.cccd, to_char(p.date_of_birth, 'YYYYMMDD') || '0000', CASE p.gender WHEN 'male' THEN 1 ELSE 2 END,
  c.card_number, c.facility_code, to_char(c.valid_from, 'YYYYMMDD'), to_char(c.valid_to, 'YYYYMMDD'),
  (CAST(:slots AS text[]))[1 + (s.g * 37 % 1000)], NULL, NULL, CASE WHEN s.inp THEN '03' ELSE '01' END, '1.1',
  s.adm + CASE WHEN s.inp THEN (1 + s.g % 9) * interval '1 day' ELSE interval '50 minutes' END, 1, 1,
  s.insured + s.self, s.insured, s.self, round(s.insured * 0.2, -2), s.insured - round(s.insured * 0.2, -2), :now
FROM (
  SELECT g, CAST(:low AS bigint) + (g * 7919) % (CAST(:high AS bigint) - :low + 1) AS pid, (g * 13 % 100) < :inp_pct AS inp,
         CAST(:start AS timestamptz) - (g * 104729 % (CAST(:days AS int) * 24 * 60)) * interval '1 minute' AS adm,
         CASE WHEN (g * 13 % 100) < :inp_pct THEN 2000000 + (g * 7 % 280) * 100000
              ELSE 100000 + (g * 11 % 70) * 10000 END AS insured,
         (g * 3 % 6) * 10000 AS self
  FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g) s
JOIN insured_persons p ON p.id = s.pid
JOIN LATERAL (SELECT * FROM cards WHERE cards.person_id = p.id ORDER BY valid_from DESC LIMIT 1) c ON true
"""


def _pg(conn, first: int, last: int, low: int, high: int, now: datetime) -> None:
    start = datetime.combine(clock.today(), datetime.min.time(), tzinfo=VN) + timedelta(hours=17)
    step = 1_000_000  # one statement per million: progress stays visible and memory flat
    for lo in range(first, last + 1, step):
        conn.execute(text(_PG_INSERT), {"slots": _slots(), "low": low, "high": high, "inp_pct": int(INPATIENT_SHARE * 100),
                                        "start": start, "days": MONTHS * 30, "first": lo,
                                        "last": min(lo + step - 1, last), "now": now})
    conn.execute(text("INSERT INTO visit_keys (facility_code, ma_lk, visit_id, admitted_at) "
                      "SELECT facility_code, ma_lk, id, admitted_at FROM visits WHERE submission_id = 'seed' "
                      "AND ma_lk LIKE 'SYN%' ON CONFLICT DO NOTHING"))


def _sqlite(conn, first: int, last: int, seed: int, now: datetime) -> None:
    people = conn.execute(text(
        "SELECT p.id, p.full_name, p.cccd, p.date_of_birth, p.gender, c.id, c.card_number, c.facility_code, "
        "c.valid_from, c.valid_to FROM insured_persons p JOIN cards c ON c.person_id = p.id "
        "AND c.valid_from = (SELECT max(valid_from) FROM cards c2 WHERE c2.person_id = p.id)")).all()
    rng, slots, rows, keys = random.Random(seed), _slots(), [], []
    start = datetime.combine(clock.today(), datetime.min.time(), tzinfo=VN) + timedelta(hours=17)
    for g in range(first, last + 1):
        pid, name, cccd, dob, gender, card_id, number, fac, vf, vt = people[rng.randrange(len(people))]
        inp = rng.random() < INPATIENT_SHARE
        adm = start - timedelta(minutes=rng.randrange(MONTHS * 30 * 24 * 60))
        insured = rng.randrange(2_000_000, 30_000_000, 100_000) if inp else rng.randrange(100_000, 800_000, 10_000)
        self_paid, copay = rng.randrange(0, 60_000, 10_000), round(insured * 0.2, -2)
        fmt = (lambda d: str(d).replace("-", "")[:8])
        row = {"id": f"{seed:04d}{g:028d}"[-32:], "admitted_at": adm.astimezone(UTC).replace(tzinfo=None),
               "facility_code": fac, "ma_lk": f"SYN{g}", "submission_id": "seed", "person_id": pid, "card_id": card_id,
               "ma_bn": f"BN{pid}", "full_name": name, "cccd": cccd, "birth": fmt(dob) + "0000",
               "gender": 1 if gender == "male" else 2, "card_number": number, "registered_facility": fac,
               "card_valid_from": fmt(vf), "card_valid_to": fmt(vt), "main_icd": rng.choice(slots),
               "visit_type": "03" if inp else "01", "arrival_code": "1.1",
               "discharged_at": (adm + (timedelta(days=rng.randint(1, 9)) if inp else timedelta(minutes=50)))
               .astimezone(UTC).replace(tzinfo=None), "total": insured + self_paid, "insured_total": insured,
               "self_paid": self_paid, "copay": copay, "fund_paid": insured - copay,
               "received_at": now.astimezone(UTC).replace(tzinfo=None)}
        rows.append(row)
        keys.append({"f": fac, "m": row["ma_lk"], "v": row["id"], "a": row["admitted_at"]})
    cols = list(rows[0]) if rows else []
    if rows:
        conn.execute(text(f"INSERT INTO visits ({', '.join(cols)}, treatment_result, discharge_type) VALUES "
                          f"({', '.join(':' + c for c in cols)}, 1, 1)"), rows)
        conn.execute(text("INSERT INTO visit_keys (facility_code, ma_lk, visit_id, admitted_at) "
                          "VALUES (:f, :m, :v, :a)"), keys)


def _copay_years(conn, dialect: str) -> None:
    """All persons' copay_years from their visits, with the day the running sum went over 6 x the
    base salary of that day (the schedule of services/base_salary.py, passed in as rows)."""
    salary = " UNION ALL ".join(f"SELECT DATE '{d.isoformat()}' AS since, {v} AS amount" if dialect == "postgresql"
                                else f"SELECT '{d.isoformat()}' AS since, {v} AS amount" for d, v in base_salary.SCHEDULE)
    day = ("(discharged_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date" if dialect == "postgresql"
           else "date(discharged_at, '+7 hours')")
    year = f"CAST(strftime('%Y', {day}) AS INTEGER)" if dialect == "sqlite" else f"extract(year FROM {day})::int"
    conn.execute(text("DELETE FROM copay_years"))
    conn.execute(text(f"""
        INSERT INTO copay_years (person_id, year, paid, over_ceiling_on, updated_at)
        SELECT person_id, yr, sum(copay), min(CASE WHEN running > 6 * coalesce(
                 (SELECT amount FROM ({salary}) s WHERE s.since <= d ORDER BY s.since DESC LIMIT 1),
                 {base_salary.SCHEDULE[0][1]}) THEN d END), :now
        FROM (SELECT person_id, copay, {day} AS d, {year} AS yr,
                     sum(copay) OVER (PARTITION BY person_id, {year} ORDER BY discharged_at, id) AS running
              FROM visits) v
        GROUP BY person_id, yr"""), {"now": clock.now() if dialect == "postgresql" else
                                     clock.now().astimezone(UTC).replace(tzinfo=None)})


def seed_visits(engine: Engine, visits: int, seed: int = 42) -> str:
    started = time.perf_counter()
    now = clock.now().replace(microsecond=0)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        done, low, high, persons = _existing(conn)
        if persons == 0:
            return "synthetic visits: no insured persons to give visits to"
        first, last = done + 1, done + visits
        if dialect == "postgresql":
            _pg(conn, first, last, low, high, now)
        else:
            _sqlite(conn, first, last, seed, now)
        _copay_years(conn, dialect)
    if dialect == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE visits, visit_keys, copay_years"))
            conn.commit()
    elapsed = time.perf_counter() - started
    return f"synthetic: {visits:,} visits (SYN{first}-SYN{last}) in {elapsed:.1f} s ({visits / max(elapsed, 1e-9):,.0f}/s)"


