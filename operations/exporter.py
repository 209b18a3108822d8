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


class MigrationCollector(Collector):
    def __init__(self, settings: Settings, agdref: Engine, anef: Engine) -> None:
        self._settings, self._agdref, self._anef = settings, agdref, anef

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = gather(self._settings, self._agdref, self._anef, metrics_url="")
        up = GaugeMetricFamily(SOURCE_UP, "Whether the exporter could read each source.", labels=["source"])
        failed = {problem.split(":", 1)[0] for problem in status.problems}
        for source in ("connector", "kafka", "anef"):
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
