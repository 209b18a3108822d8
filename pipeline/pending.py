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

Locks: a rebuild holds the entries it picked with a transaction-level advisory lock each, not a
row lock: another rebuild's pick skips them, and a recording that touches one meanwhile does not
wait. That recording writes a new version of the entry's row, and ``done`` removes only the row
version it picked (its ``xmin``), so the number is rebuilt again from the newer state. With row
locks (``FOR UPDATE SKIP LOCKED``) the record step waited on every entry a rebuild held, for the
whole rebuild: in half of its samples at 200 legacy transactions/s (docs/performance.md, stop
30). Blocking (synchronous SQLAlchemy), inside the caller's transaction.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from common.bulk import array_literal
from pipeline.actions import TransactionEnd

TRANSACTIONS = "migration.legacy_transaction"
MEMBERS = "migration.transaction_member"
# Every pick: not held back by a transaction still incomplete (younger than :wait), the longest
# waiting first. Candidates are read first (up to :scan), then claimed one by one with a try-lock,
# until :limit are held: an entry another rebuild holds is skipped, and no lock is taken on a
# candidate beyond the limit (the outer LIMIT stops pulling rows from the materialised list).
_READY = (f" AND NOT EXISTS (SELECT 1 FROM {MEMBERS} m JOIN {TRANSACTIONS} t ON t.id = m.transaction_id"
          "   WHERE m.numero_etranger = p.numero_etranger AND (t.expected IS NULL OR t.seen < t.expected)"
          "   AND t.first_seen > now() - make_interval(secs => :wait))")
_COLUMNS = "p.numero_etranger, p.position, p.committed_at, p.xmin::text"
# The two-key form of advisory locks is a space of its own: no clash with the dossiers' number
# locks (one bigint key, pipeline.sink).
_CLAIM_SPACE = 7201


def _claimed(candidates: str) -> str:
    return (f"WITH candidate AS MATERIALIZED ({candidates} ORDER BY p.since LIMIT :scan)"
            " SELECT * FROM candidate WHERE pg_try_advisory_xact_lock(:space, hashtext(numero_etranger)) LIMIT :limit")


@dataclass(frozen=True)
class Waiting:
    """One picked entry: the number, the newest change it waits for, and the row version picked
    (its ``xmin``: ``done`` removes that version only). Not the ``version`` counter: an entry
    removed by another rebuild and marked again starts it at 1 again, and a rebuild that had read
    the old entry (claimed just after the other one committed) would remove the new one unseen."""

    numero: str
    position: int
    committed_at: datetime
    row_version: str


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
            {"n": array_literal(numbers), "p": array_literal([touches.latest[n][0] for n in numbers]),
             "c": array_literal([datetime.fromtimestamp(touches.latest[n][1] / 1000, tz=UTC) for n in numbers]),
             "l": array_literal([n in touches.live for n in numbers])})
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
            {"ids": array_literal(ids), "n": array_literal([touches.transactions[i] for i in ids])})
        members = [(i, n) for i in ids for n in sorted(touches.members[i])]
        if members:
            conn.execute(text(
                f"INSERT INTO {MEMBERS} (transaction_id, numero_etranger)"
                " SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:n AS text[])) ON CONFLICT DO NOTHING"),
                {"ids": array_literal([i for i, _ in members]), "n": array_literal([n for _, n in members])})
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
        " ON CONFLICT (id) DO UPDATE SET expected = excluded.expected"), {"ids": array_literal(ids), "n": array_literal([counts[i] for i in ids])})
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
        rows = conn.execute(text(_claimed(
            f"SELECT {_COLUMNS} FROM migration.pending p"
            f" WHERE {condition} AND NOT (p.numero_etranger = ANY(CAST(:taken AS text[])))" + _READY)),
            {**_claim(limit - len(picked)), "wait": wait_seconds, "max_wait": max_wait_seconds,
             "taken": [w.numero for w in picked]}).all()
        picked += [_waiting(r) for r in rows]
    return picked


def pick_among(conn: Connection, numbers: set[str], limit: int, wait_seconds: float) -> list[Waiting]:
    """``pick`` restricted to these numbers' live entries: what a batch just recorded made ready
    (its live changes, the transactions it completed), rebuilt in the same transaction."""
    if not numbers:
        return []
    rows = conn.execute(text(_claimed(
        f"SELECT {_COLUMNS} FROM migration.pending p"
        " WHERE p.live AND p.numero_etranger = ANY(CAST(:among AS text[]))" + _READY)),
        {**_claim(limit), "among": sorted(numbers), "wait": wait_seconds}).all()
    return [_waiting(r) for r in rows]


def _claim(limit: int) -> dict[str, int]:
    # Three times the limit: room for a few other rebuilds holding the oldest entries.
    return {"limit": limit, "scan": 3 * limit, "space": _CLAIM_SPACE}


def _waiting(row) -> Waiting:
    return Waiting(row[0], int(row[1]), row[2], row[3])


def done(conn: Connection, picked: list[Waiting]) -> None:
    """Remove the rebuilt entries, each only at the row version picked: one a recording touched
    meanwhile stays, and is rebuilt again from the newer state. Rows are locked in sorted order,
    like ``mark`` upserts them: a recording and a rebuild never wait for each other crosswise."""
    if picked:
        conn.execute(text(
            "DELETE FROM migration.pending WHERE numero_etranger IN (SELECT p.numero_etranger FROM migration.pending p"
            " JOIN unnest(CAST(:n AS text[]), CAST(:v AS text[])) AS d(numero, row_version)"
            " ON p.numero_etranger = d.numero AND p.xmin::text = d.row_version"
            " ORDER BY p.numero_etranger FOR UPDATE OF p)"),
            {"n": [w.numero for w in picked], "v": [w.row_version for w in picked]})


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
