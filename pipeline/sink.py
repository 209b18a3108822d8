"""The ANEF sink: carries out a batch of actions in one database transaction.

Idempotent by construction: every legacy row's last applied position is kept in
``migration.lineage``, and an action whose position is not newer than the stored one is skipped.
Replays after a crash, duplicates from the connector and restarts are therefore harmless. Rows
that ANEF created itself (``origine = 'ANEF'``) are never updated or deleted.

Blocking (it is synchronous SQLAlchemy): the worker calls it from a thread, never on its event loop.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, delete, select, text
from sqlalchemy.dialects.postgresql import insert

from pipeline.actions import Action, DeadLetter, ErasePerson, MergeAlias, Park, SourceRow, UpsertPerson
from schemas.anef_tables import lineage, parked, usager


@dataclass
class SinkResult:
    applied: int = 0
    skipped_as_replay: int = 0
    parked: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class AnefSink:
    def __init__(self, db: Engine) -> None:
        self._db = db

    def apply(self, actions: list[Action]) -> SinkResult:
        """Apply the batch atomically: all of it is committed, or none (then it raises and the
        caller retries the same batch; positions make the retry exact). Dead letters are not the
        sink's business and are ignored here."""
        result = SinkResult()
        with self._db.begin() as conn:
            for action in actions:
                if isinstance(action, DeadLetter):
                    continue
                if not _newer_than_applied(conn, action.row):
                    result.skipped_as_replay += 1
                    continue
                kind = type(action).__name__
                result.by_kind[kind] = result.by_kind.get(kind, 0) + 1
                if isinstance(action, UpsertPerson):
                    _upsert_person(conn, action)
                elif isinstance(action, ErasePerson):
                    _erase_person(conn, action.row)
                elif isinstance(action, MergeAlias):
                    _remove_own_row(conn, action.row.numero)
                elif isinstance(action, Park):
                    _park(conn, action)
                    result.parked += 1
                if not isinstance(action, Park):
                    _unpark(conn, action.row)
                _record_position(conn, action.row, deleted=isinstance(action, ErasePerson))
                result.applied += 1
        return result


def _newer_than_applied(conn: Connection, row: SourceRow) -> bool:
    """Lock the row's lineage and say whether this change is newer than what was applied."""
    applied = conn.execute(
        select(lineage.c.position)
        .where(lineage.c.source_table == row.table, lineage.c.source_key == row.key)
        .with_for_update()
    ).scalar_one_or_none()
    return applied is None or row.position > applied


def _record_position(conn: Connection, row: SourceRow, deleted: bool) -> None:
    stmt = insert(lineage).values(
        source_table=row.table, source_key=row.key, numero_etranger=row.numero[:10], position=row.position,
        deleted=deleted, written_at=text("now()"),
    )
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[lineage.c.source_table, lineage.c.source_key],
        set_={"position": stmt.excluded.position, "deleted": stmt.excluded.deleted,
              "numero_etranger": stmt.excluded.numero_etranger, "written_at": stmt.excluded.written_at},
    ))


def _upsert_person(conn: Connection, action: UpsertPerson) -> None:
    values = action.usager.model_dump()
    stmt = insert(usager).values(**values)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[usager.c.numero_etranger],
        set_={k: stmt.excluded[k] for k in values if k != "numero_etranger"},
        where=usager.c.origine == "AGDREF",  # never overwrite a person created in ANEF
    ))


def _remove_own_row(conn: Connection, numero: str) -> None:
    conn.execute(delete(usager).where(usager.c.numero_etranger == numero, usager.c.origine == "AGDREF"))


def _erase_person(conn: Connection, row: SourceRow) -> None:
    _remove_own_row(conn, row.numero)
    conn.execute(delete(parked).where(parked.c.numero_etranger == row.numero[:10]))


def _park(conn: Connection, action: Park) -> None:
    first = action.remediations[0]
    stmt = insert(parked).values(
        source_table=action.row.table, source_key=action.row.key, numero_etranger=action.row.numero[:10],
        position=action.row.position, reason=first.reason.value, field=first.field,
        detail=json.dumps([{"reason": r.reason.value, "field": r.field, "detail": r.detail}
                           for r in action.remediations], ensure_ascii=False),
        event=action.event.decode("utf-8"), parked_at=text("now()"),
    )
    conn.execute(stmt.on_conflict_do_update(
        index_elements=[parked.c.source_table, parked.c.source_key],
        set_={c: stmt.excluded[c] for c in ("numero_etranger", "position", "reason", "field", "detail", "event",
                                             "parked_at")},
    ))


def _unpark(conn: Connection, row: SourceRow) -> None:
    conn.execute(delete(parked).where(parked.c.source_table == row.table, parked.c.source_key == row.key))
