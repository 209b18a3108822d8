"""Incremental snapshot without locks, interleaved with streaming (Netflix's DBLog; Debezium's
incremental snapshots).

Each table is read in primary-key order, one chunk at a time. Around each chunk's SELECT the
connector writes a low and a high watermark into the signal table; both come back through the
log. Between them, any change the log shows for a key of the chunk removes that key from the
chunk: the log's version is the newer one. At the high watermark, what is left of the chunk is
emitted as snapshot reads (``op = 'r'``), in stream order, positioned at the high watermark. No
lock is taken, streaming never stops, and every row ends in Kafka in its latest state.

Progress is kept in ``agdref_anef.snapshot_progress`` and moves only once Kafka has acknowledged
a chunk's events, so a crashed connector resumes at the first unacknowledged chunk (its events may
come twice: duplicates, never gaps). Blocking; runs on the connector's streaming thread.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

import psycopg2

from connectors.events import Record, Transaction, key_of, snapshot_reads
from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA, metadata, primary_key_columns
from schemas.control_tables import CONTROL_SCHEMA, SIGNAL_TABLE, not_written_back_sql  # noqa: F401 - the connector's names
from schemas.envelope import topic_name

WINDOW_OPEN, WINDOW_CLOSE, EXECUTE = "snapshot-window-open", "snapshot-window-close", "execute-snapshot"
DEFAULT_CHUNK = 20_000


@dataclass
class Work:
    request_id: str
    table: str
    keys: list[list] | None = None     # a repair: only these primary keys
    last_key: list | None = None       # resume after this key
    rows_read: int = 0


@dataclass
class Window:
    work: Work
    low: str
    high: str
    rows: dict[bytes, dict]            # key → row, as read between the watermarks
    last_key: list | None
    exhausted: bool
    is_open: bool = False


@dataclass
class Completed:
    work: Work
    last_key: list | None
    rows: int
    done: bool


@dataclass
class IncrementalSnapshot:
    dsn: str
    prefix: str
    database: str
    chunk_size: int = DEFAULT_CHUNK
    pending: list[Work] = field(default_factory=list)
    window: Window | None = None
    completed: list[Completed] = field(default_factory=list)
    emitted: int = 0
    _conn: object = None

    def _db(self):
        if self._conn is None or self._conn.closed:
            self._conn = psycopg2.connect(self.dsn)
            self._conn.autocommit = True
        return self._conn

    def load(self) -> None:
        """The work left by earlier runs (or by `connector snapshot`), oldest request first."""
        with self._db().cursor() as cur:
            cur.execute(f"SELECT request_id, table_name, keys, last_key, rows_read FROM {CONTROL_SCHEMA}.snapshot_progress"
                        " WHERE NOT done ORDER BY requested_at, table_name")
            self.pending = [Work(r[0], r[1], r[2], r[3], r[4]) for r in cur.fetchall()]

    @property
    def active(self) -> bool:
        return bool(self.pending) or self.window is not None

    def open_window(self) -> None:
        """Write the low watermark, read the next chunk, write the high watermark. Does nothing
        while a window is already waiting for its watermarks to come back through the log."""
        if self.window is not None or not self.pending:
            return
        work = self.pending[0]
        low, high = str(uuid.uuid4()), str(uuid.uuid4())
        with self._db().cursor() as cur:
            cur.execute(f"INSERT INTO {CONTROL_SCHEMA}.{SIGNAL_TABLE} VALUES (%s, %s, %s)",
                        (low, WINDOW_OPEN, json.dumps({"table": work.table, "after": work.last_key})))
            rows, exhausted = self._read_chunk(cur, work)
            cur.execute(f"INSERT INTO {CONTROL_SCHEMA}.{SIGNAL_TABLE} VALUES (%s, %s, %s)",
                        (high, WINDOW_CLOSE, json.dumps({"table": work.table, "rows": len(rows)})))
        key_columns = primary_key_columns(work.table)
        last = [rows[-1][c] for c in key_columns] if rows else work.last_key
        self.window = Window(work, low, high, {key_of(r, key_columns): r for r in rows}, last, exhausted)

    def _read_chunk(self, cur, work: Work) -> tuple[list[dict], bool]:
        columns = [str(c.name) for c in metadata.tables[f"{SCHEMA}.{work.table}"].columns]
        keys = primary_key_columns(work.table)
        key_list = ", ".join(keys)
        # Rows the way back mirrored from ANEF are ANEF's, not the legacy's: never read as AGDREF's.
        select = (f"SELECT {', '.join(columns)} FROM {SCHEMA}.{work.table} AS r"
                  f" WHERE {not_written_back_sql(work.table, 'r')}")
        if work.keys is not None:
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(keys)) + ")"] * len(work.keys))
            cur.execute(f"{select} AND ({key_list}) IN ({placeholders}) ORDER BY {key_list}",
                        [v for key in work.keys for v in key])
            return [dict(zip(columns, r)) for r in cur.fetchall()], True
        if work.last_key is None:
            cur.execute(f"{select} ORDER BY {key_list} LIMIT %s", (self.chunk_size,))
        else:
            cur.execute(f"{select} AND ({key_list}) > ({', '.join(['%s'] * len(keys))}) ORDER BY {key_list} LIMIT %s",
                        (*work.last_key, self.chunk_size))
        rows = [dict(zip(columns, r)) for r in cur.fetchall()]
        return rows, len(rows) < self.chunk_size

    def on_change(self, table: str, key: bytes) -> None:
        """A change seen in the log: inside an open window, the log's version of that row wins."""
        w = self.window
        if w is not None and w.is_open and table == w.work.table:
            w.rows.pop(key, None)

    def on_signal(self, row: dict, tx: Transaction, lsn: int) -> list[Record]:
        """A row inserted into the signal table came back through the log. Returns the snapshot
        reads to publish now (at a high watermark), in the stream's order."""
        kind, ident = (row.get("type") or "").strip(), (row.get("id") or "").strip()
        if kind == EXECUTE:
            self.request_from_signal(ident, row.get("data") or "{}")
            return []
        w = self.window
        if w is None:
            return []
        if ident == w.low:
            w.is_open = True
            return []
        if ident != w.high:
            return []
        topic = topic_name(self.prefix, w.work.table)
        values = snapshot_reads(list(w.rows.values()), prefix=self.prefix, database=self.database, schema=SCHEMA,
                                table=w.work.table, tx=tx, lsn=lsn, emitted_at_ms=int(time.time() * 1000))
        records = [Record(topic, key, value, lsn) for key, value in zip(w.rows, values)]
        self.emitted += len(records)
        read = len(w.rows)
        w.work.last_key, w.work.rows_read = w.last_key, w.work.rows_read + read
        self.completed.append(Completed(w.work, w.last_key, read, w.exhausted))
        if w.exhausted:
            self.pending.pop(0)
        self.window = None
        return records

    def request_from_signal(self, request_id: str, data: str) -> None:
        """``execute-snapshot`` (Debezium's signal): ``{"data-collections": ["agdref.titre"], "keys": [[...]]}``."""
        try:
            payload = json.loads(data)
        except ValueError:
            return
        tables = [c.split(".")[-1] for c in payload.get("data-collections", [])] or list(CAPTURED_TABLES)
        self.request(request_id, [t for t in tables if t in CAPTURED_TABLES], payload.get("keys"))

    def request(self, request_id: str, tables: list[str], keys: list[list] | None = None) -> None:
        with self._db().cursor() as cur:
            for table in tables:
                cur.execute(f"INSERT INTO {CONTROL_SCHEMA}.snapshot_progress (request_id, table_name, keys)"
                            " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                            (request_id, table, json.dumps(keys) if keys is not None else None))
                self.pending.append(Work(request_id, table, keys))

    def take_completed(self) -> list[Completed]:
        """The chunks emitted since the last call (their progress is recorded once Kafka confirms)."""
        completed, self.completed = self.completed, []
        return completed

    def record_read(self, completed: list[Completed]) -> None:
        """Kafka acknowledged these chunks' events: record them as read."""
        if not completed:
            return
        with self._db().cursor() as cur:
            for c in completed:
                cur.execute(f"UPDATE {CONTROL_SCHEMA}.snapshot_progress SET last_key = %s, rows_read = rows_read + %s,"
                            " done = %s, finished_at = CASE WHEN %s THEN now() END"
                            " WHERE request_id = %s AND table_name = %s",
                            (json.dumps(c.last_key, default=str), c.rows, c.done, c.done, c.work.request_id,
                             c.work.table))
            cur.execute(f"DELETE FROM {CONTROL_SCHEMA}.{SIGNAL_TABLE} WHERE type IN (%s, %s)", (WINDOW_OPEN, WINDOW_CLOSE))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
