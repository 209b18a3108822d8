"""``agdref-anef report --out DIR``: the nightly report, from the kept runs and divergences.

Writes ``report.html`` (charts inline: trend over runs, by prefecture, by kind and severity),
``divergences.csv`` and ``report.json``. These are the summary: foreigner numbers become keyed
pseudonyms (the same as in the logs) and no value of any field is shown, only which fields
differ. With ``restricted``, ``restricted/`` also gets the full detail (numbers and both
systems' values), readable by its owner only, for those allowed to see it.
"""
from __future__ import annotations

import csv
import json
import os
from collections import Counter
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from reconciliation.charts import COLOURS, bars, trend
from reconciliation.divergence import Kind, Severity, for_everyone

COLUMNS = ("id", "numero", "kind", "severity", "status", "prefecture", "urgency_days", "age_days", "fields", "detail")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


def masked(row: dict, key: str) -> dict:
    """A divergence for the summary: masked by ``for_everyone`` (pseudonymous number, which fields
    differ, no value)."""
    everyone = for_everyone(row, key)
    return {"id": row["id"], "numero": everyone["numero_etranger"], "kind": row["kind"],
            "severity": row["severity"], "status": row["status"], "prefecture": row["prefecture"],
            "urgency_days": row["urgency_days"], "age_days": round(float(row["age_days"]), 1),
            "fields": [f["field"] for f in everyone["fields"]], "detail": everyone["detail"]}


def full(row: dict) -> dict:
    return {**{k: _plain(v) for k, v in row.items()}, "age_days": round(float(row["age_days"]), 1)}


def summary(runs: list[dict], divergences: list[dict]) -> dict:
    latest = runs[-1] if runs else {}
    open_ones = [d for d in divergences if d["status"] in ("new", "confirmed")]
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "run": {k: _plain(v) for k, v in latest.items() if k != "counts"},
        "open": len(divergences),
        "critical_not_accepted": sum(1 for d in open_ones if d["severity"] == Severity.CRITICAL.value),
        "by_kind": dict(Counter(d["kind"] for d in divergences)),
        "by_severity": dict(Counter(d["severity"] for d in divergences)),
        "by_status": dict(Counter(d["status"] for d in divergences)),
        "by_prefecture": dict(Counter(d["prefecture"] or "?" for d in divergences).most_common()),
        "trend": [{"run": r["id"], "finished_at": _plain(r["finished_at"]), "divergences": sum(r["counts"].values()),
                   "critical": sum(n for k, n in r["counts"].items() if k.endswith("/critical"))} for r in runs],
    }


def _csv(path: Path, rows: list[dict], columns) -> None:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (json.dumps(v, default=str) if isinstance(v, (list, dict)) else v)
                             for k, v in row.items()})


def _html(facts: dict, rows: list[dict]) -> str:
    trend_chart = trend("Divergences over runs",
                        {"total": [t["divergences"] for t in facts["trend"]],
                         "critical": [t["critical"] for t in facts["trend"]]},
                        [str(t["finished_at"])[:16] for t in facts["trend"]], unit="divergences")
    by_prefecture = bars("Open divergences by prefecture", list(facts["by_prefecture"].items())[:20])
    by_severity = bars("By severity", [(s.value, facts["by_severity"].get(s.value, 0)) for s in Severity],
                       COLOURS["critical"])
    by_kind = bars("By kind", [(k.value, facts["by_kind"].get(k.value, 0)) for k in Kind])
    lines = "".join(
        f"<tr class='{escape(r['severity'])}'><td>{r['id']}</td><td>{escape(r['numero'])}</td><td>{escape(r['kind'])}</td>"
        f"<td>{escape(r['severity'])}</td><td>{escape(r['status'])}</td><td>{escape(str(r['prefecture'] or ''))}</td>"
        f"<td>{'' if r['urgency_days'] is None else r['urgency_days']}</td><td>{r['age_days']}</td>"
        f"<td>{escape(', '.join(r['fields'])[:200])}</td><td>{escape(r['detail'])}</td></tr>" for r in rows[:2000])
    run = facts["run"]
    verdict = "critical divergences open" if facts["critical_not_accepted"] else "no critical divergence open"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>AGDREF → ANEF reconciliation</title><style>
body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ddd;padding:3px 6px}} tr.critical td{{background:#fce8e6}} tr.high td{{background:#fef3e8}}
.charts{{display:flex;flex-wrap:wrap;gap:2em}} .verdict{{font-size:1.3em;font-weight:bold}}
</style></head><body>
<h1>AGDREF → ANEF reconciliation</h1>
<p class="verdict">{escape(verdict)}: {facts['critical_not_accepted']} critical, {facts['open']} open in all</p>
<p>Run {escape(str(run.get('id', '-')))} finished {escape(str(run.get('finished_at', '-')))}:
{escape(str(run.get('persons', '-')))} AGDREF persons, {escape(str(run.get('suspects', '-')))} suspects,
{escape(str(run.get('unconfirmed', '-')))} still in flight, {escape(str(round(run.get('seconds') or 0, 1)))} s.
{escape(str(run.get('outdated_mapping') or 0))} dossiers made by an older mapping (rebuild them).
Foreigner numbers are pseudonymised; values are in the restricted export only.</p>
<div class="charts">{trend_chart}{by_severity}{by_kind}{by_prefecture}</div>
<h2>Open divergences, most severe and most urgent first</h2>
<table><tr><th>id</th><th>person</th><th>kind</th><th>severity</th><th>status</th><th>prefecture</th>
<th>days left</th><th>age (days)</th><th>fields</th><th>detail</th></tr>{lines}</table>
</body></html>"""


def write(out: Path, runs: list[dict], divergences: list[dict], pseudonym_key: str, restricted: bool = False) -> dict:
    """Write the report into ``out``; returns its summary facts."""
    out.mkdir(parents=True, exist_ok=True)
    facts = summary(runs, divergences)
    rows = [masked(d, pseudonym_key) for d in divergences]
    (out / "report.json").write_text(json.dumps({**facts, "divergences": rows}, indent=1, default=str))
    _csv(out / "divergences.csv", rows, COLUMNS)
    (out / "report.html").write_text(_html(facts, rows))
    if restricted:
        secret = out / "restricted"
        secret.mkdir(mode=0o700, exist_ok=True)
        detail = [full(d) for d in divergences]
        for name, writer in (("divergences-full.json", lambda p: p.write_text(json.dumps(detail, indent=1, default=str))),
                             ("divergences-full.csv", lambda p: _csv(p, detail, detail[0].keys() if detail else COLUMNS))):
            path = secret / name
            path.touch(mode=0o600)
            os.chmod(path, 0o600)
            writer(path)
    return facts
