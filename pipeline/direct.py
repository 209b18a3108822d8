"""AGDREF into ANEF in-process, without Kafka: every legacy row recorded by the sink as a snapshot
read at one legacy position, then every waiting dossier rebuilt. The same code the workers run,
for benchmarks and tests that need a migrated ANEF fast; not a production path (no log, so a row
deleted from AGDREF since the last call is not seen).
"""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from connectors.events import Transaction, key_of, snapshot_reads
from pipeline.actions import Origin, RowChange
from pipeline.decide import decide
from pipeline.sink import DossierSink
from schemas.agdref_tables import CAPTURED_TABLES, metadata, primary_key_columns

CHUNK = 5000


def migrate(agdref: Engine, anef: Engine, position: int = 1 << 32) -> int:
    """Record every AGDREF row at legacy ``position`` (a later call needs a higher one for its rows
    to win), streamed in chunks so memory stays flat; returns the dossiers rebuilt."""
    tx = Transaction(xid=1, final_lsn=position, commit_time=datetime.now(UTC))
    sink = DossierSink(anef)
    with agdref.connect().execution_options(stream_results=True, max_row_buffer=CHUNK) as conn:
        for table in CAPTURED_TABLES:
            columns = [str(c.name) for c in metadata.tables[f"agdref.{table}"].columns]
            keys = primary_key_columns(table)
            result = conn.execute(text(f"SELECT {', '.join(columns)} FROM agdref.{table}"))
            while chunk := result.fetchmany(CHUNK):
                rows = [dict(zip(columns, r)) for r in chunk]
                values = snapshot_reads(rows, prefix="direct", database="agdref", schema="agdref", table=table,
                                        tx=tx, lsn=position, emitted_at_ms=0)
                changes = [a for row, value in zip(rows, values)
                           if isinstance(a := decide(Origin(table, 0, 0), key_of(row, keys), value), RowChange)]
                sink.record(changes)
    rebuilt = 0
    while step := sink.rebuild_ready(2000).rebuilt:
        rebuilt += step
    return rebuilt
