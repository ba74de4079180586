"""Audit findings on báo tăng (§6a): a second insured person made for a legacy record without a
CCCD, another unit's employee's card facility rewritten; rejected rows without stable codes."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from models import Card, Employment, InsuredPerson
from tests import factories

from .helpers import enroll, person_row, register


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _legacy(session, row: dict, bhxh_code: str = "0100000001") -> InsuredPerson:
    return factories.person(session, bhxh_code=bhxh_code, cccd=None, full_name=row["full_name"],
                            date_of_birth=date.fromisoformat(row["date_of_birth"]), gender=row["gender"])


def test_legacy_record_without_cccd_gets_no_duplicate_person(client, session, employer):
    row = person_row(0)
    register(session, [row])
    legacy = _legacy(session, row)
    res = enroll(client, employer[1], [row]).get_json()["results"][0]
    assert res["status"] == "enrolled" and res["bhxh_code"] == legacy.bhxh_code
    assert _count(session, InsuredPerson) == 1
    session.expire_all()
    assert session.get(InsuredPerson, legacy.id).cccd == row["cccd"]  # the record now carries the CCCD


def test_two_legacy_records_with_the_identity_are_ambiguous_person(client, session, employer):
    row = person_row(0)
    register(session, [row])
    _legacy(session, row, "0100000001")
    _legacy(session, row, "0100000002")
    res = enroll(client, employer[1], [row]).get_json()["results"][0]
    assert res["status"] == "rejected" and res["code"] == "ambiguous_person"
    assert res["errors"]["_row"][0]["code"] == "ambiguous_person"
    assert "BHXH code" in res["errors"]["_row"][0]["message"]
    assert _count(session, InsuredPerson) == 2 and _count(session, Card) == 0
    # Naming the record resolves it.
    res = enroll(client, employer[1], [{**row, "bhxh_code": "0100000002"}]).get_json()["results"][0]
    assert res["status"] == "enrolled" and res["bhxh_code"] == "0100000002"


def test_a_legacy_record_of_another_gender_or_name_is_not_taken(client, session, employer):
    row = person_row(0)
    register(session, [row])
    factories.person(session, bhxh_code="0100000001", cccd=None, full_name="Người Khác",
                     date_of_birth=date.fromisoformat(row["date_of_birth"]), gender=row["gender"])
    res = enroll(client, employer[1], [row]).get_json()["results"][0]
    assert res["status"] == "enrolled" and res["bhxh_code"] != "0100000001"


def test_another_units_employee_card_facility_is_not_rewritten(client, session, employer, other_employer):
    row = person_row(0)
    register(session, [row])
    first = enroll(client, employer[1], [row]).get_json()["results"][0]
    card_before = session.scalars(select(Card)).one()
    before = (card_before.facility_code, card_before.valid_from, card_before.valid_to, card_before.status)
    res = enroll(client, other_employer[1], [{**row, "primary_care_facility_code": "79001"}]).get_json()["results"][0]
    assert res["status"] == "rejected" and res["code"] == "employed_elsewhere"
    assert res["errors"]["primary_care_facility_code"][0]["code"] == "employed_elsewhere"
    session.expire_all()
    card = session.scalars(select(Card)).one()
    assert (card.facility_code, card.valid_from, card.valid_to, card.status) == before
    assert card.card_number == first["card_number"] and _count(session, Employment) == 1


def test_multi_employer_rule_second_job_keeps_the_card_untouched(client, session, employer, other_employer):
    row = person_row(0)
    register(session, [row])
    first = enroll(client, employer[1], [row]).get_json()["results"][0]
    res = enroll(client, other_employer[1], [{**row, "start_month": "2026-12"}]).get_json()["results"][0]
    assert res["status"] == "enrolled" and res["card_number"] == first["card_number"]
    session.expire_all()
    [card] = session.scalars(select(Card)).all()
    jobs = session.scalars(select(Employment).order_by(Employment.id)).all()
    assert [j.unit_code for j in jobs] == ["TE3964E", "HCM0001"] and {j.card_id for j in jobs} == {card.id}
    assert card.valid_from == date(2026, 11, 1)  # the second job did not move the card's dates


def test_rejected_rows_carry_stable_codes_with_their_messages(client, session, employer):
    a, unknown, b, good = person_row(0), person_row(1), person_row(2), person_row(3)
    register(session, [a, b, good])
    res = enroll(client, employer[1], [
        {**a, "salary": "a lot"}, unknown, {**b, "bhxh_code": "0999999999"}, good, good,
    ]).get_json()["results"]
    assert [r["code"] for r in res] == [
        "validation_error", "registry_mismatch", "bhxh_code_not_found", None, "already_enrolled"]
    assert res[0]["errors"]["salary"] == [{"code": "invalid", "message": "Not a valid integer (VND per month)."}]
    assert res[1]["errors"]["_row"][0]["code"] == "registry_mismatch"
    assert res[2]["errors"]["bhxh_code"] == [{"code": "bhxh_code_not_found",
                                              "message": "No insurance record has this BHXH code."}]
    assert res[4]["errors"]["cccd"] == [{"code": "already_enrolled",
                                         "message": "This CCCD is already in row 4 of this batch."}]
    missing = enroll(client, employer[1], [{"cccd": a["cccd"], "nickname": "x"}]).get_json()["results"][0]
    assert missing["errors"]["full_name"][0]["code"] == "required"
    assert missing["errors"]["nickname"] == [{"code": "unknown_field", "message": "Unknown field."}]
