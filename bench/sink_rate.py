"""The worker's two steps without Kafka: recording legacy changes, and rebuilding dossiers into
ANEF, each in rows or dossiers per second, in one process. Where the backfill's time goes.

The changes are the snapshot reads the connector would publish for N seeded persons (same
envelopes, same decoding). Baseline in the same run: the mapping alone of the same dossiers, in
memory (what the rebuild costs before any database work).

    .venv/bin/python -m bench.sink_rate [--persons 20000] [--profile]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
from datetime import UTC, datetime

from sqlalchemy import text

from bench.common import Stopwatch, figure, scratch_chain
from connectors.events import Transaction, key_of, snapshot_reads
from domain.dossier import map_dossier
from pipeline.actions import Origin, RowChange
from pipeline.decide import decide
from pipeline.sink import DossierSink
from schemas.agdref_tables import CAPTURED_TABLES, metadata, primary_key_columns
from synthetic.seed import seed_population


def legacy_changes(agdref) -> list[RowChange]:
    """Every AGDREF row as the worker receives it from a snapshot: envelope, then ``decide``."""
    tx = Transaction(xid=1, final_lsn=1 << 32, commit_time=datetime.now(UTC))
    changes = []
    with agdref.connect() as conn:
        for table in CAPTURED_TABLES:
            columns = [str(c.name) for c in metadata.tables[f"agdref.{table}"].columns]
            rows = [dict(zip(columns, r)) for r in conn.execute(text(f"SELECT {', '.join(columns)} FROM agdref.{table}"))]
            values = snapshot_reads(rows, prefix="bench", database="agdref", schema="agdref", table=table, tx=tx,
                                    lsn=1 << 32, emitted_at_ms=0)
            keys = primary_key_columns(table)
            for row, value in zip(rows, values):
                action = decide(Origin(table, 0, 0), key_of(row, keys), value)
                if isinstance(action, RowChange):
                    changes.append(action)
    return changes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="print where the rebuild spends its time")
    args = parser.parse_args()
    with scratch_chain("sink") as (_, agdref, _, anef):
        seed_population(agdref, args.persons, seed=9)
        with Stopwatch() as decoding:
            changes = legacy_changes(agdref)
        sink = DossierSink(anef)
        with Stopwatch() as recording:
            for i in range(0, len(changes), args.batch):
                sink.record(changes[i:i + args.batch])
        profiler = cProfile.Profile() if args.profile else None
        rebuilt = 0
        with Stopwatch() as rebuilding:
            if profiler:
                profiler.enable()
            while step := sink.rebuild_ready(1000).rebuilt:
                rebuilt += step
            if profiler:
                profiler.disable()
        from pipeline import mirror

        with anef.connect() as conn:
            numbers = list(conn.execute(text("SELECT DISTINCT numero_etranger FROM migration.legacy_row LIMIT 5000"))
                           .scalars())
            dossiers, links = mirror.dossiers_of(conn, set(numbers))
            legacy = mirror.load(conn, dossiers, links)
        now = datetime.now(UTC)
        with Stopwatch() as mapping:
            for dossier in legacy.values():
                map_dossier(dossier, now)
        print(f"{args.persons:,} persons, {len(changes):,} legacy rows, {rebuilt:,} dossiers rebuilt")
        figure("decode (envelope → change)", len(changes) / decoding.seconds, "rows/s")
        figure("record step", len(changes) / recording.seconds, "rows/s")
        figure("rebuild step", rebuilt / rebuilding.seconds, "dossiers/s")
        figure("baseline: mapping alone, in memory", len(legacy) / mapping.seconds, "dossiers/s")
        figure("ratio rebuild / mapping alone", (rebuilt / rebuilding.seconds) / (len(legacy) / mapping.seconds), "")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
