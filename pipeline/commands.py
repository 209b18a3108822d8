"""``agdref-anef worker``: run the Faust worker."""
from __future__ import annotations

import os

import click

from common.settings import get_settings


@click.command("worker")
@click.option("--loglevel", default="info", show_default=True)
def worker(loglevel: str) -> None:
    """Consume the legacy topics and write ANEF. Several workers share the partitions."""
    from common.kafka_admin import ensure_declared
    from pipeline.app import create_app
    from schemas.envelope import transaction_topic
    from schemas.topics import WORKER

    settings = get_settings()
    prefix = settings.kafka_topic_prefix
    # The broker does not create topics on demand: without this, the first dead letter would wait
    # forever for its topic, and the worker with it. The transaction topic too, as the connector
    # makes it (the worker subscribes to it before the connector may have started).
    declared = settings.topics()
    ensure_declared(settings.kafka_bootstrap_servers,
                    [t for t in declared if t.owner == WORKER or t.name == transaction_topic(prefix)])
    _check_topics(settings, declared)
    app = create_app(settings)
    import structlog

    from domain.version import mapping_version
    from pipeline import metrics

    # Which rules this worker applies: dossiers made by another version are named by the
    # reconciliation and rebuilt by `agdref-anef rebuild --outdated-mapping`.
    structlog.get_logger("pipeline").info("worker.starting", mapping_version=mapping_version())

    metrics.serve(settings.worker_metrics_port, settings.worker_metrics_host)
    from common.collector import tune_for_mapping

    tune_for_mapping()
    runner = _remembering_worker(app, loglevel=loglevel, redirect_stdouts=False, override_logging=False)
    try:
        runner.execute_from_commandline()
    except SystemExit:
        _start_again_if_kafka_went_away(runner.start_error)
        raise


def _check_topics(settings, declared) -> None:
    """Every topic the worker reads or writes as declared. A replication factor below the
    declaration cannot be fixed by the worker (it needs a reassignment): it refuses to start and
    says which; fewer partitions than declared (fewer workers can share them) and a legacy topic
    the connector has not created yet are logged."""
    import structlog

    from common.kafka_admin import differences_from_declared, until_kafka_answers

    problems = until_kafka_answers(lambda: differences_from_declared(settings.kafka_bootstrap_servers, declared),
                                   "checking the topics")
    log = structlog.get_logger("pipeline")
    blocking = [p for p in problems if "replication factor" in p]
    for problem in problems:
        log.warning("topics.differ_from_declaration", problem=problem)
    if blocking:
        raise click.ClickException("topics replicated otherwise than declared (KAFKA_REPLICATION_FACTOR): "
                                   + "; ".join(blocking))


RESTARTS_VARIABLE = "AGDREF_ANEF_WORKER_RESTARTS"
MAX_RESTARTS = 5


def _remembering_worker(app, **options):
    """Faust's worker, keeping the error its run ended with (Faust logs it and exits 1). Made here,
    not at import, so that the other commands do not import Faust."""
    import os

    from faust.worker import Worker

    class RememberingWorker(Worker):
        start_error: BaseException | None = None

        async def start(self) -> None:  # returns when the worker stops
            try:
                await super().start()
            except Exception as error:
                self.start_error = error
                raise

        async def on_startup_finished(self) -> None:
            os.environ[RESTARTS_VARIABLE] = "0"  # it started: later restarts count from zero
            await super().on_startup_finished()

    return RememberingWorker(app, **options)


def _start_again_if_kafka_went_away(error: BaseException | None) -> None:
    """Replace this process by a fresh worker (same pid: a supervisor or a test sees one process)
    when Faust stopped because the broker could not be reached, e.g. it went down between our topic
    check and Faust's own connection; the new one waits for the broker (``ensure_declared``). Without
    it the worker exits and stays down until a person restarts it. At most ``MAX_RESTARTS`` in a
    row, so a broker that is gone for good still ends in an exit code."""
    import multiprocessing
    import os
    import sys

    import structlog
    from aiokafka.errors import KafkaConnectionError, NodeNotReadyError

    restarts = int(os.environ.get(RESTARTS_VARIABLE, "0"))
    # NodeNotReadyError: a broker killed while Faust was still declaring its own topics
    # (tests/integration/test_three_brokers.py saw both workers exit at start that way).
    if not isinstance(error, KafkaConnectionError | NodeNotReadyError) or restarts >= MAX_RESTARTS:
        return
    structlog.get_logger("pipeline").warning("worker.restarting", reason=repr(error), restart=restarts + 1)
    for child in multiprocessing.active_children():  # the sink processes: the new image starts its own
        child.kill()
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ[RESTARTS_VARIABLE] = str(restarts + 1)
    os.execv(sys.executable, [sys.executable, "-m", "cli", *sys.argv[1:]])


def _filter(reason, table, since, numero):
    from datetime import datetime

    from pipeline.rejects import Filter

    return Filter(reason, table, datetime.fromisoformat(since) if since else None, numero)


_FILTERS = [
    click.option("--reason", default=None, help="A reason code (e.g. DATE_INEXISTANTE)."),
    click.option("--table", default=None, help="The legacy table of the first reason (e.g. titre)."),
    click.option("--since", default=None, help="Parked at or after this ISO time."),
]


def _with_filters(command):
    for option in reversed(_FILTERS):
        command = option(command)
    return command


@click.group("rejects")
def rejects() -> None:
    """Rejections: parked dossiers (remediation) and dead letters (technical)."""


@rejects.command("list")
@click.option("--kind", type=click.Choice(["remediation", "technical", "history"]), default="remediation",
              show_default=True, help="Parked dossiers, dead letters, or historical rows not carried for a defect.")
@_with_filters
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_command(kind: str, reason, table, since, limit: int, as_json: bool) -> None:
    """List rejections, with counts by reason (shows foreigner numbers: for engineers)."""
    from common.db import engine
    from pipeline import rejects as r
    from schemas.topics import dead_letter_topic

    settings = get_settings()
    if kind == "technical":
        letters = r.dead_letters(settings.kafka_bootstrap_servers, dead_letter_topic(settings.kafka_topic_prefix))
        letters = [x for x in letters if not reason or x[1] == reason]
        for origin, why, error, _, _ in letters[:limit]:
            click.echo(f"{origin.topic}[{origin.partition}]@{origin.offset}  {why}  {error[:120]}")
        click.echo(f"{len(letters)} dead letter(s)")
        return
    db = engine(settings.anef_database_url)
    f = _filter(reason, table, since, None)
    if kind == "history":
        rows = r.list_not_carried(db, f, limit)
        for row in rows:
            click.echo(f"{row['numero_etranger']}  not carried: defective history  {row['reason']:<22} "
                       f"{row['source_table']}[{row['source_key'].strip()}].{row['field']}: {row['detail']}")
        click.echo(f"{len(rows)} historical row(s) not carried" + (f" (first {limit})" if len(rows) == limit else ""))
        db.dispose()
        return
    rows = r.list_parked(db, f, limit)
    if as_json:
        click.echo(r.to_json(rows))
    else:
        for row in rows:
            click.echo(f"{row['numero_etranger']}  {row['reason']:<24} {row['source_table']:<18} {row['field']:<16} "
                       f"{row['parked_at']:%Y-%m-%d %H:%M:%S}")
        counts = r.count_parked(db, f)
        click.echo(f"{len(r.list_parked(db, f, 1_000_000))} parked dossier(s); by reason (a dossier counts under each "
                   "of its reasons): " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    db.dispose()


@rejects.command("show")
@click.argument("numero")
def show(numero: str) -> None:
    """Every reason a parked dossier gives, with table, key and field."""
    from common.db import engine
    from pipeline import rejects as r

    db = engine(get_settings().anef_database_url)
    rows = r.list_parked(db, r.Filter(numero=numero))
    db.dispose()
    if not rows:
        raise click.ClickException(f"{numero} is not parked")
    click.echo(r.describe(rows[0]))


@rejects.command("replay")
@click.option("--kind", type=click.Choice(["remediation", "technical"]), default="remediation", show_default=True)
@_with_filters
@click.option("--numero", default=None, help="One parked dossier.")
def replay(kind: str, reason, table, since, numero) -> None:
    """Rebuild parked dossiers (after a mapping fix or an AGDREF correction), or re-decide dead
    letters with the current code; what now passes reaches ANEF."""
    from common.db import engine
    from pipeline import rejects as r
    from schemas.topics import dead_letter_topic

    settings = get_settings()
    db = engine(settings.anef_database_url)
    try:
        if kind == "technical":
            failing, result = r.replay_dead_letters(db, settings.kafka_bootstrap_servers,
                                                    dead_letter_topic(settings.kafka_topic_prefix))
            click.echo(f"{result.applied} change(s) applied, {failing} still unusable")
            return
        before = len(r.list_parked(db, _filter(reason, table, since, numero), 1_000_000))
        result = r.replay_parked(db, _filter(reason, table, since, numero))
        click.echo(f"replayed {before} parked dossier(s): {result.migrated} migrated, {result.parked} still parked, "
                   f"{result.erased} erased")
    finally:
        db.dispose()


@click.command("rebuild")
@click.option("--outdated-mapping", is_flag=True, required=True,
              help="Every dossier an older mapping made (the reconciliation counts them).")
@click.option("--batch", type=click.IntRange(min=1), default=1000, show_default=True, help="Dossiers per transaction.")
def rebuild(outdated_mapping: bool, batch: int) -> None:
    """Rebuild dossiers from the assembly area with the running mapping, alongside the workers."""
    from common.db import engine
    from domain.version import mapping_version
    from pipeline.remap import rebuild_outdated

    db = engine(get_settings().anef_database_url)
    try:
        total = rebuild_outdated(db, batch, lambda t: click.echo(f"rebuilt {t.rebuilt:,}", err=True))
    finally:
        db.dispose()
    click.echo(f"rebuilt {total.rebuilt} dossier(s) with mapping {mapping_version()}: {total.migrated} migrated, "
               f"{total.parked} parked, {total.erased} erased, {total.held} held as conflicts")


@click.group("conflicts")
def conflicts() -> None:
    """Dossiers whose AGDREF change is held back because ANEF changed them since the migration
    wrote them, and a person's resolution of each."""


@conflicts.command("list")
def list_conflicts() -> None:
    """The held dossiers and the ANEF rows changed (shows foreigner numbers: for engineers)."""
    from sqlalchemy import select

    from common.db import engine
    from schemas.anef_tables import conflict

    db = engine(get_settings().anef_database_url)
    with db.connect() as conn:
        rows = conn.execute(select(conflict).order_by(conflict.c.detected_at)).mappings().all()
    db.dispose()
    for row in rows:
        click.echo(f"{row['numero_etranger']}  detected {row['detected_at']:%Y-%m-%d %H:%M:%S}  "
                   f"changed in ANEF: {', '.join(row['rows'])}")
    click.echo(f"{len(rows)} conflict(s) held")


@conflicts.command("resolve")
@click.argument("numero")
@click.option("--keep", type=click.Choice(["anef", "agdref"]), required=True,
              help="anef: ANEF's edit stays and becomes the baseline; agdref: AGDREF's state is written over it.")
@click.option("--reason", required=True, help="Why (kept in the audit).")
@click.option("--by", default=lambda: os.environ.get("USER", ""), help="Who decides (default: $USER).")
def resolve_conflict(numero: str, keep: str, reason: str, by: str) -> None:
    """Resolve a held conflict by keeping one side; later AGDREF changes flow again."""
    from common.db import opened
    from pipeline.resolution import ConflictNotFound, resolve

    try:
        with opened(get_settings().anef_database_url) as db:
            result = resolve(db, numero, keep, by, reason)
    except ConflictNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"conflict on {numero} resolved by {by}: kept {keep.upper()}"
               + (f" ({result.migrated} migrated, {result.parked} parked)" if keep == "agdref" else ""))
