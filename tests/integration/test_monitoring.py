"""The alert rules and the dashboard in deploy/: valid for Prometheus' own checker, unit-tested,
and built only on metrics the worker or the exporter really export."""
from __future__ import annotations

import json
import re
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
METRIC = re.compile(r"\bagdref_anef_[a-z_]+")


def test_the_alert_rules_pass_promtools_check_and_their_unit_tests():
    from infra.validators import validate_alerts

    for done in validate_alerts():
        assert done.returncode == 0, done.stdout + done.stderr


def _exported() -> set[str]:
    from prometheus_client.metrics import MetricWrapperBase

    from operations import exporter
    from pipeline import metrics

    names = {getattr(exporter, n) for n in dir(exporter) if n.isupper() and isinstance(getattr(exporter, n), str)}
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                names.add(family.name)
    return names


def _base(name: str) -> str:
    return re.sub(r"_(bucket|count|sum|total)$", "", name)


def test_the_dashboard_and_the_alerts_use_only_exported_metrics():
    exported = {_base(n) for n in _exported()}
    dashboard = json.loads((DEPLOY / "grafana" / "agdref-anef.json").read_text())
    used = {m for panel in dashboard["panels"] for target in panel["targets"] for m in METRIC.findall(target["expr"])}
    used |= set(METRIC.findall((DEPLOY / "prometheus" / "alerts.yml").read_text()))
    assert used and {_base(m) for m in used} <= exported, {_base(m) for m in used} - exported
