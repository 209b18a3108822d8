"""The rights ledger: AGDREF's rights-carrying rows read in SQL, moved into ANEF's database with
COPY, compared there with ANEF's rows; the few pairs that differ are judged by ``rights.rules``.

Blocking; one AGDREF statement (a consistent snapshot of it) and one ANEF transaction. Raises what
the databases raise. Memory holds the differing pairs only: AGDREF's reading goes through a
spooled file (in memory up to 64 MB, on disk beyond).
"""
from __future__ import annotations

import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine

from rights import anef_reading as target
from rights import legacy_reading as source
from rights.identity import anef_scope, department_codes
from rights.rules import MEASURE, Document, Finding, RightsKind, compare, urgency_days

HORIZON_DAYS = 90        # a right starting within this many days is a right the person holds
LOOKBACK_DAYS = 365      # a grant this recent must be in ANEF


@dataclass(frozen=True)
class RightsDivergence:
    numero_etranger: str
    kind: RightsKind
    scope: str
    fields: tuple[tuple[str, object, object], ...]   # (field, AGDREF, ANEF)
    urgency_days: int | None


@dataclass(frozen=True)
class ScopeRights:
    persons_with_rights: int   # AGDREF: a right today, or a renewal filed before it ended
    covered: int               # of those, migrated into ANEF and neither parked nor held
    at_risk: int               # persons with at least one rights divergence


@dataclass
class LedgerReading:
    today: date
    horizon_days: int
    documents: int = 0
    seconds: float = 0.0
    scopes: dict[str, ScopeRights] = field(default_factory=dict)
    divergences: list[RightsDivergence] = field(default_factory=list)

    def at_risk(self, scope: str | None = None) -> int:
        """Persons with a right at risk, in one scope or (None) everywhere."""
        return len({d.numero_etranger for d in self.divergences if scope is None or d.scope == scope})

    def confirmed_by(self, earlier: LedgerReading) -> LedgerReading:
        """This reading, keeping only the findings (person, kind) an earlier reading also made: a
        change in flight between the two systems at the first reading is gone by the second."""
        kept = {(d.numero_etranger, d.kind) for d in earlier.divergences}
        found = [d for d in self.divergences if (d.numero_etranger, d.kind) in kept]
        confirmed = LedgerReading(self.today, self.horizon_days, self.documents, self.seconds + earlier.seconds,
                                  divergences=found)
        for scope, rights in self.scopes.items():
            at_risk = len({d.numero_etranger for d in found if d.scope == scope})
            confirmed.scopes[scope] = ScopeRights(rights.persons_with_rights, rights.covered, at_risk)
        return confirmed

    def summary(self) -> dict:
        """Per scope, for the run's record and the evidence chain (counts only)."""
        return {"today": self.today.isoformat(), "horizon_days": self.horizon_days, "documents": self.documents,
                "scopes": {s: vars(r) for s, r in sorted(self.scopes.items())}}


def _pyformat(sql: str) -> str:
    """SQLAlchemy's ``:name`` binds as psycopg2's ``%(name)s`` (COPY takes no bind parameters, so
    the statement is rendered by the driver's own quoting)."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


def _document(values: tuple, origin: str = "AGDREF") -> Document:
    kind, number, holder, _, start, end, work, renewals, status, filed, annulled, appeal, delay, executed = values[:14]
    return Document(kind, number, holder, start or "", end or "", work, renewals, status or "", filed or "",
                    annulled or "", appeal or "", delay, executed or "", origin)


def read(agdref: Engine, anef: Engine, today: date, horizon_days: int = HORIZON_DAYS,
         lookback_days: int = LOOKBACK_DAYS) -> LedgerReading:
    started = time.monotonic()
    day = today.strftime("%Y%m%d")
    params = {"today": day, "horizon_end": (today + timedelta(days=horizon_days)).strftime("%Y%m%d"),
              "lookback": (today - timedelta(days=lookback_days)).strftime("%Y%m%d"),
              "department_codes": department_codes()}
    reading = LedgerReading(today, horizon_days)
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        legacy = agdref.raw_connection()
        try:
            with legacy.cursor() as cur:
                # JIT compiles the reading's expressions before running them: 2.1 of 2.4 s at 20,000
                # persons, measured; the scans themselves take 0.3 s. A session setting, AGDREF unchanged.
                cur.execute("SET jit = off")
                statement = cur.mogrify(_pyformat(source.QUERY), params).decode()
                cur.copy_expert(f"COPY ({statement}) TO STDOUT", spool)
                reading.documents = max(cur.rowcount, 0)
            legacy.rollback()
        finally:
            legacy.close()
        spool.seek(0)
        found, ends, scopes = _compare_in_anef(anef, spool, params)
    for (holder, kind, scope), findings in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        reading.divergences.append(RightsDivergence(
            holder, kind, scope, tuple((f.field, f.agdref, f.anef) for f in findings),
            urgency_days(findings, tuple(ends.get(holder, ())), today)))
    at_risk: dict[str, set[str]] = defaultdict(set)
    for d in reading.divergences:
        at_risk[d.scope].add(d.numero_etranger)
    for scope in set(scopes) | set(at_risk):
        persons, covered = scopes.get(scope, (0, 0))
        reading.scopes[scope] = ScopeRights(persons, covered, len(at_risk.get(scope, ())))
    reading.seconds = time.monotonic() - started
    return reading


def _compare_in_anef(anef: Engine, spool, params: dict):
    found: dict[tuple[str, RightsKind, str], list[Finding]] = defaultdict(list)
    today = params["today"]
    raw = anef.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(target.CREATE_TEMP)
            cur.copy_expert(f"COPY {target.TEMP_TABLE} ({', '.join(source.COLUMNS)}) FROM STDIN", spool)
            cur.execute(target.INDEX_TEMP)
            for kind in ("permit", "receipt", "application", "measure"):
                cur.execute(target.differing_pairs(kind))
                for row in cur:
                    mine = _document(row[:14])
                    theirs = None if row[15] is None else _document((kind, row[15], row[16], "", *row[17:27]),
                                                                    origin=row[27])
                    for finding in compare(mine, theirs, today):
                        found[(mine.holder, finding.kind, row[3])].append(finding)
            cur.execute(target.measures_only_in_anef())
            for row in cur:
                theirs = _document((MEASURE, row[0], row[1], "", *row[2:12]), origin=row[12])
                for finding in compare(None, theirs, today):
                    found[(theirs.holder, finding.kind, anef_scope(row[13]))].append(finding)
            cur.execute(_pyformat(target.COVERAGE), params)
            scopes = {scope: (persons, covered) for scope, persons, covered in cur}
            holders = sorted({holder for holder, _, _ in found})
            ends: dict[str, list[str]] = defaultdict(list)
            if holders:
                for sql in (target.RIGHTS_ENDS_AGDREF, target.RIGHTS_ENDS_ANEF):
                    cur.execute(_pyformat(sql), {**params, "holders": holders})
                    for holder, end in cur:
                        if end:
                            ends[holder].append(end)
        raw.rollback()  # the temporary table goes with the transaction; nothing was written
    finally:
        raw.close()
    return found, ends, scopes
