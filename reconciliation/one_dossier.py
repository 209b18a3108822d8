"""``reconcile --dossier NUMERO``: one person, now, for the contact centre's engineer.

Both systems' values side by side, every divergence with its severity, and where the dossier
stands in the pipeline. Everything is read by index (a handful of queries per system), so it
answers in well under a second whatever the size of the databases. It shows personal data:
the command is for engineers; the reports mask it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

from domain.assembly import owner
from domain.version import mapping_version
from reconciliation import fingerprints as fp
from reconciliation.compare import CHILD_LISTS, IGNORED_FIELDS, PipelineState, compare
from reconciliation.divergence import Divergence
from reconciliation.sources import legacy_rights, load_anef, load_legacy, mapped, pipeline_view, with_recorded_decisions


@dataclass
class DossierLookUp:
    numero: str
    root: str | None = None                  # the reference person, when ``numero`` is an alias
    agdref: dict | None = None               # AGDREF through the mapping
    rejections: list[str] = field(default_factory=list)  # when the mapping rejects it: reason (table.field)
    legacy_rows: list[tuple[str, dict]] = field(default_factory=list)  # then AGDREF's rows as they are
    anef: dict | None = None
    divergences: list[Divergence] = field(default_factory=list)
    pipeline: dict[str, Any] = field(default_factory=dict)

    def side_by_side(self) -> list[tuple[str, Any, Any]]:
        """(field, AGDREF value, ANEF value) for the person and every child row, by number."""
        lines = []
        want, have = (self.agdref or {}).get("usager") or {}, (self.anef or {}).get("usager") or {}
        for name in dict.fromkeys([*want, *have]):
            if name not in IGNORED_FIELDS:
                lines.append((f"usager.{name}", want.get(name), have.get(name)))
        for list_name, table, key in CHILD_LISTS:
            mine = {str(r[key]).rstrip(): r for r in (self.agdref or {}).get(list_name) or ()}
            theirs = {str(r[key]).rstrip(): r for r in (self.anef or {}).get(list_name) or ()}
            for number in sorted(set(mine) | set(theirs)):
                a, b = mine.get(number) or {}, theirs.get(number) or {}
                for name in dict.fromkeys([*a, *b]):
                    if name not in IGNORED_FIELDS and name not in (key, "numero_etranger"):
                        lines.append((f"{table}[{number}].{name}", a.get(name), b.get(name)))
        return lines


def look_up(agdref: Engine, anef: Engine, numero: str, today: date | None = None) -> DossierLookUp:
    """Everything about one foreigner number (normalised like the pipeline does)."""
    today = today or date.today()
    number = owner(numero) or numero.strip()
    result = DossierLookUp(number)
    with agdref.connect() as conn:
        legacy = load_legacy(conn, {number})
    with anef.connect() as conn:
        legacy = with_recorded_decisions(conn, legacy)
    dossier = next((d for d in legacy.values() if number == d.numero or
                    any(owner(p.num_etranger) == number for p in (*d.persons, *d.aliases))), None)
    root = dossier.numero if dossier else number
    result.root = root if root != number else None
    members = {root, number} | ({owner(p.num_etranger) for p in (*dossier.persons, *dossier.aliases)} - {None}
                                if dossier else set())
    with agdref.connect() as conn:
        agdref_sums = fp.agdref_sums_of(conn, members)
    with anef.connect() as conn:
        held = load_anef(conn, members)
        view = pipeline_view(conn, members)
        recorded_sums = fp.recorded_sums_of(conn, members)
        made_by = conn.execute(text("SELECT mapping_version FROM migration.mapped_with WHERE numero_etranger = :n"),
                               {"n": root}).scalar()
        history = [f"{r.reason} ({r.source_table}[{r.source_key.strip()}].{r.field}): {r.detail}" for r in conn.execute(
            text("SELECT reason, source_table, source_key, field, detail FROM migration.not_carried"
                 " WHERE numero_etranger = :n ORDER BY source_table, source_key"), {"n": root})]
    behind = fp.differing_owners(agdref_sums, recorded_sums)
    result.anef = held.get(root)
    parked = view.parked.get(root)
    state = PipelineState(parked_reason=parked[0] if parked else None, parked_field=parked[1] if parked else None,
                          conflict_rows=tuple(view.conflicts.get(root, ())), legacy_behind=bool(behind))
    if dossier is not None:
        result.agdref, rejection = mapped(dossier)
        if rejection is not None:
            result.rejections = [f"{r.reason.value} ({r.table}.{r.field}): {r.detail}" for r in rejection.remediations]
            # nothing in ANEF's terms to show: the legacy rows themselves, for the person who fixes them
            result.legacy_rows = [(table, row.model_dump()) for table, rows in (
                ("etranger", (*dossier.persons, *dossier.aliases)), ("adresse", dossier.adresses),
                ("demande", dossier.demandes), ("titre", dossier.titres), ("doc_provisoire", dossier.documents),
                ("mesure_eloignement", dossier.mesures)) for row in rows]
            if not parked:
                state = PipelineState(rejected_reason=rejection.remediations[0].reason.value,
                                      legacy_behind=bool(behind))
        valid, days = legacy_rights(dossier, today)
        state = PipelineState(**{**state.__dict__, "legacy_right_today": valid, "legacy_days_left": days})
    result.divergences = compare(root, result.agdref, result.anef, state, today)
    waiting = sorted(members & view.waiting)
    result.pipeline = {
        "in_flight": bool(waiting or behind),
        "waiting_for_rebuild": bool(waiting),
        "agdref_rows_not_yet_recorded": bool(behind),
        "parked": {"reason": parked[0], "field": parked[1]} if parked else None,
        "conflict": list(view.conflicts.get(root, [])) or None,
        # the legacy commit time of the newest change recorded: when nothing is in flight, the
        # state ANEF reflects
        "legacy_state_of": max((view.recorded_at[n] for n in members if n in view.recorded_at), default=None),
        "anef_rows_written": sum(view.written_rows.get(n, 0) for n in members),
        # which mapping made what ANEF holds; another than the running one: rebuild --outdated-mapping
        "mapping_version": made_by,
        # (HIS1) historical rows left out for a defect: "not carried: defective history"
        "not_carried_defective_history": history or None,
        "made_by_current_mapping": made_by == mapping_version() if made_by else None,
    }
    return result
