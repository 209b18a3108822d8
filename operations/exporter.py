"""``agdref-anef exporter``: the migration's state as Prometheus metrics, for what the worker
cannot see (the connector's slot in AGDREF, the parking, the reconciliation's verdicts).

A custom collector: every scrape reads the facts where they live (``operations.status``), so the
figures are never older than the scrape and nothing is kept here. No label carries personal data.
The alert rules in ``deploy/prometheus/alerts.yml`` use these names and the worker's.
"""
from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

from common.settings import Settings
from operations.status import gather

SLOT_LAG = "agdref_anef_slot_lag_bytes"
SLOT_ACTIVE = "agdref_anef_slot_active"
PARKED = "agdref_anef_parked_dossiers"
CONFLICTS = "agdref_anef_conflicts"
DIVERGENCES = "agdref_anef_divergences_open"
LAST_RECONCILIATION = "agdref_anef_last_reconciliation_timestamp_seconds"
SOURCE_UP = "agdref_anef_exporter_source_up"
# The way back (ANEF → AGDREF, issue 18): its capture's slot on ANEF, its worker's lag, what it holds.
WAY_BACK_SLOT_LAG = "agdref_anef_way_back_slot_lag_bytes"
WAY_BACK_SLOT_ACTIVE = "agdref_anef_way_back_slot_active"
WAY_BACK_LAG = "agdref_anef_way_back_lag_events"
WAY_BACK_HELD = "agdref_anef_way_back_held_rows"
WAY_BACK_LOSSES = "agdref_anef_way_back_losses"


class MigrationCollector(Collector):
    def __init__(self, settings: Settings, agdref: Engine, anef: Engine) -> None:
        self._settings, self._agdref, self._anef = settings, agdref, anef

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = gather(self._settings, self._agdref, self._anef, metrics_url="")
        up = GaugeMetricFamily(SOURCE_UP, "Whether the exporter could read each source.", labels=["source"])
        failed = {problem.split(":", 1)[0] for problem in status.problems}
        for source in ("connector", "kafka", "anef", "way back"):
            up.add_metric([source], 0.0 if source in failed else 1.0)
        yield up
        c = status.connector
        if c.get("slot_exists"):
            yield GaugeMetricFamily(SLOT_LAG, "WAL bytes the connector's slot has not acknowledged.",
                                    value=float(c["slot_lag_bytes"] or 0))
            yield GaugeMetricFamily(SLOT_ACTIVE, "1 while a connector streams from the slot.",
                                    value=1.0 if c["slot_active"] else 0.0)
        if status.anef:
            parked = GaugeMetricFamily(PARKED, "Parked dossiers, per reason.", labels=["reason"])
            for reason, count in status.anef["parked_by_reason"].items():
                parked.add_metric([reason], float(count))
            yield parked
            yield GaugeMetricFamily(CONFLICTS, "Dossiers held as conflicts.", value=float(status.anef["conflicts"]))
            yield from self._divergences()
        yield from _way_back(status.way_back)

    def _divergences(self) -> Iterator[GaugeMetricFamily]:
        with self._anef.connect() as conn:
            rows = conn.execute(text("SELECT severity, status, count(*) FROM reconciliation.divergence"
                                     " WHERE status <> 'resolved' GROUP BY 1, 2")).all()
            last = conn.execute(text("SELECT extract(epoch FROM max(finished_at)) FROM reconciliation.run")).scalar()
        family = GaugeMetricFamily(DIVERGENCES, "Open divergences, per severity and status.", labels=["severity", "status"])
        for severity in ("critical", "high", "medium", "low"):
            for status in ("new", "confirmed", "accepted"):
                family.add_metric([severity, status], float(sum(n for s, st, n in rows if (s, st) == (severity, status))))
        yield family
        if last is not None:
            yield GaugeMetricFamily(LAST_RECONCILIATION, "When the last reconciliation finished.", value=float(last))


def _way_back(found: dict) -> Iterator[GaugeMetricFamily]:
    """Nothing while the way back is not set up (no slot on ANEF): its alerts stay silent."""
    if not found.get("slot_exists"):
        return
    yield GaugeMetricFamily(WAY_BACK_SLOT_LAG, "ANEF WAL bytes the way back's slot has not acknowledged.",
                            value=float(found["slot_lag_bytes"] or 0))
    yield GaugeMetricFamily(WAY_BACK_SLOT_ACTIVE, "1 while the way back's capture streams from its slot.",
                            value=1.0 if found["slot_active"] else 0.0)
    if "lag" in found:
        yield GaugeMetricFamily(WAY_BACK_LAG, "ANEF events the way back's worker has not consumed yet.",
                                value=float(found["lag"]))
        held = GaugeMetricFamily(WAY_BACK_HELD, "ANEF rows held out of AGDREF, per reason.", labels=["reason"])
        for reason, count in found["held_by_reason"].items():
            held.add_metric([reason], float(count))
        yield held
        yield GaugeMetricFamily(WAY_BACK_LOSSES, "Fields written back in a lesser form (listed).",
                                value=float(found["losses"]))
