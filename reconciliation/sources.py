"""Reading a few dossiers whole from each system, for the deep comparison of suspects and for
``reconcile --dossier``. Every look-up goes through an index (foreigner numbers), so one person
costs a handful of milliseconds whatever the size of the databases.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import ARRAY, Connection, Text, bindparam, select, text

from domain import decisions
from domain.assembly import assemble, owner
from domain.dossier import DossierMapped, DossierRejected, LegacyDossier, map_dossier
from domain.validity import valid_on
from schemas import agdref_tables as legacy
from schemas.anef_tables import CHILD_TABLES, conflict, legacy_row, parked, pending, usager, written
from schemas.control_tables import not_written_back_sql
from schemas.legacy_models import LEGACY_MODELS

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHILD_LISTS = {"titre": "titres", "demande": "demandes", "attestation": "attestations",
               "mesure_eloignement": "mesures"}


def forms(numbers: set[str]) -> list[str]:
    """The raw forms a normalised number may have in AGDREF (a leading zero lost, space-padded)."""
    found = set(numbers)
    found |= {n[1:] + " " for n in numbers if len(n) == 10 and n.startswith("0")}
    return sorted(found)


def _table(name: str):
    return legacy.metadata.tables[f"{legacy.SCHEMA}.{name}"]


def load_legacy(agdref: Connection, numbers: set[str]) -> dict[str, LegacyDossier]:
    """The legacy dossiers holding any of ``numbers``, aliases followed both ways, by root."""
    persons = _table("etranger")
    records: dict[tuple, object] = {}
    seen: set[str] = set()
    frontier = set(numbers)
    while frontier:
        raw = forms(frontier)
        rows = agdref.execute(select(persons).where(
            persons.c.num_etranger.in_(raw) | persons.c.num_etranger_ref.in_(raw),
            text(not_written_back_sql("etranger", "agdref.etranger")))).mappings().all()
        seen |= frontier
        found = set()
        for row in rows:
            records[(row["num_etranger"],)] = row
            found |= {owner(row["num_etranger"]), owner(row["num_etranger_ref"])} - {None}
        frontier = found - seen
    # Built without validation: the rows come from AGDREF's own columns, which is what the models
    # describe (validating costs as much as the mapping)
    rows_by_table: dict[str, list] = {"etranger": [LEGACY_MODELS["etranger"].model_construct(**r)
                                                   for r in records.values()]}
    raw = forms(seen)
    for name in legacy.CAPTURED_TABLES[1:]:
        table = _table(name)
        rows_by_table[name] = [LEGACY_MODELS[name].model_construct(**r) for r in
                               agdref.execute(select(table).where(
                                   table.c.num_etranger.in_(raw), text(not_written_back_sql(name, f"agdref.{name}"))
                               )).mappings()]
    return assemble(rows_by_table)


def with_recorded_decisions(anef: Connection, dossiers: dict[str, LegacyDossier]) -> dict[str, LegacyDossier]:
    """The dossiers with the decisions people recorded on them (kept in ANEF's database), as the
    worker maps them."""
    if not dossiers:
        return dossiers
    return decisions.attach(dossiers, anef.execute(text(decisions.LOAD_SQL), {"numbers": sorted(dossiers)}).all())


def mapped(dossier: LegacyDossier) -> tuple[dict | None, DossierRejected | None]:
    """The legacy dossier in ANEF's terms (a dict like ``Dossier.model_dump()``), or its rejection."""
    outcome = map_dossier(dossier, EPOCH)
    if isinstance(outcome, DossierMapped):
        return outcome.dossier.model_dump(), None
    if isinstance(outcome, DossierRejected):
        return None, outcome
    return None, None  # erased: nothing is expected in ANEF


def legacy_rights(dossier: LegacyDossier, today: date) -> tuple[bool, int | None]:
    """From the raw legacy rows (a rejected dossier has no mapping): whether a permit or receipt
    is valid today, and the days until the first of them runs out (None: permanent or unreadable)."""
    day = today.strftime("%Y%m%d")
    spans = [(r.date_debut_val, r.date_fin_val) for r in dossier.titres] + \
            [(r.date_debut, r.date_fin) for r in dossier.documents]
    valid, left = False, []
    for start, end in spans:
        if not valid_on(start, end, day):
            continue
        valid = True
        days = days_until(end, today)
        if days is not None:
            left.append(days)
    return valid, min(left, default=None)


def days_until(end: str, today: date) -> int | None:
    """Days from today to a legacy ``YYYYMMDD`` end date; None for a permanent one (00000000) or a
    partial or impossible date: valid, with no end to count down to."""
    try:
        return (date(int(end[:4]), int(end[4:6]), int(end[6:8])) - today).days
    except ValueError:
        return None


def load_anef(anef: Connection, roots: set[str]) -> dict[str, dict]:
    """What ANEF holds of these persons, its own rows left out, by number (absent: no migrated
    person)."""
    numbers = sorted(roots)
    found: dict[str, dict] = {}
    for row in anef.execute(select(usager).where(usager.c.numero_etranger.in_(numbers),
                                                 usager.c.origine == "AGDREF")).mappings():
        found[row["numero_etranger"].rstrip()] = {"usager": dict(row), **{n: [] for n in CHILD_LISTS.values()}}
    for table in CHILD_TABLES:
        for row in anef.execute(select(table).where(table.c.numero_etranger.in_(numbers),
                                                    table.c.origine == "AGDREF")).mappings():
            holder = row["numero_etranger"].rstrip()
            found.setdefault(holder, {"usager": None, **{n: [] for n in CHILD_LISTS.values()}})
            found[holder][CHILD_LISTS[table.name]].append(dict(row))
    return found


@dataclass
class PipelineView:
    """Where dossiers stand in the pipeline."""

    parked: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # root → reason, field, members
    conflicts: dict[str, list[str]] = field(default_factory=dict)                # root → ANEF rows changed
    waiting: set[str] = field(default_factory=set)                               # numbers waiting for a rebuild
    recorded_at: dict[str, datetime] = field(default_factory=dict)               # number → newest legacy commit kept
    written_rows: dict[str, int] = field(default_factory=dict)                   # number → ANEF rows the pipeline wrote


def pipeline_view(anef: Connection, numbers: set[str] | None) -> PipelineView:
    """The parking, conflicts and waiting marks of these numbers (None: every parked and held one)."""
    view = PipelineView()
    wanted = sorted(numbers) if numbers is not None else None
    query = select(parked.c.numero_etranger, parked.c.reason, parked.c.field, parked.c.members)
    if wanted is not None:
        query = query.where(parked.c.members.op("&&")(bindparam("members", wanted, type_=ARRAY(Text))))
    view.parked = {r[0]: (r[1], r[2], list(r[3])) for r in anef.execute(query)}
    query = select(conflict.c.numero_etranger, conflict.c.rows)
    view.conflicts = {r[0]: list(r[1]) for r in anef.execute(
        query if wanted is None else query.where(conflict.c.numero_etranger.in_(wanted)))}
    if wanted is not None:
        view.waiting = set(anef.execute(select(pending.c.numero_etranger)
                                        .where(pending.c.numero_etranger.in_(wanted))).scalars())
        view.recorded_at = {n: at for n, at in anef.execute(text(
            f"SELECT numero_etranger, max(committed_at) FROM {legacy_row.schema}.{legacy_row.name}"
            " WHERE numero_etranger = ANY(CAST(:n AS text[])) GROUP BY 1"), {"n": wanted})}
        view.written_rows = {n: int(c) for n, c in anef.execute(text(
            f"SELECT numero_etranger, count(*) FROM {written.schema}.{written.name}"
            " WHERE numero_etranger = ANY(CAST(:n AS text[])) GROUP BY 1"), {"n": wanted})}
    return view
