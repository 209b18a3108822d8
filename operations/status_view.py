"""The terminal view of ``agdref-anef status``. Pure: a ``Status`` in, rich renderables out."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table

from operations.status import Status


def _seconds(value) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def render(status: Status) -> Group:
    c = status.connector
    overview = Table("", "", title="AGDREF → ANEF", show_header=False)
    overview.add_row("connector slot", "absent" if not c.get("slot_exists") else
                     f"{c['slot']} {'active' if c['slot_active'] else 'INACTIVE'}, {c['slot_lag_bytes']:,} bytes behind"
                     + (f" (~{c['slot_lag_seconds']:.0f} s)" if c.get("slot_lag_seconds") else ""))
    overview.add_row("last event captured", _seconds(c.get("last_event_age_seconds")) + " ago")
    overview.add_row("last acknowledgement", _seconds(c.get("last_acknowledged_age_seconds")) + " ago")
    for snap in c.get("snapshots", []):
        share = "done" if snap["done"] else f"{100 * snap['rows_read'] / snap['estimate']:.0f} %" if snap["estimate"] else ""
        overview.add_row(f"snapshot {snap['table']}", f"{snap['rows_read']:,} rows read {share}")
    overview.add_row("consumer lag (messages)", f"{status.lag:,}")
    if status.throughput:
        overview.add_row("throughput", f"{status.throughput['events_per_second']:,.0f} events/s")
    w = status.worker
    if w.get("reachable"):
        overview.add_row("freshness p50 / p99", f"{_seconds(w['freshness_p50_seconds'])} / {_seconds(w['freshness_p99_seconds'])}")
        overview.add_row("dossiers", ", ".join(f"{k} {v:,.0f}" for k, v in sorted(w["dossiers"].items())) or "-")
        overview.add_row("dead letters", ", ".join(f"{k} {v:,.0f}" for k, v in w["dead_letters"].items()) or "none")
    a = status.anef
    if a:
        overview.add_row("persons migrated", f"{a['persons_migrated']:,}")
        if a.get("initial_load"):
            load = a["initial_load"]
            overview.add_row("initial load", f"{load['load_id']}: {load['written']:,} of {load['ranges']:,} ranges written, "
                             f"{load['persons']:,} persons ({load['mapped']:,} mapped in bulk)")
        overview.add_row("waiting for a rebuild", f"{a['dossiers_waiting']:,}")
        overview.add_row("parked", ", ".join(f"{k} {v:,}" for k, v in a["parked_by_reason"].items()) or "none")
        overview.add_row("conflicts held", f"{a['conflicts']:,}")
    r = status.reconciliation
    overview.add_row("last reconciliation", "never" if not r else
                     f"run {r['id']} at {r['finished_at'][:19]}: {sum(r['counts'].values()):,} divergences, "
                     f"{r['critical']:,} critical, {r['unconfirmed']:,} in flight")
    lag = Table("topic", "partition", "end", "committed", "lag", title="consumer lag per partition")
    for p in status.partitions:
        lag.add_row(p["topic"], str(p["partition"]), f"{p['end']:,}", "-" if p["committed"] is None else f"{p['committed']:,}",
                    f"{p['lag']:,}")
    parts = [overview, lag]
    b = status.way_back
    if b:
        back = Table("", "", title="ANEF → AGDREF (the way back)", show_header=False)
        back.add_row("capture slot", "absent (not deployed)" if not b["slot_exists"] else
                     f"{b['slot']} {'active' if b['slot_active'] else 'INACTIVE'}, {b['slot_lag_bytes']:,} bytes behind")
        if b["slot_exists"]:
            back.add_row("last ANEF change captured", _seconds(b["last_event_age_seconds"]) + " ago")
            back.add_row("worker lag (messages)", f"{b['lag']:,}")
            back.add_row("freshness p50 / p99", f"{_seconds(b['freshness_p50_seconds'])} / "
                         f"{_seconds(b['freshness_p99_seconds'])}" if b["worker_reachable"] else
                         "the worker's metrics do not answer on this host")
            back.add_row("legacy rows written back", f"{b['rows_written']:,}, the last "
                         + _seconds(b["last_written_age_seconds"]) + " ago")
            back.add_row("held", ", ".join(f"{k} {v:,}" for k, v in b["held_by_reason"].items()) or "none")
            back.add_row("fields carried with a loss", f"{b['losses']:,}")
        parts.append(back)
    if status.problems:
        parts.append("[red]" + "\n".join(status.problems) + "[/red]")
    return Group(*parts)
