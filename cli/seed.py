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
@click.option("--persons", type=click.IntRange(min=1), required=True, help="How many insured persons.")
@click.option("--seed", "rng_seed", type=int, default=42, show_default=True, help="Random seed (repeatable data).")
def synthetic_command(persons: int, rng_seed: int) -> None:
    """N insured persons with registry rows and cards, bulk-loaded (COPY on PostgreSQL)."""
    from services.seed_synthetic import seed_synthetic

    summary = seed_synthetic(db.get().engine, persons=persons, seed=rng_seed)
    click.echo(summary)


COMMANDS = [seed_group]
