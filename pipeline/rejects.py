"""Rejections a person can list, count, read and replay.

Remediation rejections are the parked dossiers (``migration.parked``); technical ones are the
dead letters on ``<prefix>.pipeline.dead-letters``. A replay rebuilds parked dossiers from what the
worker kept (after a mapping fix, or once AGDREF was corrected and the correction streamed), and
re-decides dead letters with the current code, applying those that now pass.
These functions show foreigner numbers in clear: they serve engineers with access to both databases,
never logs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Engine, func, select

from common.kafka_admin import read_to_end
from pipeline.actions import DeadLetter, Origin, RowChange
from pipeline.decide import decide
from pipeline.sink import DossierSink, SinkResult
from schemas.anef_tables import not_carried, parked


@dataclass(frozen=True)
class Filter:
    reason: str | None = None
    table: str | None = None
    since: datetime | None = None
    numero: str | None = None


def _where(query, f: Filter):
    if f.reason:  # any of the dossier's reasons, not only the first
        query = query.where(parked.c.reasons.any(f.reason))
    if f.table:
        query = query.where(parked.c.source_table == f.table)
    if f.since:
        query = query.where(parked.c.parked_at >= f.since)
    if f.numero:
        query = query.where(parked.c.numero_etranger == f.numero)
    return query


def list_parked(db: Engine, f: Filter = Filter(), limit: int = 100) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(
            _where(select(parked).order_by(parked.c.parked_at, parked.c.numero_etranger), f).limit(limit)).mappings()]


def count_parked(db: Engine, f: Filter = Filter()) -> dict[str, int]:
    """Parked dossiers per reason: a dossier with two reasons counts under each (the counts add
    up to more than the dossiers; every reason can be seen, filtered and replayed)."""
    reason = func.unnest(parked.c.reasons).label("reason")
    with db.connect() as conn:
        rows = conn.execute(_where(select(reason, parked.c.numero_etranger), f)).all()
    counts: dict[str, int] = {}
    for each, _ in rows:
        if not f.reason or each == f.reason:
            counts[each] = counts.get(each, 0) + 1
    return counts


def list_not_carried(db: Engine, f: Filter = Filter(), limit: int = 100) -> list[dict]:
    """(HIS1) Historical rows left out of migrated dossiers, with their reason."""
    query = select(not_carried).order_by(not_carried.c.numero_etranger, not_carried.c.source_table)
    if f.reason:
        query = query.where(not_carried.c.reason == f.reason)
    if f.table:
        query = query.where(not_carried.c.source_table == f.table)
    if f.numero:
        query = query.where(not_carried.c.numero_etranger == f.numero)
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(query.limit(limit)).mappings()]


def replay_parked(db: Engine, f: Filter = Filter()) -> SinkResult:
    """Rebuild the matching parked dossiers; those the rules now accept leave the parking."""
    numbers = {r["numero_etranger"] for r in list_parked(db, f, limit=1_000_000)}
    return DossierSink(db).rebuild(numbers) if numbers else SinkResult()


def dead_letters(bootstrap: str, topic: str) -> list[tuple[Origin, str, str, bytes | None, bytes | None]]:
    """Every dead letter: (origin, reason, error, key, value), oldest first."""
    letters = []
    for m in read_to_end(bootstrap, topic):
        h = {k: v.decode("utf-8", "replace") for k, v in m.headers}
        origin = Origin(h.get("origin.topic", ""), int(h.get("origin.partition", -1)), int(h.get("origin.offset", -1)))
        letters.append((origin, h.get("error.reason", ""), h.get("error.message", ""), m.key, m.value))
    return letters


def replay_dead_letters(db: Engine, bootstrap: str, topic: str) -> tuple[int, SinkResult]:
    """Decide every dead letter again with the current code and apply those that now pass.
    Returns how many still fail, and what the sink did with the others (positions make a replay
    of an already applied change harmless)."""
    changes: list[RowChange] = []
    failing = 0
    for origin, _, _, key, value in dead_letters(bootstrap, topic):
        action = decide(origin, key, value)
        if isinstance(action, DeadLetter):
            failing += 1
        elif action is not None:
            changes.append(action)
    return failing, DossierSink(db).apply(changes)


def describe(row: dict) -> str:
    lines = [f"{row['numero_etranger']}  {row['reason']}  parked {row['parked_at']:%Y-%m-%d %H:%M:%S}",
             f"  covers {', '.join(row['members'])}"]
    for r in row["remediations"]:
        lines.append(f"  - {r['reason']}: {r['table']}[{r['key'].strip()}].{r['field']}: {r['detail']}")
    return "\n".join(lines)


def to_json(rows: list[dict]) -> bytes:
    return orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2)
