"""Dossiers waiting to be rebuilt, and the legacy transactions they wait for.

The sink works in two steps, each one database transaction: recording a batch of legacy changes
marks the numbers it touched here (``mark``); the rebuild picks the numbers that are ready
(``pick``), rebuilds and writes their dossiers, and removes them (``done``). Between the two:

- a number touched again is still one entry (rebuilt once, whatever the number of touches);
- a number only snapshot reads touched waits until the snapshot is over (no snapshot read
  recorded by any worker for ``settle`` seconds, or ``max_wait`` at most): a backfill brings a
  person's rows table after table, and rebuilding after each table would multiply the work by
  the number of tables, while a live change is rebuilt at once;
- a number touched by a legacy transaction not yet complete (its END marker missing, or fewer of
  its events recorded than the marker counts) waits until it is, at most ``wait`` seconds: ANEF
  never shows half of a legacy transaction, and a marker lost for good delays, never blocks.

Locks: entries are upserted and deleted in sorted order, so recorders and rebuilders running side
by side (several workers) queue behind each other and never deadlock. Blocking (synchronous
SQLAlchemy), inside the caller's transaction.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from pipeline.actions import TransactionEnd

TRANSACTIONS = "migration.legacy_transaction"
MEMBERS = "migration.transaction_member"
# The end of every pick: not held back by a transaction still incomplete (younger than :wait), the
# longest waiting first, never an entry another rebuilder holds.
_READY = (f" AND NOT EXISTS (SELECT 1 FROM {MEMBERS} m JOIN {TRANSACTIONS} t ON t.id = m.transaction_id"
          "   WHERE m.numero_etranger = p.numero_etranger AND (t.expected IS NULL OR t.seen < t.expected)"
          "   AND t.first_seen > now() - make_interval(secs => :wait))"
          " ORDER BY p.since LIMIT :limit FOR UPDATE OF p SKIP LOCKED")


@dataclass(frozen=True)
class Waiting:
    """One picked entry: the number and the newest change it waits for."""

    numero: str
    position: int
    committed_at: datetime


@dataclass
class Touches:
    """What a recorded batch touched: per number its newest position and commit time (ms), which
    numbers a live change touched, and per legacy transaction its recorded events and numbers."""

    latest: dict[str, tuple[int, int]]
    live: set[str]
    transactions: dict[str, int]
    members: dict[str, set[str]]

    @classmethod
    def empty(cls) -> Touches:
        return cls({}, set(), Counter(), defaultdict(set))


def mark(conn: Connection, touches: Touches, worker_id: str) -> set[str]:
    """Mark every touched number as waiting; note the snapshot reads; count the transactions'
    recorded events. Returns the numbers of the transactions this batch completed."""
    if touches.latest:
        numbers = sorted(touches.latest)
        conn.execute(text(
            "INSERT INTO migration.pending AS p (numero_etranger, position, committed_at, live)"
            " SELECT * FROM unnest(CAST(:n AS text[]), CAST(:p AS numeric[]), CAST(:c AS timestamptz[]),"
            " CAST(:l AS boolean[]))"
            " ON CONFLICT (numero_etranger) DO UPDATE SET version = p.version + 1,"
            " position = greatest(p.position, excluded.position),"
            " committed_at = greatest(p.committed_at, excluded.committed_at), live = p.live OR excluded.live"),
            {"n": numbers, "p": [touches.latest[n][0] for n in numbers],
             "c": [datetime.fromtimestamp(touches.latest[n][1] / 1000, tz=UTC) for n in numbers],
             "l": [n in touches.live for n in numbers]})
        if len(touches.live) < len(numbers):  # some numbers were touched by snapshot reads only
            conn.execute(text(
                "INSERT INTO migration.snapshot_activity AS a (worker_id, last_read_at) VALUES (:w, now())"
                " ON CONFLICT (worker_id) DO UPDATE SET last_read_at = now()"), {"w": worker_id})
    if touches.transactions:
        ids = sorted(touches.transactions)
        # One statement each, arrays unnested: a list of parameters would be one round trip per
        # transaction (psycopg2's executemany), ~240 per recorded batch at 300 transactions/s.
        conn.execute(text(
            f"INSERT INTO {TRANSACTIONS} AS t (id, seen)"
            " SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:n AS integer[]))"
            " ON CONFLICT (id) DO UPDATE SET seen = t.seen + excluded.seen"),
            {"ids": ids, "n": [touches.transactions[i] for i in ids]})
        members = [(i, n) for i in ids for n in sorted(touches.members[i])]
        if members:
            conn.execute(text(
                f"INSERT INTO {MEMBERS} (transaction_id, numero_etranger)"
                " SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:n AS text[])) ON CONFLICT DO NOTHING"),
                {"ids": [i for i, _ in members], "n": [n for _, n in members]})
        return _forget_complete(conn, ids)
    return set()


def end_transactions(conn: Connection, ends: list[TransactionEnd]) -> set[str]:
    """Record the END markers: from now on each transaction knows how many events make it whole.
    Returns the numbers of the transactions these markers completed."""
    if not ends:
        return set()
    ids = sorted({e.transaction for e in ends})
    counts = {e.transaction: e.event_count for e in ends}
    conn.execute(text(
        f"INSERT INTO {TRANSACTIONS} AS t (id, expected)"
        " SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:n AS integer[]))"
        " ON CONFLICT (id) DO UPDATE SET expected = excluded.expected"), {"ids": ids, "n": [counts[i] for i in ids]})
    return _forget_complete(conn, ids)


def _forget_complete(conn: Connection, ids: list[str]) -> set[str]:
    done = conn.execute(text(f"DELETE FROM {TRANSACTIONS} WHERE id = ANY(:ids) AND seen >= expected RETURNING id"),
                        {"ids": ids}).scalars().all()
    if not done:
        return set()
    return set(conn.execute(text(f"DELETE FROM {MEMBERS} WHERE transaction_id = ANY(:ids) RETURNING numero_etranger"),
                            {"ids": list(done)}).scalars())


def pick(conn: Connection, limit: int, wait_seconds: float, settle_seconds: float,
         max_wait_seconds: float) -> list[Waiting]:
    """Up to ``limit`` ready numbers, the longest waiting first, none touched by an incomplete
    transaction younger than ``wait_seconds``. An entry another rebuilder holds is skipped.

    While snapshot reads keep coming (one recorded in the last ``settle_seconds``), numbers only
    snapshot reads touched wait, unless they have waited ``max_wait_seconds`` already."""
    quiet = conn.execute(text(
        "SELECT coalesce(max(last_read_at) < now() - make_interval(secs => :s), true)"
        " FROM migration.snapshot_activity"), {"s": settle_seconds}).scalar_one()
    picked: list[Waiting] = []
    conditions = ["true"] if quiet else ["p.live", "p.since < now() - make_interval(secs => :max_wait)"]
    for condition in conditions:  # one indexed scan each (an OR of the two would scan every entry)
        if len(picked) >= limit:
            break
        rows = conn.execute(text(
            "SELECT p.numero_etranger, p.position, p.committed_at FROM migration.pending p"
            f" WHERE {condition} AND NOT (p.numero_etranger = ANY(CAST(:taken AS text[])))"
            + _READY),
            {"limit": limit - len(picked), "wait": wait_seconds, "max_wait": max_wait_seconds,
             "taken": [w.numero for w in picked]}).all()
        picked += [Waiting(r[0], int(r[1]), r[2]) for r in rows]
    return picked


def pick_among(conn: Connection, numbers: set[str], limit: int, wait_seconds: float) -> list[Waiting]:
    """``pick`` restricted to these numbers' live entries: what a batch just recorded made ready
    (its live changes, the transactions it completed), rebuilt in the same transaction."""
    if not numbers:
        return []
    rows = conn.execute(text(
        "SELECT p.numero_etranger, p.position, p.committed_at FROM migration.pending p"
        " WHERE p.live AND p.numero_etranger = ANY(CAST(:among AS text[]))"
        + _READY),
        {"among": sorted(numbers), "limit": limit, "wait": wait_seconds}).all()
    return [Waiting(r[0], int(r[1]), r[2]) for r in rows]


def done(conn: Connection, picked: list[Waiting]) -> None:
    """Remove the rebuilt entries. ``pick`` locked them until this transaction ends, so a
    recording that touches one meanwhile waits, and marks it again after the commit."""
    if picked:
        conn.execute(text("DELETE FROM migration.pending WHERE numero_etranger = ANY(CAST(:n AS text[]))"),
                     {"n": [w.numero for w in picked]})


def forget_abandoned(conn: Connection, older_than_seconds: float) -> int:
    """Drop transactions that never completed (a marker or an event lost, a dead letter) once they
    no longer hold anything back; returns how many."""
    gone = conn.execute(text(f"DELETE FROM {TRANSACTIONS} WHERE first_seen < now() - make_interval(secs => :s)"
                             " RETURNING id"), {"s": older_than_seconds}).scalars().all()
    if gone:
        conn.execute(text(f"DELETE FROM {MEMBERS} WHERE transaction_id = ANY(:ids)"), {"ids": list(gone)})
    return len(gone)


def backlog(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM migration.pending")).scalar_one()
