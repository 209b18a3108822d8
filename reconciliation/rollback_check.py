"""``rollback-check``: does AGDREF hold, for one prefecture, everything ANEF decided itself? (issue 18)

A prefecture switched to ANEF can be switched back only if AGDREF's readers would see every right
ANEF recorded meanwhile: each row ANEF created (``origine = 'ANEF'``) must be in AGDREF under its
key, with the same holder and the same rights-bearing values.

The check reads AGDREF on its own, with its own small code lists written from the contracts
(``shared/spec/agdref.md``, ``mapping.md``), never through ``domain.inverse``: a check that reused
the code it checks would find nothing. It compares only what makes a right (holder, kind, dates
of validity, the work authorisation, an application's decision, a removal measure's protections),
not the text the way back may carry in a lesser form (names, streets: listed as losses, not rights).

A row's scope is its own ``prefecture`` (permit, application), or its holder's for a receipt or a
measure, which have none: ``schemas.anef_tables.prefecture_sql``, the rule the way back's resync
selects by too (which rows a prefecture holds is not what is checked here).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

from reconciliation.divergence import Divergence, FieldDifference, Kind, Severity
from schemas.anef_tables import prefecture_sql

# From the contracts, deliberately not imported from domain/ (see the module's docstring).
_PERMIT_TYPES = {"CARTE_TEMPORAIRE": "CST", "CARTE_PLURIANNUELLE": "CSP", "PASSEPORT_TALENT": "CPT",
                 "CARTE_RESIDENT": "CR", "CARTE_RESIDENT_PERMANENT": "CRP", "AUTORISATION_PROVISOIRE": "APS",
                 "CERTIFICAT_ALGERIEN_1AN": "CRA1", "CERTIFICAT_ALGERIEN_10ANS": "CRA10", "VISA_LONG_SEJOUR": "VLS"}
_DECISIONS = {"EN_INSTRUCTION": "", "ACCORDEE": "F", "REFUSEE": "R", "CLASSEE_SANS_SUITE": "S"}
_RECEIPTS = {"PROLONGATION_INSTRUCTION": "RCP", "DEMANDE_ASILE": "ADA"}


def _day(value: date | None) -> str:
    return "00000000" if value is None else value.strftime("%Y%m%d")


def _flag(value: bool) -> str:
    return "O" if value else "N"


@dataclass(frozen=True)
class _Rule:
    """One ANEF table: its rows in scope, the AGDREF table and key, and the facts that must agree."""

    anef_sql: str
    agdref_table: str
    agdref_key: str
    facts: Callable[[dict[str, Any]], dict[str, str]]   # AGDREF column → the value it must hold


RULES: dict[str, _Rule] = {
    "usager": _Rule(f"SELECT t.*, t.numero_etranger AS key, {prefecture_sql('usager')} AS scope FROM anef.usager t"
                    " WHERE t.origine = 'ANEF'",
                    "etranger", "num_etranger", lambda r: {"num_etranger": r["numero_etranger"]}),
    "titre": _Rule(f"SELECT t.*, rtrim(t.numero_titre) AS key, {prefecture_sql('titre')} AS scope FROM anef.titre t"
                   " WHERE t.origine = 'ANEF'", "titre", "num_titre", lambda r: {
                       "num_etranger": r["numero_etranger"], "type_titre": _PERMIT_TYPES[r["categorie"]],
                       "date_debut_val": _day(r["date_debut"]), "date_fin_val": _day(r["date_fin"]),
                       "autor_travail": _flag(r["autorisation_travail"])}),
    "demande": _Rule(f"SELECT t.*, rtrim(t.numero_demande) AS key, {prefecture_sql('demande')} AS scope FROM anef.demande t"
                     " WHERE t.origine = 'ANEF'", "demande", "num_demande", lambda r: {
                         "num_etranger": r["numero_etranger"], "decision": _DECISIONS[r["statut"]],
                         "date_depot": _day(r["date_depot"]), "type_titre": _PERMIT_TYPES[r["categorie_demandee"]]}),
    "attestation": _Rule(f"SELECT t.*, rtrim(t.numero) AS key, {prefecture_sql('attestation')} AS scope FROM anef.attestation t"
                         f" WHERE t.origine = 'ANEF'", "doc_provisoire", "num_doc", lambda r: {
                             "num_etranger": r["numero_etranger"], "type_doc": _RECEIPTS[r["type"]],
                             "date_debut": _day(r["date_debut"]), "date_fin": _day(r["date_fin"]),
                             "autor_travail": _flag(r["autorisation_travail"])}),
    "mesure_eloignement": _Rule(f"SELECT t.*, rtrim(t.numero) AS key, {prefecture_sql('mesure_eloignement')} AS scope"
                                f" FROM anef.mesure_eloignement t WHERE t.origine = 'ANEF'", "mesure_eloignement",
                                "num_mesure", lambda r: {
                                    "num_etranger": r["numero_etranger"], "nature": r["nature"],
                                    "date_decision": _day(r["date_decision"]),
                                    "delai_depart": str(r["delai_depart_jours"]),
                                    "contentieux": _flag(r["contentieux"]), "annulee": _flag(r["annulee"]),
                                    "execution": _flag(r["executee"])}),
}


@dataclass(frozen=True)
class Difference:
    anef_table: str
    key: str
    numero_etranger: str
    field: str                     # the AGDREF column that differs, or "absent"
    in_agdref: str | None = None   # what AGDREF holds (None: absent)
    expected: str | None = None    # what it should hold, ANEF's decision in AGDREF's notation


@dataclass
class RollbackCheck:
    scope: str
    decided_in_anef: dict[str, int] = field(default_factory=dict)   # ANEF table → rows ANEF created, in scope
    held_in_agdref: dict[str, int] = field(default_factory=dict)    # … of which AGDREF holds as ANEF says
    differences: list[Difference] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences

    @classmethod
    def empty(cls, scope: str) -> RollbackCheck:
        """Nothing ANEF decided in ``scope`` yet: every table at 0 of 0."""
        return cls(scope, dict.fromkeys(RULES, 0), dict.fromkeys(RULES, 0))


def check(agdref: Engine, anef: Engine, scope: str) -> RollbackCheck:
    """Compare, for the prefecture ``scope`` (ANEF's notation: ``75``, ``2A``), every row ANEF
    created with what AGDREF holds under its key. Reads both databases; writes nothing."""
    return check_every_scope(agdref, anef, scope).get(scope) or RollbackCheck.empty(scope)


def check_every_scope(agdref: Engine, anef: Engine, only: str | None = None) -> dict[str, RollbackCheck]:
    """``check`` for every prefecture at once (or ``only`` one): each ANEF table read once, each
    AGDREF table looked up by its primary key (``char`` keys compared as ``bpchar``: a ``rtrim``
    on the column would scan the table, once per prefecture)."""
    results: dict[str, RollbackCheck] = {}
    for name, rule in RULES.items():
        with anef.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(text(
                f"SELECT * FROM ({rule.anef_sql}) r WHERE CAST(:s AS text) IS NULL OR r.scope = :s"), {"s": only})]
        found: dict[str, dict[str, Any]] = {}
        keys = sorted({row["key"] for row in rows})
        with agdref.connect() as conn:
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                found.update((r["k"], r) for r in (dict(x._mapping) for x in conn.execute(text(
                    f"SELECT *, rtrim({rule.agdref_key}) AS k FROM agdref.{rule.agdref_table}"
                    f" WHERE {rule.agdref_key} = ANY(CAST(:keys AS bpchar[]))"),
                    {"keys": keys[start:start + _LOOKUP_CHUNK]})))
        for row in sorted(rows, key=lambda r: r["key"]):
            scope = row["scope"] or "?"
            result = results.setdefault(scope, RollbackCheck.empty(scope))
            key, facts, legacy = row["key"], rule.facts(row), found.get(row["key"])
            wrong = [("absent", None, key)] if legacy is None else [
                (column, str(legacy[column] or "").strip(), value) for column, value in facts.items()
                if str(legacy[column] or "").strip() != value]
            result.differences.extend(Difference(name, key, row["numero_etranger"], *w) for w in wrong)
            result.decided_in_anef[name] += 1
            result.held_in_agdref[name] += not wrong
    return results


_LOOKUP_CHUNK = 10_000


#: The tables whose rows carry a right: a mirror differing there misleads AGDREF's readers about one.
_RIGHTS_TABLES = frozenset({"titre", "attestation", "demande", "mesure_eloignement"})


def _differences(agdref: Engine, anef: Engine) -> dict[Difference, str]:
    return {d: scope for scope, result in check_every_scope(agdref, anef).items() for d in result.differences}


def mirror_divergences(agdref: Engine, anef: Engine, recheck_after: float = 5.0) -> list[Divergence]:
    """The nightly reconciliation's check of the mirror (issue 18, part 4): every row ANEF created
    that AGDREF lacks or holds otherwise, one divergence per person, in every prefecture where ANEF
    decided something. High when a right is at stake for AGDREF's readers (a police check finds no
    card), medium for the identity alone. Not critical, and left out of the go/no-go's rate: once
    AGDREF is switched off the mirror no longer matters; it decides a roll-back, shown beside it.

    A decision ANEF took a moment ago is on its way (the way back's freshness is well under a
    second): what is found is read again ``recheck_after`` seconds later (blocks that long) and
    only what both readings find is kept, so a change in flight is not reported."""
    first = _differences(agdref, anef)
    if first:
        time.sleep(recheck_after)
        second = _differences(agdref, anef)
        first = {d: scope for d, scope in second.items() if d in first}
    by_person: dict[tuple[str, str], list[Difference]] = {}
    for d, scope in first.items():
        by_person.setdefault((d.numero_etranger, scope), []).append(d)
    return [Divergence(
        number, Kind.MIRROR_DIFFERS,
        Severity.HIGH if any(d.anef_table in _RIGHTS_TABLES for d in found) else Severity.MEDIUM,
        tuple(FieldDifference(f"{d.anef_table}[{d.key}]" + ("" if d.field == "absent" else f".{d.field}"),
                              d.in_agdref, d.expected) for d in found),
        prefecture=scope, detail="the way back: AGDREF's readers do not see what ANEF decided")
        for (number, scope), found in sorted(by_person.items())]
