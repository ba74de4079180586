"""A fresh service as a hospital system finds it: facility 01929, its clinic client with one
registered staff member, a gateway account `01929_BV`, and one insured person with a valid card.
Placeholders as in docs/gateway.md; nothing here is real data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services import gateway_accounts
from tests import factories as f

FACILITY = "01929"
USERNAME = "01929_BV"
CARD = "DN4010100000001"
HOLDER = "Nguyễn Văn A"
BORN = date(1979, 2, 20)
STAFF_CCCD = "001000000000"


@dataclass
class His:
    client_id: str
    password: str  # the plain password the operator was shown
    md5: str  # what the HIS is configured with (lower-case hex)
    card_number: str

    @property
    def md5_upper(self) -> str:
        return self.md5.upper()


def build(app, session, staff_name: str = "NGUYEN VAN CAN BO") -> His:
    with app.app_context():
        cl, _headers = f.clinic(app, session, facility_code=FACILITY, staff=(STAFF_CCCD, staff_name))
        _account, password = gateway_accounts.create_account(session, cl.client_id, USERNAME)
        session.commit()
    person = f.person(session, bhxh_code="0100000001", cccd="001079000123", full_name=HOLDER, date_of_birth=BORN)
    card = f.card(session, person, province_code="01", facility_code=FACILITY,
                  valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    assert card.card_number == CARD
    return His(cl.client_id, password, gateway_accounts.md5_hex(password), card.card_number)


# Every key qlbv's batch job (jobKtTheBHYT::addCheckHeinCard) reads, unconditionally.
QLBV_KEYS = ("maKetQua", "ghiChu", "maThe", "hoTen", "ngaySinh", "diaChi", "maTheCu", "maTheMoi", "maDKBD",
             "cqBHXH", "gioiTinh", "gtTheTu", "gtTheDen", "maKV", "ngayDu5Nam", "maSoBHXH", "gtTheTuMoi",
             "gtTheDenMoi", "maDKBDMoi", "tenDKBDMoi", "dsLichSuKCB2018", "dsLichSuKT2018")
