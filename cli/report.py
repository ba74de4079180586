"""`flask report campaign`: the campaign's standing by province (docs/campaign.md)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

import db

report_group = AppGroup("report", help="Operator reports.")


@report_group.command("campaign")
@click.option("--province", default=None, help="Only this 2-digit province code.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--recount", is_flag=True,
              help="First rebuild the kept totals from the insurance records and cards (repair), and say what was off.")
def campaign_command(province: str | None, fmt: str, recount: bool) -> None:
    """Participants, with a verified CCCD and with a linked app account (counts and percentages)."""
    from services import audit, campaign, campaign_report

    session = db.session()
    if recount:
        wrong = campaign.recount(session)
        audit.record(session, ("system", None), "campaign.recount", None,
                     {"provinces_corrected": sorted(wrong)})
        session.commit()
        click.echo(f"recount: {len(wrong)} province(s) corrected" + "".join(
            f"\n  {p}: kept {before} -> counted {after}" for p, (before, after) in wrong.items()), err=True)
    try:
        doc = campaign_report.report(session, province)
    except campaign_report.UnknownProvince as exc:
        raise click.BadParameter(f"unknown province code {exc}", param_hint="--province") from None
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(campaign_report.to_csv(doc), nl=False)
    else:
        click.echo(campaign_report.to_table(doc))


COMMANDS = [report_group]
