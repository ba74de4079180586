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
from bisect import bisect
from calendar import monthrange
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate

from sqlalchemy import Engine, text

import clock
from services import campaign, seed_campaign
from services.identifiers import OBJECT_LEVELS, century_sex_digit

CHUNK = 10_000
BHXH_BASE = 9_000_000_000
BHXH_MAX = 9_999_999_999

REGISTRY_COLUMNS = ("cccd", "full_name", "date_of_birth", "gender", "address", "updated_at")
PERSON_COLUMNS = ("id", "bhxh_code", "cccd", "full_name", "date_of_birth", "gender", "address",
                  "created_at", "updated_at")
CARD_COLUMNS = ("id", "card_number", "person_id", "object_code", "benefit_level", "province_code",
                "area_code", "facility_code", "valid_from", "valid_to", "five_year_date",
                "issuing_agency", "status", "status_reason", "status_changed_at", "created_at")


def _nfc(words: str) -> list[str]:
    return unicodedata.normalize("NFC", words).split(",")


# (code, name, population in hundred-thousands, 2019 census, rounded): the 63 pre-merger provinces.
PROVINCES = [
    ("01", "Hà Nội", 81), ("02", "Hà Giang", 9), ("04", "Cao Bằng", 5), ("06", "Bắc Kạn", 3),
    ("08", "Tuyên Quang", 8), ("10", "Lào Cai", 7), ("11", "Điện Biên", 6), ("12", "Lai Châu", 5),
    ("14", "Sơn La", 13), ("15", "Yên Bái", 8), ("17", "Hoà Bình", 9), ("19", "Thái Nguyên", 13),
    ("20", "Lạng Sơn", 8), ("22", "Quảng Ninh", 13), ("24", "Bắc Giang", 18), ("25", "Phú Thọ", 15),
    ("26", "Vĩnh Phúc", 12), ("27", "Bắc Ninh", 14), ("30", "Hải Dương", 19), ("31", "Hải Phòng", 20),
    ("33", "Hưng Yên", 13), ("34", "Thái Bình", 19), ("35", "Hà Nam", 9), ("36", "Nam Định", 18),
    ("37", "Ninh Bình", 10), ("38", "Thanh Hóa", 36), ("40", "Nghệ An", 33), ("42", "Hà Tĩnh", 13),
    ("44", "Quảng Bình", 9), ("45", "Quảng Trị", 6), ("46", "Thừa Thiên Huế", 11), ("48", "Đà Nẵng", 11),
    ("49", "Quảng Nam", 15), ("51", "Quảng Ngãi", 12), ("52", "Bình Định", 15), ("54", "Phú Yên", 10),
    ("56", "Khánh Hòa", 12), ("58", "Ninh Thuận", 6), ("60", "Bình Thuận", 12), ("62", "Kon Tum", 5),
    ("64", "Gia Lai", 15), ("66", "Đắk Lắk", 19), ("67", "Đắk Nông", 6), ("68", "Lâm Đồng", 13),
    ("70", "Bình Phước", 10), ("72", "Tây Ninh", 12), ("74", "Bình Dương", 24), ("75", "Đồng Nai", 31),
    ("77", "Bà Rịa - Vũng Tàu", 12), ("79", "Hồ Chí Minh", 90), ("80", "Long An", 17),
    ("82", "Tiền Giang", 18), ("83", "Bến Tre", 13), ("84", "Trà Vinh", 10), ("86", "Vĩnh Long", 10),
    ("87", "Đồng Tháp", 16), ("89", "An Giang", 19), ("91", "Kiên Giang", 17), ("92", "Cần Thơ", 12),
    ("93", "Hậu Giang", 7), ("94", "Sóc Trăng", 12), ("95", "Bạc Liêu", 9), ("96", "Cà Mau", 12),
]
PROVINCES = [(code, unicodedata.normalize("NFC", name), w) for code, name, w in PROVINCES]
CITIES = {"01", "31", "48", "79", "92"}  # centrally-run cities: "thành phố", not "tỉnh"
PROVINCE_NAME = {code: name for code, name, _ in PROVINCES}
FACILITY_KINDS = _nfc("Bệnh viện Đa khoa,Bệnh viện Y học cổ truyền,Trung tâm Y tế khu vực 1,"
                      "Trung tâm Y tế khu vực 2")

# Surnames with their approximate share (per cent) of the population.
SURNAMES = [(s, w) for s, w in zip(_nfc(
    "Nguyễn,Trần,Lê,Phạm,Hoàng,Huỳnh,Phan,Vũ,Võ,Đặng,Bùi,Đỗ,Hồ,Ngô,Dương,Lý,Đinh,Trương,Lương,Mai,"
    "Đoàn,Lâm,Tạ,Cao,Hà,Chu,Trịnh,Tô,Kiều,Triệu,Lò,Thái,Quách"),
    (38, 11, 9.5, 7.1, 3, 2.1, 4.5, 2, 1.9, 2.1, 2, 1.4, 1.3, 1.3, 1, 0.5, 0.8, 0.8, 0.5, 0.5,
     0.5, 0.4, 0.3, 0.4, 0.5, 0.2, 0.5, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1))]
MIDDLE = {
    "male": _nfc("Văn,Văn,Văn,Đức,Minh,Quang,Hữu,Công,Thanh,Ngọc,Xuân,Hoàng,Gia,Quốc,Trọng,Tiến,"
                 "Mạnh,Đình,Anh,Bảo"),
    "female": _nfc("Thị,Thị,Thị,Thị,Ngọc,Thu,Thanh,Kim,Minh,Phương,Hồng,Thùy,Bảo,Khánh,Mai,Hải,"
                   "Diệu,Quỳnh,Ánh"),
}
GIVEN = {
    "male": _nfc("Anh,Bảo,Bình,Cường,Dũng,Duy,Đạt,Đức,Hải,Hiếu,Hoàng,Hùng,Huy,Khang,Khánh,Khoa,"
                 "Kiên,Long,Lâm,Minh,Nam,Nghĩa,Phong,Phúc,Quân,Quang,Sơn,Tài,Tâm,Thắng,Thành,"
                 "Thịnh,Trung,Tuấn,Tùng,Việt,Vinh,Vũ,Hiển,Lộc,Nhân,Toàn,Trí,Hưng,Đông,Hậu"),
    "female": _nfc("Anh,Châu,Chi,Diệp,Dung,Duyên,Giang,Hà,Hạnh,Hằng,Hiền,Hoa,Hồng,Huệ,Hương,Huyền,"
                   "Lan,Liên,Linh,Loan,Mai,My,Nga,Ngân,Ngọc,Nhung,Nhi,Oanh,Phương,Quyên,Quỳnh,"
                   "Tâm,Thảo,Thơ,Thu,Thủy,Trang,Trinh,Tuyết,Uyên,Vân,Vy,Xuân,Yến"),
}
STREETS = _nfc("Lê Lợi,Trần Hưng Đạo,Nguyễn Huệ,Hai Bà Trưng,Lý Thường Kiệt,Quang Trung,Hùng Vương,"
               "Điện Biên Phủ,Phan Đình Phùng,Lê Duẩn,Nguyễn Trãi,Bà Triệu,Võ Thị Sáu,"
               "Cách Mạng Tháng Tám,Ngô Quyền,Tôn Đức Thắng,Trường Chinh,Lạc Long Quân")
# Five-year age bands 0-4 .. 90-94, per cent of the population (2019 census, rounded).
AGE_BANDS = (8.0, 8.3, 7.3, 6.7, 7.0, 8.2, 8.1, 7.7, 7.2, 6.7, 6.0, 5.3, 4.4, 3.1, 2.0, 1.3, 1.0, 0.7, 0.4)
# Object codes by age: (max age inclusive, [(code, weight), ...]). QN/CA/CY: defence, police, cipher.
OBJECTS_BY_AGE = [
    (5, [("TE", 1)]),
    (17, [("HS", 88), ("HN", 5), ("DT", 4), ("CN", 3)]),
    (22, [("SV", 40), ("DN", 28), ("GD", 20), ("HN", 4), ("CN", 4), ("DT", 2), ("QN", 1.5), ("CA", 0.5)]),
    (59, [("DN", 44), ("GD", 24), ("HC", 8), ("CH", 4), ("HX", 2), ("TK", 2), ("NN", 1), ("HN", 4),
          ("CN", 4), ("DT", 3), ("QN", 1.5), ("CA", 1), ("CY", 0.1), ("TN", 0.5)]),
    (200, [("HT", 50), ("GD", 18), ("BT", 8), ("CB", 5), ("KC", 5), ("CC", 3), ("CK", 2), ("HN", 5),
           ("CT", 2), ("XB", 2)]),
]
EMPLOYED = {"DN", "HC", "CH", "HX", "TK", "NN"}
POOR = {"HN", "DT", "CN"}
REVOKE_REASONS = _nfc("Cấp trùng thẻ,Kê khai sai thông tin,Thẻ cấp sai đối tượng,"
                      "Đã tham gia BHYT theo nhóm đối tượng khác")
DECREASE_REASONS = [("stopped", 60), ("transfer_out_of_province", 25), ("transfer_in_province", 15)]

# Per-person outcome (per mille): what the realistic mix of card states looks like.
OUTCOMES = [("active", 880), ("expired", 35), ("revoked", 7), ("reported_decreased", 23),
            ("renewed_old_expired", 30), ("renewed_old_valid", 25)]


def _picker(pairs):
    """A fast weighted choice: returns f(u) for u uniform in [0, 1)."""
    values = [v for v, _ in pairs]
    cum = list(accumulate(w for _, w in pairs))
    total = cum[-1]
    cum = [c / total for c in cum]
    last = len(values) - 1
    return lambda u: values[min(bisect(cum, u), last)]


PICK_PROVINCE = _picker([(p, w) for p, _, w in PROVINCES])
PICK_SURNAME = _picker(SURNAMES)
PICK_AGE_BAND = _picker(list(enumerate(AGE_BANDS)))
PICK_OUTCOME = _picker(OUTCOMES)
PICK_DECREASE = _picker(DECREASE_REASONS)
PICK_OBJECT = [(max_age, _picker(pairs)) for max_age, pairs in OBJECTS_BY_AGE]


def facilities() -> list[tuple[str, str]]:
    rows = [(f"{code}90{k + 1}", f"{kind} {name}") for code, name, _ in PROVINCES
            for k, kind in enumerate(FACILITY_KINDS)]
    rows += [("97901", unicodedata.normalize("NFC", "Bệnh viện Quân y (Bộ Quốc phòng)")),
             ("98901", unicodedata.normalize("NFC", "Bệnh viện Công an (Bộ Công an)"))]
    return rows


def agency(province: str) -> str:
    if province == "97":
        return unicodedata.normalize("NFC", "BHXH Bộ Quốc phòng")
    if province == "98":
        return unicodedata.normalize("NFC", "BHXH Bộ Công an")
    kind = "thành phố" if province in CITIES else "tỉnh"
    return unicodedata.normalize("NFC", f"BHXH {kind} {PROVINCE_NAME[province]}")


AGENCY = {p: agency(p) for p in [*PROVINCE_NAME, "97", "98"]}


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
            if age < 7 and outcome != "active":
                outcome = "active"  # no expired, revoked or replaced cards for small children
            obj = next(pick for max_age, pick in PICK_OBJECT if age <= max_age)(r())
            reason_u, when_u, five_u, area_u, fac_u, old_u = r(), r(), r(), r(), r(), r()
            card_id, old_id = f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(128):032x}"
            if index < first:
                continue
            cccd = self._cccd(province, dob, gender)
            person_id = first_person_id + (index - first)
            bhxh = f"{BHXH_BASE + index + 1}"
            record_name = full_name
            record_dob = dob
            if differs:
                record_name = _strip_marks(full_name)  # legacy data typed without diacritics
            registry.append((cccd, full_name, dob, gender, address, now))
            persons.append((person_id, bhxh, cccd if carries else None, record_name, record_dob, gender,
                            address, now, now))
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
        status, reason, changed = "active", None, None
        if outcome == "expired":
            valid_to = today - timedelta(days=1 + int(when_u * 400))
            valid_from = date(valid_to.year, 1, 1) if valid_to.month > 1 else valid_to - timedelta(days=364)
        elif outcome == "revoked":
            status, reason = "revoked", REVOKE_REASONS[int(reason_u * len(REVOKE_REASONS))]
            changed = now - timedelta(days=int(when_u * 200), seconds=int(reason_u * 86_400))
        elif outcome == "reported_decreased":
            status, reason = "reported_decreased", PICK_DECREASE(reason_u)
            if obj not in EMPLOYED and reason == "stopped":
                reason = "transfer_out_of_province"  # only an employer stops a participation
            valid_to = _last_of_month(_month_start(today, int(when_u * 6)))
            valid_from = min(valid_from, _month_start(valid_to, 1))
            changed = now - timedelta(days=int(when_u * 180), seconds=int(reason_u * 86_400))
        number = f"{obj}{level}{card_province}{bhxh}"
        rows = [(card_id, number, person_id, obj, level, card_province, area, facility, valid_from,
                 valid_to, five_year, AGENCY[card_province], status, reason, changed, now)]
        if outcome.startswith("renewed"):
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
            rows.insert(0, (old_id, f"{old_obj}{old_level}{old_province}{bhxh}", person_id, old_obj,
                            old_level, old_province, None, f"{old_province}901", old_from, old_to,
                            None, AGENCY[old_province], "active", None, None, now))
        return rows


def _strip_marks(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# ---------------------------------------------------------------------------------------------------
# Writers


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ")
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
        seed_campaign.synthetic_app_accounts(conn, first_id, first_id + persons)
        campaign.add_range(conn, first_id, first_id + persons)
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
