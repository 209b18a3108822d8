"""``agdref-anef demo``: the whole chain on local defaults, from nothing to ANEF filled.

Starts the infrastructure, resets both databases, the slot, the topics and the worker's group,
runs the connector and the worker in the background, seeds a population, waits until every legacy
person is in ANEF or parked, then checks ANEF against the mapping applied to AGDREF directly.
It leaves everything running for exploration; ``agdref-anef demo stop`` (``make down``) stops it.
"""
from __future__ import annotations

import time

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from cli import demo_way_back
from cli.processes import Background
from common.db import engine
from common.retry import retrying
from common.settings import get_settings
from infra import kafka, postgres
from infra.profile import CACHE, profile
from schemas.anef_tables import legacy_row, pending

DEMO_DIR = CACHE / "demo"
CONNECTOR = Background("connector", DEMO_DIR)
WORKER = Background("worker", DEMO_DIR)
WEB = Background("web", DEMO_DIR)
REPORT = DEMO_DIR / "report"  # the nightly report of the demo's reconciliation


@click.group("demo", invoke_without_command=True)
@click.option("--persons", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--timeout", type=float, default=600, show_default=True, help="Seconds to wait for ANEF to fill.")
@click.pass_context
def demo(ctx: click.Context, persons: int, seed: int, timeout: float) -> None:
    """Run the whole chain on local defaults and show ANEF filling."""
    if ctx.invoked_subcommand is None:
        _run(persons, seed, timeout)


@demo.command("stop")
def stop() -> None:
    """Stop the demo's web application, connector and worker, then Kafka and PostgreSQL."""
    for process in (WEB, WORKER, CONNECTOR):
        process.stop()
    demo_way_back.stop()
    p = profile("demo")
    kafka.stop(p)
    postgres.stop(p)
    click.echo("demo stopped: web application, connector, worker, Kafka and PostgreSQL")


def _run(persons: int, seed: int, timeout: float) -> None:
    from common.kafka_admin import ensure_declared
    from connectors import source
    from infra.database import init_all, reset_all
    from reconciliation import report, store
    from reconciliation.commands import counts_table
    from reconciliation.dossiers import compare_dossiers
    from reconciliation.engine import Options, Reconciler
    from reconciliation.inflight import PipelinePosition
    from schemas import topics
    from synthetic.seed import seed_population

    console = Console(width=max(Console().width, 130))
    settings = get_settings()
    p = profile("demo")
    console.print("[bold]1. infrastructure[/]")
    console.print("  " + postgres.start(p).describe())
    console.print("  " + kafka.start(p).describe())

    console.print("[bold]2. clean slate[/]: both databases, the slot, the topics and the worker's group")
    for process in (WEB, WORKER, CONNECTOR):
        process.stop()
    init_all(settings.agdref_database_url, settings.anef_database_url)  # creates the databases on first use
    agdref_db = engine(settings.agdref_database_url)
    anef_db = engine(settings.anef_database_url)
    source.drop(agdref_db, settings.publication, settings.replication_slot)
    demo_way_back.reset(settings, anef_db)
    reset_all(settings.agdref_database_url, settings.anef_database_url)
    init_all(settings.agdref_database_url, settings.anef_database_url)
    _delete_topics_and_group(settings.kafka_bootstrap_servers, settings.worker_id, settings.kafka_topic_prefix)
    _delete_topics_and_group(settings.kafka_bootstrap_servers, f"{settings.worker_id}-way-back",
                             settings.kafka_topic_prefix)
    ensure_declared(settings.kafka_bootstrap_servers, topics.owned_by(settings.topics(), topics.CONNECTOR))

    console.print("[bold]3. connector and worker[/] (background, logs in .cache/demo/)")
    CONNECTOR.start("connector", "run")
    _wait(lambda: source.slot_state(agdref_db, settings.replication_slot).ready, 60, "the connector's slot")
    WORKER.start("worker")
    console.print(f"  connector pid {CONNECTOR.pid}, worker pid {WORKER.pid}")

    console.print(f"[bold]4. seeding {persons} persons[/] (seed {seed}) and their dossiers into AGDREF")
    written = seed_population(agdref_db, persons, seed)
    total = sum(written.values())
    console.print("  " + ", ".join(f"{table} {n}" for table, n in written.items()))

    console.print("[bold]5. ANEF filling[/]: legacy rows received by the worker, each dossier written as it completes")
    started = time.monotonic()
    with Progress(TextColumn("  legacy rows applied"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("fill", total=total)
        while True:
            done = _count(anef_db, legacy_row)
            bar.update(task, completed=done)
            if done >= total and _count(anef_db, pending) == 0:  # every row kept, every dossier rebuilt
                break
            for process in (CONNECTOR, WORKER):
                if process.pid is None:
                    raise click.ClickException(f"the {process.name} stopped; see {process.log_file}")
            if time.monotonic() - started > timeout:
                raise click.ClickException(f"{done}/{total} rows applied after {timeout:.0f}s; see .cache/demo/*.log")
            time.sleep(0.5)
    elapsed = time.monotonic() - started

    console.print("[bold]6. ANEF against the mapping applied to AGDREF directly[/]")
    comparison = compare_dossiers(agdref_db, anef_db)
    console.print(counts_table(comparison))
    console.print(f"  dossiers {comparison.dossiers}: identical in ANEF {comparison.identical}, "
                  f"parked {len(comparison.parked_found)}, missing {len(comparison.missing)}, "
                  f"unexpected {len(comparison.unexpected)}, different {len(comparison.mismatched)}")
    console.print(f"  {persons} persons ({total} legacy rows) through the chain in {elapsed:.1f}s")
    if not comparison.consistent:
        raise click.ClickException("ANEF differs from the mapping of AGDREF (see the table above)")
    console.print("[green]ANEF holds every seeded dossier with the values the rules give; "
                  "every other one is parked with its reason.[/]")

    console.print("[bold]7. the way back[/]: a decision taken in ANEF reaches AGDREF in the legacy's form")
    demo_way_back.show(console, settings, agdref_db, anef_db)

    console.print("[bold]8. the nightly reconciliation[/] (fingerprints in both databases, then the suspects)")
    summary = Reconciler(agdref_db, anef_db, PipelinePosition(settings, agdref_db, anef_db),
                         lambda what: console.print(f"  {what}")).run(Options(max_wait_seconds=60))
    with anef_db.connect() as conn:
        runs, rows = store.runs(conn), store.open_divergences(conn)
    facts = report.write(REPORT, runs, rows, settings.pii_pseudonym_key)
    console.print(f"  run {summary.run_id}: {summary.suspects} suspects, {len(summary.divergences)} divergences "
                  f"({facts['by_kind']}), {summary.critical} critical; report: {REPORT / 'report.html'}")
    console.print(f"  rights ledger (AGDREF read without the mapping): {summary.rights.documents:,} rights-carrying "
                  f"rows, {summary.rights.at_risk():,} persons with a right at risk")

    console.print("[bold]9. go/no-go[/], evaluated at the end of the nightly run, and the evidence chain")
    from evidence import store as evidence
    from operations.gonogo_commands import evaluate_and_show

    evaluate_and_show(settings, agdref_db, anef_db, None, None, "nightly reconciliation (demo)", summary.rights)
    with anef_db.connect() as conn:
        chain = evidence.verify(conn)
    if not chain.ok:
        raise click.ClickException(f"the evidence chain does not verify: {chain.broken or chain.unrecorded[:3]}")
    console.print(f"  evidence chain verified: {chain.records} records (runs, criteria, verdicts), head {chain.head[:16]}…"
                  " (`agdref-anef evidence verify`, `agdref-anef evidence export --out DIR`)")

    console.print("[bold]10. the web application[/] (streams, reconciliation, go/no-go)")
    login = _start_web(anef_db, settings)
    agdref_db.dispose()
    anef_db.dispose()
    console.print("Still running: PostgreSQL, Kafka, connector, worker, web application (try `agdref-anef status`,"
                  " `agdref-anef infra status`). Stop everything with [bold]make down[/].")
    console.print(f"[bold green]Dashboard: http://{settings.web_host}:{settings.web_port}/  login: {login}[/]")


def _start_web(anef_db, settings) -> str:
    """Start the web application with a session secret and an admin password made for this demo
    (neither is stored anywhere); returns the login to print."""
    import secrets
    import urllib.request

    from operations.web.auth import add_user

    password = secrets.token_urlsafe(12)
    with anef_db.begin() as conn:
        add_user(conn, "demo-admin", password, "admin")
    WEB.start("web", env={"WEB_SESSION_SECRET": secrets.token_urlsafe(40)})
    url = f"http://{settings.web_host}:{settings.web_port}/login"

    def answers() -> bool:
        try:
            return urllib.request.urlopen(url, timeout=2).status == 200
        except OSError:
            return False

    _wait(answers, 30, "the web application")
    return f"demo-admin / {password}"


def _count(db, table) -> int:
    with db.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise click.ClickException(f"timed out waiting for {what}")


class _GroupStillThere(Exception):
    """The broker has not deleted the group (or still lists offsets for it)."""


def _delete_group(admin, group: str) -> None:
    """Delete the worker's group and its committed offsets, or fail. A broker just started loads
    its groups in the background: until then the group is not listed and a deletion answers
    "coordinator loading" (a broker with new data answers "coordinator not available" until it has
    created its offsets topic: the first demo on a fresh machine); a group left behind would make
    the new worker start from the old run's offsets, on the new topics, and skip as many of their
    first events (seen: a demo that never filled ANEF)."""
    from kafka.errors import RetriableError

    def attempt() -> None:
        outcome = admin.delete_groups([group]).get(group)
        if outcome not in ("OK", "GroupIdNotFoundError") or admin.list_group_offsets({group: None}).get(group):
            raise _GroupStillThere(outcome)

    retrying(attempt, (_GroupStillThere, RetriableError), wait_seconds=60, first=0.5, longest=0.5,
             give_up=lambda exc: click.ClickException(f"cannot delete the consumer group {group}: {exc!r}"))


def _delete_topics_and_group(bootstrap: str, group: str, prefix: str) -> None:
    from kafka.admin import KafkaAdminClient

    from common.kafka_admin import delete_topics

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        delete_topics(admin, (prefix + ".", group + "-"))
        _delete_group(admin, group)
    finally:
        admin.close()
    # Topic deletion is asynchronous; recreating a topic too early fails with "marked for deletion".
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        check = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            if not any(t.startswith(prefix + ".") for t in check.list_topics()):
                return
        finally:
            check.close()
        time.sleep(0.3)
