"""`flask seed synthetic --persons N`: N insured persons with registry rows and cards, bulk-loaded.

Rows are generated with plain Python (`random.Random`), a chunk of 10,000 persons at a time, and
written with COPY on PostgreSQL or `executemany` on SQLite: never as ORM objects, never all at once.

Identifier ranges (the demo seed and real imports must stay out of them):
- BHXH codes `9000000001`..`9999999999`: person number i (1-based, counted over every synthetic run)
  gets `9` + i on 9 digits. The next run starts after the highest code in that range: running the
  command again ADDS persons after the existing ones (10,000 then 990,000 gives the same data as
  1,000,000 at once, with the same seed, because chunks are keyed by (seed, chunk number)).
- CCCD digits 7-12 in `900000`..`999999`: digits 1-6 follow the person (birth province, century and
  sex, birth year; valid for `services.identifiers.check_cccd`), digit 7 is `9`, digits 8-12 count
  per prefix, continuing after the highest one stored.
- Card numbers are `object_code + level + province + bhxh_code`, so they inherit the BHXH range.
- Facilities `PP901`..`PP904` per province (`97901` defence, `98901` public security), inserted
  only when missing.

Data repeat with the seed for a given `today` (card validity is laid out around it).
"""
from __future__ import annotations

import random
import time
import unicodedata
from calendar import monthrange
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, text

import clock
from card_codes import EXPIRED, CardStatus, DecreaseReason
from models import Card
from services.card_rows import new_card_values
from services.identifiers import OBJECT_LEVELS, century_sex_digit
from services.seed_tables import (  # noqa: F401
    AGENCY,
    BHXH_BASE,  # noqa: F401  (facilities: re-exported)
    BHXH_MAX,
    EMPLOYED,
    GIVEN,
    MIDDLE,
    OUTCOMES,
    PICK_AGE_BAND,
    PICK_DECREASE,
    PICK_OBJECT,
    PICK_OUTCOME,
    PICK_PROVINCE,
    PICK_SURNAME,
    POOR,
    PROVINCE_NAME,
    PROVINCES,
    REVOKE_REASONS,
    STREETS,
    facilities,
    partial_birth_date,
)
from services.seed_writers import (
    PostgresWriter,
    SqliteWriter,
    _existing_state,
    _insert_facilities,
)

CHUNK = 10_000

REGISTRY_COLUMNS = ("cccd", "full_name", "date_of_birth", "gender", "address", "updated_at", "date_of_birth_precision")
PERSON_COLUMNS = ("id", "bhxh_code", "cccd", "full_name", "date_of_birth", "gender", "address",
                  "created_at", "updated_at", "date_of_birth_precision")
CARD_COLUMNS = tuple(c.key for c in Card.__table__.c)  # the order of services.card_rows.new_card_values


def _last_of_month(d: date) -> date:
    return d.replace(day=monthrange(d.year, d.month)[1])


def _month_start(d: date, months_back: int) -> date:
    m = d.year * 12 + d.month - 1 - months_back
    return date(m // 12, m % 12 + 1, 1)


class Generator:
    """Turns (seed, chunk number) into rows; holds the per-prefix CCCD counters across chunks."""

    def __init__(self, seed: int, today: date, now: datetime, counters: dict[str, int]):
        self.seed = seed
        self.today = today
        self.now = now
        self.counters = counters
        self.stats: dict[str, int] = {}

    def _cccd(self, province: str, dob: date, gender: str) -> str:
        prefix = f"0{province}{century_sex_digit(dob.year, gender)}{dob.year % 100:02d}"
        n = self.counters.get(prefix, -1) + 1
        if n > 99_999:
            raise RuntimeError(f"synthetic CCCD range of prefix {prefix} is full")
        self.counters[prefix] = n
        return f"{prefix}9{n:05d}"

    def _name(self, rng: random.Random, gender: str) -> str:
        r = rng.random
        middle, given = MIDDLE[gender], GIVEN[gender]
        parts = [PICK_SURNAME(r()), middle[int(r() * len(middle))]]
        if r() < 0.22:  # four-word names, e.g. "Nguyễn Thị Thu Hà"
            parts.append(given[int(r() * len(given))])
        parts.append(given[int(r() * len(given))])
        return " ".join(parts)

    def chunk(self, chunk_no: int, first: int, stop: int, first_person_id: int):
        """Rows for global person indexes [first, stop) of chunk `chunk_no`; earlier ones are skipped
        after drawing, so a run that resumes mid-chunk yields what one longer run would have."""
        rng = random.Random(self.seed * 1_000_003 + chunk_no)
        r = rng.random
        today, now = self.today, self.now
        registry, persons, cards = [], [], []
        stats = self.stats
        for index in range(chunk_no * CHUNK, stop):
            gender = "female" if r() < 0.505 else "male"
            band = PICK_AGE_BAND(r())
            age = band * 5 + int(r() * 5)
            birth_year = today.year - age - (1 if r() < 0.5 else 0)
            dob = date(birth_year, 1, 1) + timedelta(days=int(r() * 365))
            if dob > today:
                dob = today - timedelta(days=int(r() * 300) + 1)
            age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
            province = PICK_PROVINCE(r())
            full_name = self._name(rng, gender)
            address = (f"Số {int(r() * 300) + 1} đường {STREETS[int(r() * len(STREETS))]}, "
                       f"{PROVINCE_NAME[province]}")
            carries = r() < 0.88  # the rest are not linked to their CCCD yet (the linking campaign)
            differs = (not carries) and r() < 0.1  # legacy record differs from the registry
            outcome = PICK_OUTCOME(r())
            if age < 7 and outcome != CardStatus.ACTIVE:
                outcome = CardStatus.ACTIVE.value  # no expired, revoked or replaced cards for small children
            obj = next(pick for max_age, pick in PICK_OBJECT if age <= max_age)(r())
            reason_u, when_u, five_u, area_u, fac_u, old_u = r(), r(), r(), r(), r(), r()
            card_id, old_id = f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(128):032x}"
            if index < first:
                continue
            cccd = self._cccd(province, dob, gender)
            person_id = first_person_id + (index - first)
            bhxh = f"{BHXH_BASE + index + 1}"
            record_name = full_name
            if differs:
                record_name = _strip_marks(full_name)  # legacy data typed without diacritics
            record_dob, precision = partial_birth_date(dob, age, card_id)
            registry.append((cccd, full_name, record_dob, gender, address, now, precision))
            persons.append((person_id, bhxh, cccd if carries else None, record_name, record_dob, gender,
                            address, now, now, precision))
            stats[f"dob_{precision}"] = stats.get(f"dob_{precision}", 0) + 1
            card_rows = self._cards(person_id, bhxh, obj, province, dob, age, outcome,
                                    (reason_u, when_u, five_u, area_u, fac_u, old_u), card_id, old_id)
            cards.extend(card_rows)
            stats["persons"] = stats.get("persons", 0) + 1
            stats[outcome] = stats.get(outcome, 0) + 1
            stats["not_carrying_cccd"] = stats.get("not_carrying_cccd", 0) + (not carries)
            stats["differs_from_registry"] = stats.get("differs_from_registry", 0) + differs
            stats["cards"] = stats.get("cards", 0) + len(card_rows)
            if obj in ("QN", "CA", "CY"):
                stats["defence_police"] = stats.get("defence_police", 0) + 1
        return registry, persons, cards

    def _cards(self, person_id, bhxh, obj, province, dob, age, outcome, u, card_id, old_id):
        reason_u, when_u, five_u, area_u, fac_u, old_u = u
        today, now = self.today, self.now
        level = OBJECT_LEVELS[obj]
        card_province = {"QN": "97", "CY": "97", "CA": "98"}.get(obj, province)
        facility = f"{card_province}901" if card_province in ("97", "98") else f"{province}90{int(fac_u * 4) + 1}"
        area = None
        if obj in POOR and area_u < 0.5:
            area = "K1" if area_u < 0.3 else ("K2" if area_u < 0.45 else "K3")
        # Validity: most cards run to 31 December; employees from the month they started; children
        # under six until the day before their sixth birthday.
        if obj == "TE":
            valid_from = max(dob, date(today.year, 1, 1))
            try:
                valid_to = dob.replace(year=dob.year + 6) - timedelta(days=1)
            except ValueError:  # 29 February
                valid_to = date(dob.year + 6, 2, 28)
        elif obj in EMPLOYED:
            valid_from = _month_start(today, int(when_u * 12))
            valid_to = date(today.year, 12, 31)
        else:
            valid_from = date(today.year, 1, 1)
            valid_to = date(today.year, 12, 31)
        five_year = None
        if five_u < 0.6 and age >= 5:
            five_year = _month_start(today, int(five_u * 100) - 30)  # 2.5 years back to 2.5 ahead
        status, reason, changed = CardStatus.ACTIVE.value, None, None
        if outcome == EXPIRED:
            valid_to = today - timedelta(days=1 + int(when_u * 400))
            valid_from = date(valid_to.year, 1, 1) if valid_to.month > 1 else valid_to - timedelta(days=364)
        elif outcome == CardStatus.REVOKED:
            status, reason = CardStatus.REVOKED.value, REVOKE_REASONS[int(reason_u * len(REVOKE_REASONS))]
            changed = now - timedelta(days=int(when_u * 200), seconds=int(reason_u * 86_400))
        elif outcome == CardStatus.REPORTED_DECREASED:
            status, reason = CardStatus.REPORTED_DECREASED.value, PICK_DECREASE(reason_u)
            if obj not in EMPLOYED and reason == DecreaseReason.STOPPED:
                reason = DecreaseReason.TRANSFER_OUT_OF_PROVINCE.value  # only an employer stops a participation
            valid_to = _last_of_month(_month_start(today, int(when_u * 6)))
            valid_from = min(valid_from, _month_start(valid_to, 1))
            changed = now - timedelta(days=int(when_u * 180), seconds=int(reason_u * 86_400))
        rows = [_card_tuple(
            id=card_id, card_number=f"{obj}{level}{card_province}{bhxh}", person_id=person_id, object_code=obj,
            benefit_level=level, province_code=card_province, area_code=area, facility_code=facility,
            valid_from=valid_from, valid_to=valid_to, five_year_date=five_year,
            issuing_agency=AGENCY[card_province], status=status, status_reason=reason, status_changed_at=changed,
            now=now)]
        if outcome.startswith("renewed"):
            rows.insert(0, self._old_card(person_id, bhxh, obj, province, card_province, age, outcome, valid_from,
                                          old_u, old_id))
        return rows

    def _old_card(self, person_id, bhxh, obj, province, card_province, age, outcome, valid_from, old_u, old_id):
        """The card a renewed person had before: 003 (it expired) or 004 (replaced while valid)."""
        today, now = self.today, self.now
        # The old card differs in object code or issuing province, so its number differs too.
        if old_u < 0.5 and card_province not in ("97", "98"):
            old_obj, old_province = obj, PROVINCES[int(old_u * 2 * len(PROVINCES))][0]
            if old_province == card_province:
                old_province = "01" if card_province != "01" else "79"
        else:
            old_obj = ("GD" if obj != "GD" else "DN") if age >= 18 else ("TE" if obj != "TE" else "HN")
            old_province = province
        old_level = OBJECT_LEVELS[old_obj]
        if outcome == "renewed_old_expired":
            old_to = valid_from - timedelta(days=1)
            old_from = old_to - timedelta(days=364)
        else:  # replaced while still valid (changed group or moved): the clinic answers 004
            old_from = valid_from - timedelta(days=365)
            old_to = today + timedelta(days=1 + int(old_u * 60))
        return _card_tuple(
            id=old_id, card_number=f"{old_obj}{old_level}{old_province}{bhxh}", person_id=person_id,
            object_code=old_obj, benefit_level=old_level, province_code=old_province,
            facility_code=f"{old_province}901", valid_from=old_from, valid_to=old_to,
            issuing_agency=AGENCY[old_province], now=now)


def _card_tuple(**values) -> tuple:
    """A new card (services.card_rows.new_card_values) as a COPY row in CARD_COLUMNS order."""
    card = new_card_values(**values)
    return tuple(card[c] for c in CARD_COLUMNS)


def _strip_marks(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def seed_synthetic(engine: Engine, persons: int, seed: int = 42, today: date | None = None,
                   now: datetime | None = None) -> str:
    """Add `persons` synthetic insured persons (registry rows, records, cards) in one transaction."""
    started = time.perf_counter()
    today = today or clock.today()
    now = (now or clock.now()).replace(microsecond=0)
    dialect = engine.dialect.name
    with engine.begin() as conn:
        if dialect == "postgresql":
            # One seeder at a time, and no app insert may take an id in the block we are filling.
            conn.execute(text("LOCK TABLE insured_persons IN SHARE ROW EXCLUSIVE MODE"))
        start, first_id, counters = _existing_state(conn, dialect)
        if BHXH_BASE + start + persons > BHXH_MAX:
            raise ValueError("the synthetic BHXH range 9000000001-9999999999 would overflow")
        added_facilities = _insert_facilities(conn, dialect)
        raw = conn.connection  # the DBAPI connection inside this same transaction
        writer = PostgresWriter(raw) if dialect == "postgresql" else SqliteWriter(raw.driver_connection)
        gen = Generator(seed, today, now, counters)
        stop_all = start + persons
        index = start
        while index < stop_all:
            chunk_no = index // CHUNK
            stop = min((chunk_no + 1) * CHUNK, stop_all)
            registry, people, cards = gen.chunk(chunk_no, index, stop, first_id + (index - start))
            writer.write("registry_records", REGISTRY_COLUMNS, registry)
            writer.write("insured_persons", PERSON_COLUMNS, people)
            writer.write("cards", CARD_COLUMNS, cards)
            index = stop
        if dialect == "postgresql":
            conn.execute(text(
                "SELECT setval(pg_get_serial_sequence('insured_persons', 'id'), "
                "(SELECT max(id) FROM insured_persons))"))
    if dialect == "postgresql":
        with engine.connect() as conn:  # fresh statistics, so the planner uses the indexes at once
            conn.execute(text("ANALYZE registry_records, insured_persons, cards, facilities"))
            conn.commit()
    return summary(gen.stats, start, persons, added_facilities, time.perf_counter() - started)


def summary(stats: dict[str, int], start: int, persons: int, added_facilities: int, elapsed: float) -> str:
    rows = 2 * stats.get("persons", 0) + stats.get("cards", 0)
    first, last = BHXH_BASE + start + 1, BHXH_BASE + start + persons
    mix = ", ".join(f"{k} {stats.get(k, 0):,}" for k, _ in OUTCOMES)
    return (
        f"synthetic: {persons:,} persons (BHXH {first}-{last}), {persons:,} registry rows, "
        f"{stats.get('cards', 0):,} cards, {added_facilities} facilities added\n"
        f"  mix: {mix}; QN/CA/CY {stats.get('defence_police', 0):,}; "
        f"record without CCCD {stats.get('not_carrying_cccd', 0):,} "
        f"(of which differing from the registry {stats.get('differs_from_registry', 0):,})\n"
        f"  {rows:,} rows in {elapsed:.1f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s)"
    )
