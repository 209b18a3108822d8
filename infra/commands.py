"""``agdref-anef infra ...`` and ``agdref-anef db ...``: local services and schema management."""
from __future__ import annotations

import shlex

import click

from common.settings import get_settings
from infra import kafka, postgres
from infra.profile import profile as load_profile

PROFILE_OPTION = click.option(
    "--profile", "profile_name", type=click.Choice(["demo", "test"]), default="demo", show_default=True,
    envvar="AGDREF_ANEF_PROFILE", help="Which local set of folders and ports.",
)


@click.group("infra")
def infra() -> None:
    """Start, stop and inspect the local Kafka broker and PostgreSQL cluster."""


@infra.command("up")
@PROFILE_OPTION
def up(profile_name: str) -> None:
    """Install what is missing, start PostgreSQL and Kafka, and wait until both answer."""
    p = load_profile(profile_name)
    click.echo(postgres.start(p).describe())
    click.echo(kafka.start(p).describe())


@infra.command("down")
@PROFILE_OPTION
def down(profile_name: str) -> None:
    """Stop Kafka, then PostgreSQL (their data stays; `up` starts them again as they were)."""
    p = load_profile(profile_name)
    kafka.stop(p)
    postgres.stop(p)
    click.echo(f"stopped ({profile_name})")


@infra.command("status")
@PROFILE_OPTION
def status(profile_name: str) -> None:
    """What runs, where, since when."""
    p = load_profile(profile_name)
    for state in (postgres.status(p), kafka.status(p)):
        click.echo(state.describe())


@infra.command("env")
@PROFILE_OPTION
def env(profile_name: str) -> None:
    """Print the settings that reach this profile, as shell exports (eval "$(agdref-anef infra env)")."""
    for name, value in load_profile(profile_name).environment().items():
        click.echo(f"export {name}={shlex.quote(value)}")


@click.group("db")
def db() -> None:
    """Schema management of both databases."""


@db.command("init")
def init() -> None:
    """Create the databases, schemas and tables that are missing, and load the referentials."""
    from infra.database import init_all

    settings = get_settings()
    init_all(settings.agdref_database_url, settings.anef_database_url)
    click.echo("agdref and anef schemas are in place")


@db.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask.")
def reset(yes: bool) -> None:
    """Drop and re-create every table of both databases. Local servers only."""
    from sqlalchemy.engine import make_url

    from infra.database import init_all, reset_all

    settings = get_settings()
    for url in (settings.agdref_database_url, settings.anef_database_url):
        if make_url(url).host not in ("127.0.0.1", "localhost"):
            raise click.ClickException(f"refusing to reset a database that is not local: {make_url(url).host}")
    if not yes:
        click.confirm("Drop every AGDREF and ANEF table?", abort=True)
    reset_all(settings.agdref_database_url, settings.anef_database_url)
    init_all(settings.agdref_database_url, settings.anef_database_url)
    click.echo("both databases are empty")
