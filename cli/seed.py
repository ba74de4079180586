"""`flask seed demo` and `flask seed synthetic --persons N`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

import db

seed_group = AppGroup("seed", help="Load demo or synthetic data.")


@seed_group.command("demo")
def demo_command() -> None:
    """The demo people of README.md: every linking outcome and every card state."""
    from services.seed_demo import DemoRefused, seed_demo

    try:
        summary = seed_demo(db.session())
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)


@seed_group.command("synthetic")
@click.option("--persons", type=click.IntRange(min=0), required=True, help="How many insured persons.")
@click.option("--seed", "rng_seed", type=int, default=42, show_default=True, help="Random seed (repeatable data).")
@click.option("--visits", type=click.IntRange(min=0), default=0, show_default=True,
              help="Then this many medical visits of the persons held (services/seed_visits.py).")
def synthetic_command(persons: int, rng_seed: int, visits: int) -> None:
    """N insured persons with registry rows and cards, bulk-loaded (COPY on PostgreSQL)."""
    from services.seed_synthetic import seed_synthetic
    from services.seed_visits import seed_visits

    if persons:
        click.echo(seed_synthetic(db.get().engine, persons=persons, seed=rng_seed))
    if visits:
        click.echo(seed_visits(db.get().engine, visits=visits, seed=rng_seed))


COMMANDS = [seed_group]
