"""Family scenarios (issue 15): GET /me/dependants and a dependant's card, against GET /me/card in
the same run (target: each within 1.25x of GET /me/card's throughput and p50). Registered at the end
of bench/scenarios.py; run alone with `python -m bench --only me_card,dependants,dependant_card`.

The linked citizens of `me_card` each become the guardian of two children under 6 with TE1 cards,
made straight in the database (adding a child is not what these scenarios measure)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bench.context import Context
from bench.scenario_data import API, FACILITY, SAMPLE, Scenario, linked_citizens, people

CHILDREN_PER_GUARDIAN = 2


def _families(ctx: Context) -> list[tuple[str, list[str]]]:
    """(guardian's token, the ids of their dependants) for every linked citizen."""
    key = f"families:{ctx.people}"
    if key in ctx.cache:
        return ctx.cache[key]
    import clock
    import db
    from models import Card, Dependant, InsuredPerson
    from services import births
    from services.identifiers import card_number

    tokens = linked_citizens(ctx)
    guardians = people(ctx, SAMPLE)[:len(tokens)]
    born = date(clock.today().year - 2, 6, 1)
    out = []
    with ctx.app().app_context():
        session = db.session()
        now = clock.now()
        prefix = f"0012{born.year % 100:02d}9"
        taken = set(session.scalars(select(InsuredPerson.cccd).where(InsuredPerson.cccd.startswith(prefix))))
        free = (c for c in (f"{prefix}{n:05d}" for n in range(100_000)) if c not in taken)
        for k, (token, guardian) in enumerate(zip(tokens, guardians, strict=False)):
            linked = session.get(InsuredPerson, guardian["id"])
            assert linked is not None and linked.account_id is not None
            account_id = linked.account_id
            ids = []
            for j in range(CHILDREN_PER_GUARDIAN):
                serial = k * CHILDREN_PER_GUARDIAN + j
                child = InsuredPerson(bhxh_code=f"97{serial:08d}", cccd=next(free),
                                      full_name=f"Trẻ Em {serial}", date_of_birth=born, gender="male",
                                      created_at=now, updated_at=now)
                session.add(child)
                session.flush()
                session.add(Card(card_number=card_number("TE", 1, "01", child.bhxh_code), person_id=child.id,
                                 object_code="TE", benefit_level=1, province_code="01", facility_code=FACILITY,
                                 valid_from=born, valid_to=births.te_valid_to(born), issuing_agency="BHXH Hà Nội",
                                 status="active", created_at=now))
                dep = Dependant(guardian_account_id=account_id, child_cccd=child.cccd, full_name=child.full_name,
                                date_of_birth=born, gender="male", created_at=now)
                session.add(dep)
                session.flush()
                ids.append(dep.id)
            out.append((token, ids))
        session.commit()
    ctx.cache[key] = out
    return out


def dependants(ctx: Context) -> list[dict]:
    return [{"path": f"{API}/me/dependants", "auth": token} for token, _ in _families(ctx)]


def dependant_card(ctx: Context) -> list[dict]:
    return [{"path": f"{API}/me/dependants/{dep}/card", "auth": token}
            for token, ids in _families(ctx) for dep in ids]


SCENARIOS = [
    Scenario("dependants", "GET /me/dependants (2 children)", "wrk", path=f"{API}/me/dependants",
             entries=dependants),
    Scenario("dependant_card", "GET /me/dependants/{id}/card (signs a QR)", "wrk",
             path=f"{API}/me/dependants/x/card", entries=dependant_card),
]
