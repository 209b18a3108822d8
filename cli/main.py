"""``agdref-anef``: the console command."""
from __future__ import annotations

import click

from cli.demo import demo
from cli.schema_export import schemas
from common.log import configure_logging
from common.settings import get_settings
from connectors.commands import connector
from evidence.commands import evidence
from infra.commands import db, deploy, infra
from operations.commands import exporter, status, web
from operations.gonogo_commands import gonogo
from pipeline.commands import conflicts, rebuild, rejects, worker
from pipeline.decision_commands import decisions
from pipeline.way_back_commands import way_back
from reconciliation.commands import divergences, reconcile, report
from reconciliation.rollback_commands import rollback_check
from rights.commands import rights
from synthetic.commands import seed, simulate


@click.group()
@click.version_option(package_name="agdref-anef")
def cli() -> None:
    """Migration of residence dossiers from AGDREF to ANEF."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level, settings.pii_pseudonym_key)


for command in (infra, db, seed, simulate, connector, worker, rejects, rebuild, conflicts, demo, reconcile, divergences,
                report, status, exporter, web, schemas, rights, gonogo, evidence, decisions, deploy, way_back,
                rollback_check):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="agdref-anef")
