"""``agdref-anef status``: where the migration stands, in one look.

Gathered from where each fact lives (no state of its own): the connector's slot and snapshot
progress in AGDREF, topic end offsets and the workers' committed offsets in Kafka, the worker's
metrics page (throughput, freshness, dead letters), the parking, conflicts, waiting rebuilds and
the last reconciliation in ANEF's database. A source that does not answer is reported as such,
never as zero. No personal data: counts, positions and reasons only.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from common import prometheus_text as prom
from common.kafka_admin import committed_offsets, end_offsets
from common.settings import Settings
from schemas.agdref_tables import CAPTURED_TABLES
from schemas.envelope import topic_name, transaction_topic


@dataclass
class Status:
    taken_at: float
    connector: dict[str, Any] = field(default_factory=dict)
    partitions: list[dict[str, Any]] = field(default_factory=list)   # topic, partition, end, committed, lag
    worker: dict[str, Any] = field(default_factory=dict)             # metrics page: totals and quantiles
    throughput: dict[str, float | None] = field(default_factory=dict)
    anef: dict[str, Any] = field(default_factory=dict)               # parked by reason, conflicts, waiting
    reconciliation: dict[str, Any] = field(default_factory=dict)
    way_back: dict[str, Any] = field(default_factory=dict)           # ANEF → AGDREF (issue 18)
    problems: list[str] = field(default_factory=list)

    @property
    def lag(self) -> int:
        return sum(p["lag"] for p in self.partitions)

    def as_json(self) -> dict:
        return {**asdict(self), "lag": self.lag}


def _connector(agdref: Engine, settings: Settings) -> dict:
    from connectors import source
    from connectors.snapshot import CONTROL_SCHEMA

    slot = source.slot_state(agdref, settings.replication_slot)
    state = None
    with agdref.connect() as conn:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": f"{CONTROL_SCHEMA}.connector_state"}).scalar():
            state = conn.execute(text(
                "SELECT extract(epoch FROM now() - acknowledged_at), events, extract(epoch FROM now() - last_commit_at)"
                f" FROM {CONTROL_SCHEMA}.connector_state WHERE slot = :s"), {"s": settings.replication_slot}).first()
    snapshots = source.snapshot_progress(agdref) if slot.exists else []
    return {
        "slot": slot.name, "slot_exists": slot.exists, "slot_active": slot.active,
        "slot_lag_bytes": slot.lag_bytes, "slot_lag_seconds": slot.lag_seconds,
        "last_acknowledged_age_seconds": round(float(state[0]), 1) if state and state[0] is not None else None,
        "events_published": int(state[1]) if state and state[1] is not None else None,
        # the legacy commit of the last change it published
        "last_event_age_seconds": round(float(state[2]), 1) if state and state[2] is not None else None,
        "snapshots": [{"table": p.table, "rows_read": p.rows_read, "estimate": p.estimate, "done": p.done}
                      for p in snapshots],
    }


def _way_back(agdref: Engine, anef: Engine, settings: Settings) -> dict:
    """The way back: its capture's slot on ANEF, its worker's lag, what it wrote, held and lost."""
    from connectors import source
    from schemas.topics import WAY_BACK_TABLES

    slot = source.slot_state(anef, settings.way_back_slot)
    if not slot.exists:
        return {"slot_exists": False}
    with anef.connect() as conn:
        captured = conn.execute(text("SELECT extract(epoch FROM now() - last_commit_at) FROM migration.capture_state"
                                     " WHERE slot = :s"), {"s": settings.way_back_slot}).scalar()
    with agdref.connect() as conn:
        written, last = conn.execute(text("SELECT count(*), extract(epoch FROM now() - max(written_at))"
                                          " FROM agdref_anef.way_back_row")).one()
        held = dict(conn.execute(text("SELECT reason, count(*) FROM agdref_anef.way_back_hold GROUP BY 1")).all())
        losses = conn.execute(text("SELECT count(*) FROM agdref_anef.way_back_loss")).scalar_one()
    topics = [topic_name(settings.kafka_topic_prefix, t, "anef") for t in WAY_BACK_TABLES]
    ends = end_offsets(settings.kafka_bootstrap_servers, topics)
    committed = committed_offsets(settings.kafka_bootstrap_servers, f"{settings.worker_id}-way-back")
    return {
        **_way_back_worker(settings),
        "slot_exists": True, "slot": slot.name, "slot_active": slot.active, "slot_lag_bytes": slot.lag_bytes,
        "last_event_age_seconds": None if captured is None else round(float(captured), 1),
        "lag": sum(max(0, end - (committed.get(tp) or 0)) for tp, end in ends.items()),
        "rows_written": int(written), "last_written_age_seconds": None if last is None else round(float(last), 1),
        "held_by_reason": held, "losses": int(losses),
    }


def _way_back_worker(settings: Settings) -> dict:
    """The way-back worker's freshness (AGDREF commit minus ANEF commit), from its /metrics on this
    host (``WAY_BACK_METRICS_PORT``); None when nothing answers there."""
    page = prom.scrape(f"http://127.0.0.1:{settings.way_back_metrics_port}/metrics", timeout=1.0) \
        if settings.way_back_metrics_port else ""
    freshness = prom.histogram(page, "agdref_anef_way_back_freshness_seconds") if page else {}
    return {"worker_reachable": bool(page),
            "freshness_p50_seconds": prom.percentile(freshness, 0.5) if freshness else None,
            "freshness_p99_seconds": prom.percentile(freshness, 0.99) if freshness else None}


def _partitions(settings: Settings) -> list[dict]:
    prefix = settings.kafka_topic_prefix
    topics = [topic_name(prefix, t) for t in CAPTURED_TABLES] + [transaction_topic(prefix)]
    ends = end_offsets(settings.kafka_bootstrap_servers, topics)
    committed = committed_offsets(settings.kafka_bootstrap_servers, settings.worker_id)
    return [{"topic": tp.topic, "partition": tp.partition, "end": end, "committed": committed.get(tp),
             "lag": max(0, end - (committed.get(tp) or 0))} for tp, end in sorted(ends.items())]


def _worker(url: str) -> tuple[dict, str]:
    page = prom.scrape(url)
    if not page:
        return {"reachable": False, "url": url}, page
    freshness = prom.histogram(page, "agdref_anef_freshness_seconds")
    return {
        "reachable": True, "url": url,
        "events_in": prom.total(page, "agdref_anef_events_in_total"),
        "dead_letters": {labels["reason"]: v for labels, v in prom.samples(page, "agdref_anef_dead_letters_total")},
        "dossiers": {labels["outcome"]: v for labels, v in prom.samples(page, "agdref_anef_dossiers_total")},
        "freshness_buckets": {str(bound): count for bound, count in sorted(freshness.items())},
        "freshness_p50_seconds": prom.percentile(freshness, 0.5),
        "freshness_p99_seconds": prom.percentile(freshness, 0.99),
        "dossiers_waiting": prom.total(page, "agdref_anef_dossiers_waiting"),
    }, page


def _anef(anef: Engine) -> tuple[dict, dict]:
    with anef.connect() as conn:
        parked = dict(conn.execute(text("SELECT reason, count(*) FROM migration.parked GROUP BY 1 ORDER BY 2 DESC")).all())
        figures = {
            "parked_by_reason": parked,
            "conflicts": conn.execute(text("SELECT count(*) FROM migration.conflict")).scalar_one(),
            "dossiers_waiting": conn.execute(text("SELECT count(*) FROM migration.pending")).scalar_one(),
            "persons_migrated": conn.execute(text("SELECT count(*) FROM anef.usager WHERE origine = 'AGDREF'")).scalar_one(),
            # the latest initial load: its ranges written of all, and the persons they carried
            "initial_load": dict(conn.execute(text(
                "SELECT load_id, count(*) AS written, max(ranges) AS ranges, sum(persons) AS persons,"
                " sum(mapped) AS mapped FROM migration.load_range GROUP BY load_id"
                " ORDER BY max(loaded_at) DESC LIMIT 1")).mappings().first() or {}),
        }
        run = conn.execute(text(
            "SELECT id, finished_at, persons, suspects, unconfirmed, seconds, counts FROM reconciliation.run"
            " WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")).mappings().first()
    last = {} if run is None else {**{k: v for k, v in run.items() if k != "finished_at"},
                                   "finished_at": run["finished_at"].isoformat(),
                                   "critical": sum(n for k, n in run["counts"].items() if k.endswith("/critical"))}
    return figures, last


# A look answers within this many seconds whatever is down: Prometheus gives up a scrape at 10 s
# (every series would vanish exactly when they matter) and an engineer's `status` must not hang.
# Sources are read side by side; one that has not answered in time is reported, not waited for.
LOOK_SECONDS = 2.5


def _bounded(sources: dict[str, Callable[[], Any]], seconds: float) -> tuple[dict[str, Any], list[str]]:
    """Runs every source in a daemon thread of its own; returns what answered within ``seconds``
    and a problem for each source that failed or did not answer (its thread is left to finish or
    time out on its own: a daemon never holds the process at exit)."""
    answers: dict[str, Any] = {}
    failures: dict[str, str] = {}

    def run(name: str, read: Callable[[], Any]) -> None:
        try:
            answers[name] = read()
        except Exception as exc:  # noqa: BLE001 - a status reports what it cannot reach
            failures[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"

    threads = {name: threading.Thread(target=run, args=(name, read), name=f"status-{name}", daemon=True)
               for name, read in sources.items()}
    for thread in threads.values():
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    found = {name: answers[name] for name in sources if name in answers and not threads[name].is_alive()}
    problems = [f"{name}: {failures[name]}" if name in failures else f"{name}: no answer within {seconds:g} s"
                for name in sources if name not in found]
    return found, problems


def gather(settings: Settings, agdref: Engine, anef: Engine, metrics_url: str | None,
           previous: Status | None = None, seconds: float = LOOK_SECONDS) -> Status:
    """One look at everything, within ``seconds`` whatever is down. With ``previous`` (the last
    look of ``--watch``), throughput is the rate between the two. A source that fails or does not
    answer in time is listed in ``problems`` and its facts stay empty (never zero)."""
    now = Status(time.time())
    sources: dict[str, Callable[[], Any]] = {"connector": lambda: _connector(agdref, settings),
                                             "kafka": lambda: _partitions(settings), "anef": lambda: _anef(anef),
                                             "way back": lambda: _way_back(agdref, anef, settings)}
    if metrics_url:
        sources["worker metrics"] = lambda: _worker(metrics_url)[0]
    found, now.problems = _bounded(sources, seconds)
    now.connector = found.get("connector", {})
    now.partitions = found.get("kafka", [])
    now.anef, now.reconciliation = found.get("anef", ({}, {}))
    now.way_back = found.get("way back", {})
    if len(now.problems) > 1:  # the way back reads ANEF, AGDREF and Kafka: name the source that is down, once
        now.problems = [p for p in now.problems if not p.startswith("way back: ")]
    if metrics_url:
        now.worker = found.get("worker metrics", {"reachable": False, "url": metrics_url})
        if "worker metrics" in found and not now.worker["reachable"]:
            now.problems.append(f"worker metrics: nothing answers at {metrics_url}")
    if previous is not None:
        seconds_between = max(1e-6, now.taken_at - previous.taken_at)
        committed = sum(p["committed"] or 0 for p in now.partitions)
        before = sum(p["committed"] or 0 for p in previous.partitions)
        now.throughput = {"events_per_second": round((committed - before) / seconds_between, 1)}
    return now
