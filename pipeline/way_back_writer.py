"""The way back's writer (issue 18): what ANEF created for a person, written into AGDREF in the
legacy's form, one AGDREF transaction per person.

For each foreigner number a captured change named, under that number's lock in AGDREF:
1. read the rows ANEF created for it (``origine = 'ANEF'``), in one repeatable-read transaction:
   ANEF's transactions are seen whole;
2. turn them round (``domain.inverse``); a row the legacy cannot hold is held back, listed;
3. write them, and delete the rows the way back wrote before that ANEF no longer has, in one AGDREF
   transaction under the way back's replication origin, which the forward connector skips: they
   never come back to ANEF.

Why it is safe:
- **Never backwards.** The lock is taken before ANEF is read: a writer that read ANEF later also
  writes later. The Kafka event is only a trigger; what is written is ANEF's state at the read.
- **Idempotent.** Writing the same state again changes nothing (the rows are compared first).
- **Never over the legacy application.** Every row written is recorded with the fingerprint of
  what was stored (``agdref_anef.way_back_row``, same transaction). A row AGDREF holds under that
  key that the way back did not write, or changed since, is held (``way_back_hold``), not written.
Blocking (psycopg2, SQLAlchemy): run in a thread.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg2
import psycopg2.extras
from sqlalchemy import Engine, select, text

from common.db import psycopg2_dsn
from common.log import get_logger
from domain.inverse import FORMS, LegacyForm, NotRepresentable
from schemas import anef_models, anef_tables
from schemas.agdref_tables import SCHEMA, primary_key_columns
from schemas.control_tables import CONTROL_SCHEMA, way_back_key
from schemas.rejections import WayBackReason as Why
from schemas.topics import WAY_BACK_TABLES

log = get_logger(__name__)

_MODELS = {"usager": anef_models.Usager, "titre": anef_models.Titre, "demande": anef_models.Demande,
           "attestation": anef_models.Attestation, "mesure_eloignement": anef_models.MesureEloignement}


@dataclass
class WrittenBack:
    persons: int = 0
    written: int = 0     # legacy rows inserted or changed
    deleted: int = 0
    held: int = 0        # ANEF rows not written (conflict or not representable)
    losses: int = 0

    def add(self, other: WrittenBack) -> None:
        for name in ("persons", "written", "deleted", "held", "losses"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Plan:
    """One person's way back, worked out before anything is written."""

    number: str
    writes: list[tuple[LegacyForm, str, str, dict[str, Any]]] = field(default_factory=list)  # form, table, key, row
    holds: list[dict[str, Any]] = field(default_factory=list)


def digest(row: dict[str, Any]) -> str:
    """A stored legacy row's fingerprint (``char`` padding ignored): the way back's record of
    what it wrote, compared with what AGDREF holds before any overwrite."""
    plain = {k: v.rstrip() if isinstance(v, str) else v for k, v in row.items()}
    return hashlib.md5(orjson.dumps(plain, option=orjson.OPT_SORT_KEYS)).hexdigest()


class WayBackWriter:
    def __init__(self, agdref_url: str, anef: Engine, origin: str) -> None:
        self._dsn, self._anef, self._origin = psycopg2_dsn(agdref_url), anef, origin
        self._conn: Any = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def write(self, numbers: Iterable[str]) -> WrittenBack:
        """Write back every person of ``numbers``, in one AGDREF transaction (each person whole).
        Raises psycopg2's or SQLAlchemy's ``OperationalError`` when a database cannot be reached
        (nothing of the batch is committed; call again)."""
        result = WrittenBack()
        try:
            self._write(sorted(set(numbers)), result)
        except psycopg2.OperationalError:
            self.close()
            raise
        return result

    def _session(self):
        """The writer's own AGDREF connection, declared a replica of ANEF (its replication origin):
        PostgreSQL marks every transaction it commits, and the forward connector skips them."""
        if self._conn is None or self._conn.closed:
            conn = psycopg2.connect(self._dsn)
            with conn, conn.cursor() as cur:
                cur.execute("SELECT pg_replication_origin_oid(%s)", (self._origin,))
                if cur.fetchone()[0] is None:
                    cur.execute("SELECT pg_replication_origin_create(%s)", (self._origin,))
            with conn, conn.cursor() as cur:
                cur.execute("SELECT pg_replication_origin_session_setup(%s)", (self._origin,))
            self._conn = conn
        return self._conn

    def _write(self, numbers: list[str], result: WrittenBack) -> None:
        if not numbers:
            return
        conn = self._session()
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            # Locks in one order (no deadlock between two workers), taken before ANEF is read.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('way-back:' || n)) FROM unnest(%s::text[]) AS n"
                        " ORDER BY n", (numbers,))
            previous = _previous(cur, numbers)
            plans, forms = [], []
            for number, rows in _anef_rows(self._anef, numbers).items():
                plan = _Plan(number)
                plans.append(plan)
                for table, row in rows:
                    try:
                        forms.append((plan, FORMS[table](row, _address_number(cur, number, previous[number]))
                                      if table == "usager" else FORMS[table](row)))
                    except NotRepresentable as refused:
                        plan.holds.append(_hold(number, refused.table, refused.key, "not_representable",
                                                refused.reason, refused.field, refused.detail))
            current = _current_rows(cur, numbers, [(t, r) for _, f in forms for t, r in f.rows], previous)
            for plan, form in forms:
                _plan_form(plan, form, previous[plan.number], current)
            for plan in plans:
                record = previous[plan.number]
                for form, table, key, row in plan.writes:
                    result.written += _upsert(cur, plan.number, form, table, key, row, record.get((table, key)))
                # What the way back wrote before and ANEF no longer has goes; a row whose ANEF row
                # is held now stays as it was (held is not removed).
                written = {(t, k) for _, t, k, _ in plan.writes}
                held = {(h["anef_table"], h["anef_key"]) for h in plan.holds}
                for (table, key), was in record.items():
                    if (table, key) not in written and (was["anef_table"], was["anef_key"]) not in held:
                        result.deleted += _delete(cur, plan, table, key, was, current.get((table, key)))
                result.held += len(plan.holds)
                result.losses += sum(len(f.losses) for f, *_ in plan.writes)
            _replace_lists(cur, numbers, plans)
        result.persons += len(numbers)


def drop_origins(agdref: Engine, prefix: str) -> None:
    """Drop the replication origins named ``prefix…`` (a decommissioned worker, a test's): each
    origin holds one of the server's ``max_replication_slots`` states once used. Raises when one
    is still in use (its worker is running)."""
    with agdref.begin() as conn:
        for name in conn.execute(text("SELECT roname FROM pg_replication_origin WHERE starts_with(roname, :p)"),
                                 {"p": prefix}).scalars().all():
            conn.execute(text("SELECT pg_replication_origin_drop(:n)"), {"n": name})


def persons_to_write_back(agdref: Engine, anef: Engine, scope: str | None = None) -> list[str]:
    """Every person ANEF created rows for (of the prefecture ``scope``: the person's, or a permit's
    or application's), and, without a scope, every person the way back wrote rows for before
    (their rows ANEF no longer has are deleted): what a resync writes back."""
    tables = [f"SELECT rtrim(t.numero_etranger) FROM anef.{name} t WHERE t.origine = 'ANEF'"
              + ("" if scope is None else f" AND {anef_tables.prefecture_sql(name)} = :s") for name in WAY_BACK_TABLES]
    with anef.connect() as conn:
        found = set(conn.execute(text(" UNION ".join(tables)), {"s": scope}).scalars())
    if scope is None:
        with agdref.connect() as conn:
            found |= set(conn.execute(text("SELECT DISTINCT rtrim(numero_etranger) FROM agdref_anef.way_back_row"))
                         .scalars())
    return sorted(found)


def _anef_rows(anef: Engine, numbers: list[str]) -> dict[str, list[tuple[str, Any]]]:
    """Per number, the rows ANEF created for it (table, model), every table read in one
    repeatable-read transaction: ANEF's transactions are seen whole."""
    found: dict[str, list[tuple[str, Any]]] = {n: [] for n in numbers}
    with anef.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        for name in WAY_BACK_TABLES:
            table = anef_tables.metadata.tables[f"{anef_tables.SCHEMA}.{name}"]
            for r in conn.execute(select(table).where(table.c.numero_etranger.in_(numbers), table.c.origine == "ANEF")):
                row = _MODELS[name].model_validate(dict(r._mapping))
                found[row.numero_etranger].append((name, row))
    return found


def _previous(cur, numbers: list[str]) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    """Per number, the legacy rows the way back wrote for it, with their fingerprints."""
    found: dict[str, dict[tuple[str, str], dict[str, Any]]] = {n: {} for n in numbers}
    cur.execute(f"SELECT * FROM {CONTROL_SCHEMA}.way_back_row WHERE numero_etranger = ANY(%s)", (numbers,))
    for r in cur.fetchall():
        found[r["numero_etranger"]][(r["source_table"], r["source_key"])] = r
    return found


def _address_number(cur, number: str, previous: dict[tuple[str, str], dict[str, Any]]) -> int:
    """The order number of the way back's address row: the one it wrote before, else the next
    after AGDREF's highest (the current address is the highest ``num_ordre``)."""
    for table, key in previous:
        if table == "adresse":
            return int(key.split("|")[1])
    cur.execute(f"SELECT coalesce(max(num_ordre), 0) + 1 AS n FROM {SCHEMA}.adresse WHERE num_etranger = %s", (number,))
    return int(cur.fetchone()["n"])


def _current_rows(cur, numbers: list[str], planned: list[tuple[str, dict[str, Any]]],
                  previous: dict[str, dict[tuple[str, str], dict[str, Any]]]) -> dict[tuple[str, str], dict[str, Any]]:
    """What AGDREF holds, locked, under every key the batch may write or delete: (table, key) → row."""
    keys: dict[str, set[str]] = {}
    for table, row in planned:
        keys.setdefault(table, set()).add(way_back_key(table, row))
    for record in previous.values():
        for table, key in record:
            keys.setdefault(table, set()).add(key)
    found = {}
    for table, wanted in keys.items():
        if table == "adresse":  # two-column key: by holder, then matched
            cur.execute(f"SELECT * FROM {SCHEMA}.adresse WHERE num_etranger = ANY(%s::bpchar[]) FOR UPDATE", (numbers,))
        else:
            [column] = primary_key_columns(table)
            cur.execute(f"SELECT * FROM {SCHEMA}.{table} WHERE {column} = ANY(%s::bpchar[]) FOR UPDATE", (sorted(wanted),))
        for row in cur.fetchall():
            key = way_back_key(table, row)
            if key in wanted:
                found[(table, key)] = row
    return found


def _plan_form(plan: _Plan, form: LegacyForm, previous: dict[tuple[str, str], dict[str, Any]],
               current: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Every row of the form written, or the whole form held when AGDREF holds one of its rows
    otherwise than the way back left it."""
    rows = [(table, way_back_key(table, row), row) for table, row in form.rows]
    for table, key, _ in rows:
        stored, record = current.get((table, key)), previous.get((table, key))
        if stored is None and record is None:
            continue
        if record is None:
            reason = Why.CLE_PRISE_DANS_AGDREF
        elif stored is None or digest(stored) != record["digest"]:
            reason = Why.MODIFIEE_DANS_AGDREF
        else:
            continue
        plan.holds.append(_hold(plan.number, form.table, form.key, "conflict", reason, table, f"agdref.{table}"))
        return
    plan.writes.extend((form, table, key, row) for table, key, row in rows)


def _upsert(cur, number: str, form: LegacyForm, table: str, key: str, row: dict[str, Any],
            record: dict[str, Any] | None) -> int:
    """Write one legacy row and record its fingerprint; nothing when AGDREF already holds it as
    ANEF says (checked in ``_plan_form``: what is stored is what the way back last wrote)."""
    if record is not None and record["digest"] == digest(row):
        return 0
    columns = list(row)
    keys = primary_key_columns(table)
    changes = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    cur.execute(f"INSERT INTO {SCHEMA}.{table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
                f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {changes} RETURNING *", [row[c] for c in columns])
    stored = digest(cur.fetchone())
    # clock_timestamp(): the write's own time, late in its transaction (bench.way_back's freshness).
    cur.execute(f"INSERT INTO {CONTROL_SCHEMA}.way_back_row (source_table, source_key, numero_etranger, anef_table,"
                " anef_key, digest, written_at) VALUES (%s, %s, %s, %s, %s, %s, clock_timestamp())"
                " ON CONFLICT (source_table, source_key) DO UPDATE SET digest = excluded.digest,"
                " written_at = excluded.written_at", (table, key, number, form.table, form.key, stored))
    return 1


def _delete(cur, plan: _Plan, table: str, key: str, record: dict[str, Any], stored: dict[str, Any] | None) -> int:
    """A row the way back wrote that ANEF no longer has: deleted, unless the legacy changed it since."""
    if stored is not None and digest(stored) != record["digest"]:
        plan.holds.append(_hold(plan.number, record["anef_table"], record["anef_key"], "conflict",
                                Why.MODIFIEE_DANS_AGDREF, table, "removed in ANEF, changed in AGDREF since"))
        return 0
    keys = primary_key_columns(table)
    values = dict(zip(keys, key.split("|")))
    cur.execute(f"DELETE FROM {SCHEMA}.{table} WHERE {' AND '.join(f'{k} = %s' for k in keys)}",
                [values[k] for k in keys])
    cur.execute(f"DELETE FROM {CONTROL_SCHEMA}.way_back_row WHERE source_table = %s AND source_key = %s", (table, key))
    return 1


def _hold(number: str, anef_table: str, anef_key: str, kind: str, reason: Why, field_name: str,
          detail: str) -> dict[str, Any]:
    return dict(anef_table=anef_table, anef_key=anef_key, numero_etranger=number, kind=kind, reason=reason.value,
                field=field_name, detail=detail)


def _replace_lists(cur, numbers: list[str], plans: list[_Plan]) -> None:
    """What is held and what was lost for these persons, as of this write (replaced whole)."""
    for table in ("way_back_hold", "way_back_loss"):
        cur.execute(f"DELETE FROM {CONTROL_SCHEMA}.{table} WHERE numero_etranger = ANY(%s)", (numbers,))
    holds = [h for plan in plans for h in plan.holds]
    if holds:
        psycopg2.extras.execute_values(
            cur, f"INSERT INTO {CONTROL_SCHEMA}.way_back_hold (anef_table, anef_key, numero_etranger, kind, reason,"
            " field, detail) VALUES %s ON CONFLICT DO NOTHING",
            [(h["anef_table"], h["anef_key"], h["numero_etranger"], h["kind"], h["reason"], h["field"], h["detail"])
             for h in holds])
    losses = [(loss.table, loss.key, loss.field, plan.number, loss.reason.value, loss.detail)
              for plan in plans for form, *_ in plan.writes for loss in form.losses]
    if losses:
        psycopg2.extras.execute_values(
            cur, f"INSERT INTO {CONTROL_SCHEMA}.way_back_loss (anef_table, anef_key, field, numero_etranger, reason,"
            " detail) VALUES %s ON CONFLICT DO NOTHING", losses)
