"""Exhaustive comparison of AGDREF, seen through the mapping, with ANEF, dossier by dossier.

Every legacy dossier is assembled and mapped in Python, and compared field by field with ANEF
(rows created in ANEF are left out). It is exact and simple; the demo, the tests' oracle and
``agdref-anef reconcile counts`` use it to prove the pipeline right. It holds the whole of both
databases in memory: fine for the hundreds of thousands of persons of a test or a rehearsal, not
for the nightly run over 7 million (that engine pushes fingerprints into SQL).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, text

from domain import decisions
from domain.address import current
from domain.assembly import alias_links, assemble, owner, root_of
from domain.dossier import DossierMapped, DossierRejected, map_dossier
from domain.person import is_alias
from schemas import agdref_tables as legacy_tables
from schemas.anef_tables import CHILD_TABLES, conflict, not_carried, parked, usager
from schemas.legacy_models import LEGACY_MODELS

IGNORED_FIELDS = frozenset({"maj_le"})  # bookkeeping, not a legal fact
# Which ANEF table each legacy child table lands in, and which list of the dossier holds it.
CHILD_TARGETS = {"titre": ("titre", "titres"), "demande": ("demande", "demandes"),
                 "doc_provisoire": ("attestation", "attestations"),
                 "mesure_eloignement": ("mesure_eloignement", "mesures")}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class TableCount:
    seeded: int = 0
    migrated: int = 0
    rejected: Counter = field(default_factory=Counter)
    not_carried: int = 0     # address history: ANEF holds the current address only (ADR1)
    history: int = 0         # (HIS1) not carried: defective history, listed in migration.not_carried
    held: int = 0            # not in ANEF because its dossier is held as a conflict (ANEF changed it)
    missing: int = 0         # neither in ANEF nor parked: in flight, or a defect

    @property
    def balanced(self) -> bool:
        return self.seeded == self.migrated + sum(self.rejected.values()) + self.not_carried + self.history + self.held


@dataclass
class DossierComparison:
    dossiers: int = 0
    identical: int = 0
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: dict[str, list[str]] = field(default_factory=dict)
    parked_expected: dict[str, str] = field(default_factory=dict)   # root → first reason
    parked_found: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)  # held dossiers that differ: listed, expected
    history_expected: set = field(default_factory=set)             # (table, key) the rules leave out
    history_found: set = field(default_factory=set)                # (table, key) the pipeline left out
    tables: dict[str, TableCount] = field(default_factory=dict)

    @property
    def consistent(self) -> bool:
        return (not (self.missing or self.unexpected or self.mismatched)
                and self.parked_expected == self.parked_found and self.history_expected == self.history_found
                and all(t.balanced and not t.missing for t in self.tables.values()))


def _clean(value: Any) -> Any:
    return value.rstrip() if isinstance(value, str) else value


def _differences(prefix: str, want: dict, have: dict) -> list[str]:
    return [f"{prefix}.{k}" for k, v in want.items() if k not in IGNORED_FIELDS and _clean(have.get(k)) != _clean(v)]


def _load_agdref(db: Engine) -> dict[str, list]:
    rows: dict[str, list] = {}
    with db.connect() as conn:
        for name, model in LEGACY_MODELS.items():
            table = legacy_tables.metadata.tables[f"{legacy_tables.SCHEMA}.{name}"]
            rows[name] = [model(**r) for r in conn.execute(select(table)).mappings()]
    return rows


def _load_anef(db: Engine) -> tuple[dict, dict, dict]:
    with db.connect() as conn:
        persons = {r["numero_etranger"]: dict(r) for r in
                   conn.execute(select(usager).where(usager.c.origine == "AGDREF")).mappings()}
        children = {}
        for table in CHILD_TABLES:
            key = list(table.primary_key.columns)[0].name
            children[table.name] = {_clean(r[key]): dict(r) for r in
                                    conn.execute(select(table).where(table.c.origine == "AGDREF")).mappings()}
        found = dict(conn.execute(select(parked.c.numero_etranger, parked.c.reason)).all())
        held = set(conn.execute(select(conflict.c.numero_etranger)).scalars())
        history = {(r.source_table, r.source_key.rstrip()) for r in
                   conn.execute(select(not_carried.c.source_table, not_carried.c.source_key))}
    return persons, children, found, held, history


def compare_dossiers(agdref: Engine, anef: Engine) -> DossierComparison:
    """Map every legacy dossier and compare it with ANEF; count every legacy row's fate per table."""
    rows = _load_agdref(agdref)
    persons, children, result_parked, held, history = _load_anef(anef)
    result = DossierComparison(parked_found=result_parked, history_found=history)
    dossiers = assemble(rows)
    with anef.connect() as conn:
        dossiers = decisions.attach(dossiers, conn.execute(text(decisions.LOAD_SQL),
                                                           {"numbers": sorted(dossiers)}).all())
    outcomes = {root: map_dossier(legacy, EPOCH) for root, legacy in dossiers.items()}
    result.dossiers = len(outcomes)
    expected_children: dict[str, set] = {t: set() for t in children}
    for root, outcome in outcomes.items():
        if isinstance(outcome, DossierRejected):
            result.parked_expected[root] = outcome.remediations[0].reason.value
            continue
        if not isinstance(outcome, DossierMapped):
            continue
        dossier = outcome.dossier
        result.history_expected |= {(r.table, r.key.rstrip()) for r in outcome.not_carried}
        have = persons.get(root)
        if have is None:
            result.missing.append(root)
            continue
        diffs = _differences("usager", dossier.usager.model_dump(), have)
        for anef_name, attribute in CHILD_TARGETS.values():
            key = list(next(t for t in CHILD_TABLES if t.name == anef_name).primary_key.columns)[0].name
            for child in getattr(dossier, attribute):
                expected_children[anef_name].add(child.model_dump()[key])
                found = children[anef_name].get(child.model_dump()[key])
                diffs += (_differences(f"{anef_name}[{child.model_dump()[key]}]", child.model_dump(), found)
                          if found else [f"{anef_name}[{child.model_dump()[key]}] missing"])
        if diffs and root in held:
            result.conflicts[root] = diffs
        elif diffs:
            result.mismatched[root] = diffs
        else:
            result.identical += 1
    mapped_roots = {r for r, o in outcomes.items() if isinstance(o, DossierMapped)}
    # A parked dossier keeps in ANEF the last state it was migrated with, its aliases' former
    # rows included (an alias discovered while the reference is parked): not unexpected.
    links = alias_links(rows["etranger"])
    parked_numbers = set(result.parked_expected) | {n for n in links if root_of(n, links) in result.parked_expected}
    result.unexpected = sorted(set(persons) - mapped_roots - parked_numbers)
    for anef_name, found in children.items():
        for key, row in found.items():
            if key not in expected_children[anef_name] and row["numero_etranger"] not in parked_numbers:
                result.unexpected.append(f"{anef_name}[{key}]")
    result.tables = _count_rows(rows, dossiers, outcomes, persons, children, result_parked, held, history)
    return result


def _count_rows(rows, dossiers, outcomes, persons, children, found_parked, held, history) -> dict[str, TableCount]:
    """Each legacy row's fate: migrated (in ANEF), rejected (its dossier is parked, by reason),
    not carried (address history, or a defective historical row), or missing."""
    links = alias_links(rows.get("etranger", ()))
    counts = {name: TableCount() for name in LEGACY_MODELS}
    current_address = {root: current(d.adresses) for root, d in dossiers.items()}
    for table, table_rows in rows.items():
        count = counts[table]
        for row in table_rows:
            count.seeded += 1
            number = owner(getattr(row, "num_etranger", None)) or ""
            root = root_of(number, links) if number in links else number
            outcome = outcomes.get(root)
            if isinstance(outcome, DossierRejected):
                if root in found_parked:
                    count.rejected[found_parked[root]] += 1
                else:
                    count.missing += 1
                continue
            if root not in persons:
                count.missing += 1
                continue
            if table == "etranger":
                merged = is_alias(row) and number in (persons[root]["numeros_alias"] or [])
                count.migrated += 1 if (not is_alias(row) or merged) else 0
                count.missing += 0 if (not is_alias(row) or merged) else 1
            elif table == "adresse":
                if row is current_address.get(root):
                    count.migrated += 1
                else:
                    count.not_carried += 1
            else:
                anef_name = CHILD_TARGETS[table][0]
                key = _clean(getattr(row, list(LEGACY_MODELS[table].model_fields)[0]))
                if key in children[anef_name]:
                    count.migrated += 1
                elif (table, key) in history:
                    count.history += 1
                elif root in held:
                    count.held += 1
                else:
                    count.missing += 1
    return counts
