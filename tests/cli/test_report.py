"""`flask report campaign` (table, JSON, CSV, --province, --recount) and the seeds' starting point."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import text

from services import campaign


def _json(runner, *extra) -> dict:
    result = runner.invoke(args=["report", "campaign", "--format", "json", *extra])
    assert result.exit_code == 0, result.output + str(result.exception)
    return json.loads(result.output)


def test_synthetic_seed_is_a_campaign_in_progress(runner, session):
    seeded = runner.invoke(args=["seed", "synthetic", "--persons", "400"])
    assert seeded.exit_code == 0, seeded.output + str(seeded.exception)
    doc = _json(runner)
    totals = doc["totals"]
    assert totals["participants"] == 400
    assert 75.0 < totals["cccd_verified_pct"] < 95.0  # about 12% of the records carry no CCCD yet
    assert 20.0 < totals["app_linked_pct"] < 45.0  # about 38% of those that do use the app
    assert len(doc["provinces"]) > 5
    assert campaign.kept_count(session) == campaign.full_count(session)
    # A second run adds to the kept totals without recounting the first.
    assert runner.invoke(args=["seed", "synthetic", "--persons", "100"]).exit_code == 0
    assert _json(runner)["totals"]["participants"] == 500
    assert campaign.kept_count(session) == campaign.full_count(session)


def test_demo_seed_shows_progress_and_reruns_exactly(runner, session):
    for _ in range(2):
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output + str(result.exception)
        session.rollback()
        assert campaign.kept_count(session) == campaign.full_count(session)
    totals = _json(runner)["totals"]
    # docs/demo.md: 12 insured demo people, and the family's mother and two children (docs/family.md).
    assert totals["participants"] == 15
    assert 0 < totals["cccd_verified"] < 15 and totals["app_linked"] == 2  # the demo citizen and the mother


def test_table_csv_and_province(runner, session):
    runner.invoke(args=["seed", "demo"])
    table = runner.invoke(args=["report", "campaign"])
    assert table.exit_code == 0 and "all provinces" in table.output and "01 Hà Nội" in table.output
    out = runner.invoke(args=["report", "campaign", "--format", "csv", "--province", "79"]).output
    lines = list(csv.reader(io.StringIO(out)))
    assert lines[0][:3] == ["province_code", "province_name", "participants"] and len(lines) == 2
    assert lines[1][:2] == ["79", "Hồ Chí Minh"]
    bad = runner.invoke(args=["report", "campaign", "--province", "00"])
    assert bad.exit_code == 2 and "unknown province code" in bad.output


def test_recount_repairs_drifted_totals(runner, session):
    runner.invoke(args=["seed", "demo"])
    right = _json(runner)["totals"]
    session.execute(text("UPDATE campaign_counts SET participants = participants + 5 WHERE province_code = '01'"))
    people = session.execute(text("SELECT COUNT(*) FROM campaign_people")).scalar()
    session.execute(text("DELETE FROM campaign_people WHERE province_code = '79'"))
    session.commit()
    assert _json(runner)["totals"] != right
    result = runner.invoke(args=["report", "campaign", "--recount", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "1 province(s) corrected" in result.stderr and "01: kept [16, " in result.stderr
    assert json.loads(result.stdout)["totals"] == right
    session.rollback()
    assert session.execute(text("SELECT COUNT(*) FROM campaign_people")).scalar() == people
    again = runner.invoke(args=["report", "campaign", "--recount"])
    assert "0 province(s) corrected" in again.stderr


def test_demo_employer_has_staff_to_chase(app, client, runner, session):
    from models import ApiClient
    from services.seed_demo import EMPLOYER
    from tests import factories

    for _ in range(2):  # re-runnable: the staff are not employed twice
        assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    headers = factories.client_headers(app, session.get(ApiClient, EMPLOYER["client_id"]))
    coverage = client.get("/api/v1/employer/coverage", headers=headers).get_json()
    assert (coverage["active_employees"], coverage["cccd_verified"], coverage["app_linked"]) == (4, 2, 1)
    missing = client.get("/api/v1/employer/employees?missing=cccd", headers=headers).get_json()
    assert sorted(i["bhxh_code"] for i in missing["items"]) == ["0123456789", "7937368040"]
    rows = [{"bhxh_code": "0123456789", "cccd": "001095012345", "full_name": "Nguyễn Văn An",
             "date_of_birth": "1995-03-05", "gender": "male"},
            {"bhxh_code": "7937368040", "cccd": "079203004567", "full_name": "Trần Văn Bảo",
             "date_of_birth": "2003-07-14", "gender": "male"}]
    resp = client.post("/api/v1/employer/identity-updates", json={"employees": rows},
                       headers={**headers, "Idempotency-Key": "demo-1"})
    assert [(r["status"], r["code"]) for r in resp.get_json()["results"]] == [
        ("updated", None), ("rejected", "registry_mismatch")]
    assert client.get("/api/v1/employer/coverage", headers=headers).get_json()["missing_cccd"] == 1
    session.rollback()
    assert campaign.kept_count(session) == campaign.full_count(session)


def test_a_large_import_recounts_instead(runner, session, monkeypatch, tmp_path):
    runner.invoke(args=["seed", "demo"])
    session.execute(text("UPDATE campaign_counts SET participants = 0"))  # drift a recount repairs
    session.commit()
    monkeypatch.setattr(campaign, "RECOUNT_ABOVE", 1)
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    session.rollback()
    assert campaign.kept_count(session) == campaign.full_count(session)
