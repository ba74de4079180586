"""The campaign's standing (CONTRACT §12): participants, with a verified CCCD, with an app account.

Definitions (docs/campaign.md):
- a participant is an insured person holding at least one card, counted in the province of the
  current card (the latest `valid_from`);
- a verified CCCD: the insurance record carries a CCCD (every path that attaches one checks it
  against the population registry; imported records carry what the agency already verified);
- a linked app account: the record is linked to a citizen account (`POST /me/link`, a review).

Kept, not counted: `campaign_people` holds each participant's standing and `campaign_counts` the
per-province totals. Every change to a person's CCCD, account link or cards calls
`refresh(session, person_ids)` inside its own transaction, which locks those persons, diffs their
old and new standing and moves the totals by the difference, so the report is exact at commit and
reads one row per province. `recount` rebuilds both tables from the source tables (repair, seeds).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import TextClause, bindparam, text

Totals = dict[str, list[int]]  # province -> [participants, cccd_verified, app_linked]
CHUNK = 5000
RECOUNT_ABOVE = 100_000

_CURRENT_PROVINCE = ("(SELECT c.province_code FROM cards c WHERE c.person_id = p.id "
                     "ORDER BY c.valid_from DESC, c.created_at DESC, c.id DESC LIMIT 1)")
def _ids_stmt(sql: str) -> dict[bool, TextClause]:
    """{pg: statement}: `:ids` is one integer array on PostgreSQL (`= ANY`; a 5,000-name IN list
    costs the driver more to build than the server to run) and an expanding IN list elsewhere."""
    return {True: text(sql.replace("IN :ids", "= ANY(CAST(:ids AS integer[]))")),
            False: text(sql).bindparams(bindparam("ids", expanding=True))}


_NEW = _ids_stmt(f"SELECT p.id, {_CURRENT_PROVINCE}, p.cccd IS NOT NULL, p.account_id IS NOT NULL "
                 "FROM insured_persons p WHERE p.id IN :ids")
_OLD = _ids_stmt("SELECT person_id, province_code, cccd_verified, app_linked FROM campaign_people "
                 "WHERE person_id IN :ids")
_LOCK = _ids_stmt("SELECT id FROM insured_persons WHERE id IN :ids ORDER BY id FOR UPDATE")
_DELETE = _ids_stmt("DELETE FROM campaign_people WHERE person_id IN :ids")
_UPSERT_SET = ("ON CONFLICT (person_id) DO UPDATE SET province_code = excluded.province_code, "
               "cccd_verified = excluded.cccd_verified, app_linked = excluded.app_linked")
_UPSERT = text("INSERT INTO campaign_people (person_id, province_code, cccd_verified, app_linked) "
               f"VALUES (:id, :province, :cccd, :app) {_UPSERT_SET}")
_UPSERT_PG = text(
    "INSERT INTO campaign_people (person_id, province_code, cccd_verified, app_linked) "
    "SELECT * FROM unnest(CAST(:id AS integer[]), CAST(:province AS varchar[]), CAST(:cccd AS boolean[]), "
    f"CAST(:app AS boolean[])) {_UPSERT_SET}")
_MOVE = text(
    "INSERT INTO campaign_counts (province_code, participants, cccd_verified, app_linked) "
    "VALUES (:province, :participants, :cccd, :app) ON CONFLICT (province_code) DO UPDATE SET "
    "participants = campaign_counts.participants + excluded.participants, "
    "cccd_verified = campaign_counts.cccd_verified + excluded.cccd_verified, "
    "app_linked = campaign_counts.app_linked + excluded.app_linked")
_STANDING_OF = (
    "SELECT person_id, province_code, cccd_verified, app_linked FROM ("
    " SELECT c.person_id, c.province_code, p.cccd IS NOT NULL AS cccd_verified,"
    " p.account_id IS NOT NULL AS app_linked, ROW_NUMBER() OVER (PARTITION BY c.person_id"
    " ORDER BY c.valid_from DESC, c.created_at DESC, c.id DESC) AS rn"
    " FROM cards c JOIN insured_persons p ON p.id = c.person_id WHERE {where}) cur WHERE rn = 1")
_STANDING = _STANDING_OF.format(where="1 = 1")
_GROUP = ("SELECT province_code, COUNT(*), SUM(CASE WHEN cccd_verified THEN 1 ELSE 0 END), "
          "SUM(CASE WHEN app_linked THEN 1 ELSE 0 END) FROM ({rows}) s WHERE 1 = 1 GROUP BY province_code")


def _dialect(bind) -> str:
    return bind.get_bind().dialect.name if hasattr(bind, "get_bind") else bind.dialect.name


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def refresh(session, person_ids: Iterable[int | None]) -> None:
    """Bring these persons' standing and the province totals up to date, in the caller's transaction."""
    ids = sorted({i for i in person_ids if i is not None})
    if not ids:
        return
    if hasattr(session, "flush"):
        session.flush()  # pending ORM changes (a link, a review) are what we must read
    pg = _dialect(session) == "postgresql"
    if pg:
        # A recount (EXCLUSIVE) waits for us and we for it; the person locks order concurrent refreshes.
        session.execute(text("LOCK TABLE campaign_people IN ROW EXCLUSIVE MODE"))
    delta: Totals = defaultdict(lambda: [0, 0, 0])
    for chunk in _chunks(ids):
        if pg:
            session.execute(_LOCK[pg], {"ids": chunk})
        old = {r[0]: (r[1], bool(r[2]), bool(r[3])) for r in session.execute(_OLD[pg], {"ids": chunk})}
        new = {r[0]: (r[1], bool(r[2]), bool(r[3])) for r in session.execute(_NEW[pg], {"ids": chunk}) if r[1]}
        changed = [(pid, *state) for pid, state in new.items() if old.get(pid) != state]
        gone = [pid for pid in old if pid not in new]
        for pid in set(old) | set(new):
            if old.get(pid) == new.get(pid):
                continue
            for state, sign in ((old.get(pid), -1), (new.get(pid), 1)):
                if state is not None:
                    d = delta[state[0]]
                    d[0] += sign
                    d[1] += sign * state[1]
                    d[2] += sign * state[2]
        if gone:
            session.execute(_DELETE[pg], {"ids": gone})
        _upsert(session, changed, pg)
    for province in sorted(delta):
        d = delta[province]
        if any(d):
            session.execute(_MOVE, {"province": province, "participants": d[0], "cccd": d[1], "app": d[2]})


def _upsert(session, rows: list[tuple], pg: bool) -> None:
    if not rows:
        return
    if pg:
        cols = list(zip(*rows))
        session.execute(_UPSERT_PG, {"id": list(cols[0]), "province": list(cols[1]), "cccd": list(cols[2]),
                                     "app": list(cols[3])})
    else:
        session.execute(_UPSERT, [{"id": r[0], "province": r[1], "cccd": r[2], "app": r[3]} for r in rows])


def refresh_bhxh(session, bhxh_codes: Iterable[str]) -> None:
    """`refresh` for records named by BHXH code (imports, seeds). Past RECOUNT_ABOVE records a
    recount is cheaper than diffing chunk by chunk (measured: ~5 s for 1,000,000 people)."""
    codes = sorted(set(bhxh_codes))
    if len(codes) > RECOUNT_ABOVE:
        recount(session)
        return
    ids: list[int] = []
    query = text("SELECT id FROM insured_persons WHERE bhxh_code IN :codes").bindparams(
        bindparam("codes", expanding=True))
    for start in range(0, len(codes), CHUNK):
        ids.extend(session.execute(query, {"codes": codes[start:start + CHUNK]}).scalars())
    refresh(session, ids)


def add_range(conn, first_id: int, stop_id: int) -> None:
    """Count persons with ids in [first_id, stop_id) that are new to the campaign tables (the bulk
    seeder's block of fresh ids): two statements, however many persons."""
    where = "c.person_id >= :lo AND c.person_id < :hi"
    params = {"lo": first_id, "hi": stop_id}
    conn.execute(text("INSERT INTO campaign_people (person_id, province_code, cccd_verified, app_linked) "
                      + _STANDING_OF.format(where=where)), params)
    conn.execute(text(
        "INSERT INTO campaign_counts (province_code, participants, cccd_verified, app_linked) "
        + _GROUP.format(rows="SELECT * FROM campaign_people WHERE person_id >= :lo AND person_id < :hi")
        + " ON CONFLICT (province_code) DO UPDATE SET "
        "participants = campaign_counts.participants + excluded.participants, "
        "cccd_verified = campaign_counts.cccd_verified + excluded.cccd_verified, "
        "app_linked = campaign_counts.app_linked + excluded.app_linked"), params)


def full_count(bind) -> Totals:
    """Counted from insured_persons and cards, ignoring the kept tables (slow at scale: checks only)."""
    rows = bind.execute(text(_GROUP.format(rows=_STANDING)))
    return {r[0]: [int(r[1]), int(r[2] or 0), int(r[3] or 0)] for r in rows}


def kept_count(bind, province: str | None = None) -> Totals:
    sql = "SELECT province_code, participants, cccd_verified, app_linked FROM campaign_counts"
    params = {}
    if province is not None:
        sql += " WHERE province_code = :p"
        params = {"p": province}
    return {r[0]: [int(r[1]), int(r[2]), int(r[3])] for r in bind.execute(text(sql), params) if r[1]}


def recount(bind) -> dict[str, tuple[list[int], list[int]]]:
    """Rebuild both kept tables from the source tables in the caller's transaction.

    Returns {province: (kept before, counted now)} for every province that was wrong (empty when
    the kept totals were exact). The caller commits."""
    if _dialect(bind) == "postgresql":
        bind.execute(text("LOCK TABLE campaign_people, campaign_counts IN EXCLUSIVE MODE"))
    before = kept_count(bind)
    bind.execute(text("DELETE FROM campaign_people"))
    bind.execute(text("DELETE FROM campaign_counts"))
    bind.execute(text(f"INSERT INTO campaign_people (person_id, province_code, cccd_verified, app_linked) "
                      f"{_STANDING}"))
    bind.execute(text("INSERT INTO campaign_counts (province_code, participants, cccd_verified, app_linked) "
                      + _GROUP.format(rows="SELECT * FROM campaign_people")))
    after = kept_count(bind)
    return {p: (before.get(p, [0, 0, 0]), after.get(p, [0, 0, 0]))
            for p in sorted(set(before) | set(after)) if before.get(p) != after.get(p)}
