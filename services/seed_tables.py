"""The synthetic seed's tables: provinces, names, ages, object codes and the mix of card states,
with weighted pickers over them (services/seed_synthetic.py draws from these)."""
from __future__ import annotations

import unicodedata
from bisect import bisect
from datetime import date
from itertools import accumulate

from card_codes import EXPIRED, CardStatus, DecreaseReason
from services.birth_dates import Precision

BHXH_BASE = 9_000_000_000  # synthetic BHXH codes are 9000000001..9999999999
BHXH_MAX = 9_999_999_999


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
     0.5, 0.4, 0.3, 0.4, 0.5, 0.2, 0.5, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1), strict=False)]
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
DECREASE_REASONS = [(DecreaseReason.STOPPED.value, 60), (DecreaseReason.TRANSFER_OUT_OF_PROVINCE.value, 25),
                    (DecreaseReason.TRANSFER_IN_PROVINCE.value, 15)]

# Per-person outcome (per mille): what the realistic mix of card states looks like.
OUTCOMES = [(CardStatus.ACTIVE.value, 880), (EXPIRED, 35), (CardStatus.REVOKED.value, 7),
            (CardStatus.REPORTED_DECREASED.value, 23),
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


# Older people whose records hold only a birth year (or month and year), as on many rural records
# from before the population registry: (minimum age, share year-only, share month-only).
PARTIAL_DOB = (60, 0.05, 0.02)


def partial_birth_date(dob: date, age: int, card_id: str) -> tuple[date, str]:
    """(stored date, precision). The draw comes from the card id's last bits, so the random stream
    (and every other field of the data set) stays what it was before partial dates."""
    min_age, year_only, month_only = PARTIAL_DOB
    u = int(card_id[-4:], 16) / 65536
    if age < min_age or u >= year_only + month_only:
        return dob, Precision.DAY.value
    if u < year_only:
        return dob.replace(month=1, day=1), Precision.YEAR.value
    return dob.replace(day=1), Precision.MONTH.value
