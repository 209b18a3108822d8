"""``agdref-anef evidence verify|export``."""
from __future__ import annotations

from pathlib import Path

import click

from common.db import opened
from common.settings import get_settings


@click.group("evidence")
def evidence() -> None:
    """The evidence chain: runs, decisions, criteria versions and verdicts, hash-linked."""


@evidence.command("verify")
def verify() -> None:
    """Recompute the chain and compare every record with its row; exits 1 at the first record
    that does not hold (named), or when a recorded row is missing from the chain."""
    from evidence import store

    with opened(get_settings().anef_database_url) as anef, anef.connect() as conn:
        found = store.verify(conn)
    if found.broken:
        click.echo(f"evidence chain BROKEN at {found.broken}")
    for row in found.unrecorded[:20]:
        click.echo(f"not in the chain: {row}")
    if found.ok:
        click.echo(f"evidence chain verified: {found.records} records, head {found.head}")
    raise SystemExit(0 if found.ok else 1)


@evidence.command("export")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write the chain in.")
def export(out: str) -> None:
    """Write the chain, its hashes and a manifest (signed with EVIDENCE_SIGNING_KEY, an Ed25519
    PEM key, when set) for a third party to verify (docs/evidence.md)."""
    from evidence import store
    from evidence.exceptions import SigningKeyError

    try:
        with opened(get_settings().anef_database_url) as anef, anef.connect() as conn:
            manifest = store.export(conn, Path(out), store.signing_key_from_environment())
    except SigningKeyError as exc:
        raise click.ClickException(str(exc)) from None
    signed = (Path(out) / "manifest.sig").exists()
    click.echo(f"{manifest['records']} records, head {manifest['head']}, written to {out}"
               + (" (signed)" if signed else " (not signed: EVIDENCE_SIGNING_KEY is not set)"))
