"""Every metric the worker exports, declared in one place (Prometheus, on ``WORKER_METRICS_PORT``).

No label carries personal data: topics, reasons and outcomes only.
"""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

EVENTS_IN = Counter("agdref_anef_events_in_total", "Legacy change events read, per topic.", ["topic"])
DEAD_LETTERS = Counter("agdref_anef_dead_letters_total", "Technical rejections sent to the dead-letter topic.",
                       ["reason"])
DOSSIERS = Counter("agdref_anef_dossiers_total", "Dossiers rebuilt, per outcome.", ["outcome"])
REPLAYS = Counter("agdref_anef_replayed_changes_total", "Changes ignored as not newer than the kept state.")
BATCH_SIZE = Histogram("agdref_anef_sink_batch_changes", "Legacy changes per recording transaction.",
                       buckets=(1, 10, 50, 100, 500, 1000, 2000, 5000))
BATCH_SECONDS = Histogram("agdref_anef_sink_batch_seconds", "Duration of one sink transaction, per step "
                          "(record: includes rebuilding the live dossiers the batch made ready).",
                          ["step"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10))
REBUILD_SIZE = Histogram("agdref_anef_rebuild_batch_dossiers", "Dossiers per rebuild transaction.",
                         buckets=(1, 10, 50, 100, 500, 1000, 2000))
FRESHNESS = Histogram("agdref_anef_freshness_seconds", "ANEF commit time minus the legacy commit time.",
                      buckets=(0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2, 5, 10, 30,
                               60, 300, 3600))
DOSSIERS_WAITING = Gauge("agdref_anef_dossiers_waiting", "Dossiers recorded as changed and not rebuilt yet.")
ARRIVAL = Histogram("agdref_anef_arrival_seconds", "Legacy commit to the change recorded by the worker "
                    "(connector, Kafka and the worker's batching: freshness before the rebuild).",
                    buckets=(0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2, 5, 10, 30,
                             60, 300, 3600))
LOAD_RANGES = Counter("agdref_anef_load_ranges_total", "Initial-load key ranges handled, per outcome "
                      "(written; already: written before, handed out again).", ["outcome"])
LOAD_PERSONS = Counter("agdref_anef_load_persons_total", "Persons read by the initial load, per path "
                       "(mapped: written from memory; deferred: left to the rebuild).", ["path"])
# The way back (issue 18), served by `agdref-anef way-back worker` on ``WAY_BACK_METRICS_PORT``.
WAY_BACK_ROWS = Counter("agdref_anef_way_back_rows_total", "The way back's work: legacy rows written or deleted in "
                        "AGDREF, ANEF rows held (conflict, not representable), fields carried with a loss.", ["outcome"])
WAY_BACK_FRESHNESS = Histogram("agdref_anef_way_back_freshness_seconds", "AGDREF commit of the way back minus the "
                               "ANEF commit of the change that named the person.",
                               buckets=(0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2, 5, 10, 30,
                                        60, 300, 3600))

CONSUMER_LAG = Gauge("agdref_anef_consumer_lag", "Messages not yet processed, per assigned partition.",
                     ["topic", "partition"])


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Expose /metrics on host:port (0: not exposed; ``WORKER_METRICS_HOST`` 0.0.0.0 in a pod).
    Does not block."""
    if port:
        start_http_server(port, addr=host)


def observe_recorded(changes: list, result, seconds: float, recorded_at: float) -> None:
    """One recorded batch of legacy changes (``recorded_at``: its commit, epoch seconds)."""
    for change in changes:
        if not change.snapshot:
            ARRIVAL.observe(max(0.0, recorded_at - change.committed_at_ms / 1000))
    BATCH_SIZE.observe(len(changes))
    BATCH_SECONDS.labels("record").observe(seconds)
    REPLAYS.inc(result.replays)


def observe_rebuilt(result) -> None:
    """One transaction that rebuilt dossiers (a rebuild, or a recording that rebuilt what it made
    ready): outcomes, and for each dossier the delay from its legacy commit to the ANEF commit
    (measured right after the commit)."""
    REBUILD_SIZE.observe(result.rebuilt)
    for outcome in ("migrated", "parked", "erased", "held", "refused"):
        DOSSIERS.labels(outcome).inc(getattr(result, outcome))
    for waited in result.waited:
        FRESHNESS.observe(max(0.0, waited))


def observe_written_back(written, committed_ms: list[int], at: float) -> None:
    """One way-back transaction committed at ``at`` (epoch seconds): its counts, and for each
    change that named one of its persons the delay from the ANEF commit."""
    for outcome in ("written", "deleted", "held", "losses"):
        WAY_BACK_ROWS.labels(outcome).inc(getattr(written, outcome))
    for ms in committed_ms:
        WAY_BACK_FRESHNESS.observe(max(0.0, at - ms / 1000))

