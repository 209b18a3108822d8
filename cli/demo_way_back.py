"""The demo's way back (issue 18): a decision taken in ANEF reaches AGDREF in the legacy's form."""
from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import click
from rich.console import Console
from sqlalchemy import Engine, insert, select, text, update

from cli.processes import Background
from common.settings import Settings
from infra.profile import CACHE

CAPTURE = Background("way-back", CACHE / "demo")
WRITER = Background("way-back-worker", CACHE / "demo")
NUMBER = "9900000001"  # outside the generator's numbers: an online applicant new to both systems


def stop() -> None:
    for process in (WRITER, CAPTURE):
        process.stop()


def reset(settings: Settings, anef_db: Engine) -> None:
    """The way back's slot and publication go before ANEF's database is reset (a database holding
    a replication slot cannot be dropped)."""
    from connectors import way_back_source

    stop()
    way_back_source.drop(anef_db, settings.way_back_publication, settings.way_back_slot)


def show(console: Console, settings: Settings, agdref_db: Engine, anef_db: Engine) -> None:
    from connectors import source
    from reconciliation.rollback_check import check
    from schemas import agdref_tables as legacy
    from schemas.anef_tables import demande, titre, usager

    CAPTURE.start("connector", "way-back")
    _wait(lambda: source.slot_state(anef_db, settings.way_back_slot).ready, 60, "the way back's slot")
    WRITER.start("way-back", "worker")
    console.print(f"  way-back capture pid {CAPTURE.pid}, way-back worker pid {WRITER.pid}")
    now = datetime.now(UTC)
    with anef_db.begin() as conn:  # filed online: a person new to both systems and the application
        conn.execute(insert(usager).values(
            numero_etranger=NUMBER, nom_naissance="EXEMPLE", prenoms=["DEMO"], sexe="F", precision_naissance="INCONNUE",
            nationalite="SEN", prefecture="75", numeros_alias=[], statut="ACTIF", origine="ANEF", maj_le=now))
        conn.execute(insert(demande).values(
            numero_demande="WEB000000001", numero_etranger=NUMBER, nature="PREMIERE", categorie_demandee="CARTE_TEMPORAIRE",
            date_depot=date.today(), statut="EN_INSTRUCTION", prefecture="75", origine="ANEF", maj_le=now))
    with anef_db.begin() as conn:  # decided in ANEF: granted, the permit produced
        conn.execute(update(demande).where(demande.c.numero_demande == "WEB000000001")
                     .values(statut="ACCORDEE", date_decision=date.today(), maj_le=datetime.now(UTC)))
        conn.execute(insert(titre).values(
            numero_titre="WEB0000001", numero_etranger=NUMBER, numero_demande="WEB000000001",
            categorie="CARTE_TEMPORAIRE", date_debut=date.today(), date_fin=date.today() + timedelta(days=364),
            statut="DISPONIBLE", autorisation_travail=True,
            numero_duplicata=0, prefecture="75", origine="ANEF", maj_le=datetime.now(UTC)))
    decided = time.monotonic()

    def in_agdref() -> dict | None:
        with agdref_db.connect() as conn:
            row = conn.execute(select(legacy.titre).where(legacy.titre.c.num_titre == "WEB0000001")).mappings().first()
        return dict(row) if row else None

    _wait(lambda: in_agdref() is not None, 120, "the decision in AGDREF")
    permit = in_agdref() or {}
    with agdref_db.connect() as conn:
        application = conn.execute(text("SELECT decision, code_mouvement, date_decision FROM agdref.demande"
                                        " WHERE num_demande = 'WEB000000001'")).one()
    console.print(f"  in AGDREF {time.monotonic() - decided:.1f}s after ANEF's decision: titre "
                  f"{permit['num_titre']} type {permit['type_titre']} valid {permit['date_debut_val']}–"
                  f"{permit['date_fin_val']} work {permit['autor_travail']} prefecture {permit['lieu_delivrance']};"
                  f" demande decision {application.decision} ({application.code_mouvement}, {application.date_decision})")
    rollback = check(agdref_db, anef_db, "75")
    held = sum(rollback.held_in_agdref.values())
    console.print(f"  rollback-check --scope 75: {held}/{sum(rollback.decided_in_anef.values())} rows ANEF created are "
                  f"in AGDREF as ANEF says: " + ("[green]rollback possible[/]" if rollback.passed else
                                                 f"[red]{len(rollback.differences)} difference(s)[/]"))
    if not rollback.passed:
        raise click.ClickException("the way back left AGDREF without what ANEF decided")


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise click.ClickException(f"timed out waiting for {what}; see .cache/demo/*.log")
        time.sleep(0.3)
