"""Operators' view of the outbox and the task queue (docs/notifications.md):
`flask outbox status`, `flask outbox retry`, `flask outbox sweep`, `flask queue worker`,
`flask notifications expiry`, `flask notifications card-checks`."""
from __future__ import annotations

import json
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

import db
from services import notifications, outbox

outbox_group = AppGroup("outbox", help="Messages (SMS, push) waiting, sent, or given up (dead).")
queue_group = AppGroup("queue", help="The task queue's consumer.")
notifications_group = AppGroup("notifications", help="Notification jobs (also run by the queue's scheduler).")


@outbox_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of text.")
def status(as_json: bool) -> None:
    """Counts by state, the oldest waiting message, and the dead ones (masked recipients)."""
    doc = outbox.status(db.session())
    if as_json:
        click.echo(json.dumps(doc, ensure_ascii=False))
        return
    click.echo(" ".join(f"{k}={v}" for k, v in doc["counts"].items()))
    click.echo(f"oldest pending: {doc['oldest_pending_at'] or '-'}")
    for d in doc["dead"]:
        click.echo(f"dead {d['id']} {d['channel']} {d['recipient']} attempts={d['attempts']} "
                   f"created={d['created_at']} error={d['last_error']}")


@outbox_group.command("retry")
@click.argument("ids", nargs=-1)
@click.option("--all", "retry_all", is_flag=True, help="Every dead message.")
def retry(ids: tuple[str, ...], retry_all: bool) -> None:
    """Send dead messages again (named by id, or --all), from attempt one."""
    if not ids and not retry_all:
        raise click.UsageError("name the message ids to retry, or give --all")
    count = outbox.retry(db.session(), None if retry_all else ids)
    click.echo(f"{count} message(s) queued again")


@outbox_group.command("sweep")
def sweep() -> None:
    """Queue every due message now (the queue does this every minute) and take over dead workers' leases."""
    click.echo(f"{outbox.sweep(db.session())} message(s) queued")


@queue_group.command("worker")
def worker() -> None:
    """Run the queue consumer in the foreground (production: QUEUE_WORKER=external)."""
    from jobs.worker import run

    run(current_app)


@notifications_group.command("expiry")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this day (default: today).")
def expiry(today) -> None:
    """Notify holders whose card ends within 30 days (daily cron; once per card and end date)."""
    day: date | None = today.date() if today else None
    click.echo(f"{notifications.expiry_notices(db.session(), day)} notification(s)")


@notifications_group.command("card-checks")
def card_checks() -> None:
    """Turn card checks since the last run into notifications (the queue does this every minute)."""
    click.echo(f"{notifications.derive_card_checks(db.session())} notification(s)")


COMMANDS = [outbox_group, queue_group, notifications_group]
