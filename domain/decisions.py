"""Decisions recorded by a person, applied by the mapping on every rebuild of their dossier. Pure.

A decision says what one legacy field should be read as (mapping.md, second round: "which
successor state, which Corsican department, which date, which name"). It is kept with the
legacy value it was taken on: applied while AGDREF still holds that value, flagged
(``DECISION_PERIMEE``, the dossier waits for a person again) as soon as AGDREF's value changed, so
that a correction made in AGDREF since is never overridden blindly.

Rules and what they accept (``check``):
- ``nationality``: ``etranger.nationalite`` read as a current state's AGDREF code (``SRB`` for a
  ``YU`` record, say): a former state's successor;
- ``corsica``: a ``020`` department (``etranger.code_dept``, ``titre.lieu_delivrance``,
  ``demande.code_dept``) read as ``02A`` or ``02B``;
- ``date``: any legacy date field read as a complete ``YYYYMMDD`` date;
- ``name``: a name field of ``etranger`` read as a name that folds to plain A-Z, ``'``, ``-``;
- ``merge``: ``confirm`` on an alias or duplicate record (``etranger.ind_alias``): the merge of
  records that differ in sex, birth date or nationality was checked (the reconciliation stops
  listing it; it changes nothing the mapping reads). A wrong merge is undone in AGDREF.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from domain import text
from domain.errors import RemediationNeeded
from domain.exceptions import DomainError
from schemas import referentials
from schemas.rejections import Reason, Remediation

RULES = ("nationality", "corsica", "date", "name", "merge")
NAME_FIELDS = ("nom", "nom_usage", "prenoms", "nom_pere", "nom_mere", "prenom_pere", "prenom_mere")
DATE_FIELDS = {"etranger": ("date_nais", "date_entree", "date_naturalisation"),
               "titre": ("date_debut_val", "date_fin_val", "date_remise"),
               "doc_provisoire": ("date_debut", "date_fin"), "demande": ("date_depot", "date_decision"),
               "mesure_eloignement": ("date_decision", "date_execution")}
CORSICA_FIELDS = {"etranger": "code_dept", "titre": "lieu_delivrance", "demande": "code_dept"}
ROW_LISTS = {"etranger": "persons", "titre": "titres", "doc_provisoire": "documents", "demande": "demandes",
             "mesure_eloignement": "mesures"}
KEY_FIELDS = {"etranger": "num_etranger", "titre": "num_titre", "doc_provisoire": "num_doc", "demande": "num_demande",
              "mesure_eloignement": "num_mesure"}


class DecisionRefused(DomainError):
    """A decision whose rule, field or value the rules cannot accept."""


@dataclass(frozen=True)
class RecordedDecision:
    ident: int
    rule: str
    table: str
    key: str            # the legacy row's key, as AGDREF holds it (stripped)
    field: str
    legacy_value: str   # the value AGDREF held when the decision was taken ("" for blank)
    value: str          # what the field is read as


def check(rule: str, table: str, field: str, value: str) -> str:
    """The value in the legacy form the rule accepts; raises ``DecisionRefused`` saying why not."""
    value = (value or "").strip().upper()
    if rule == "nationality":
        country = referentials.countries().get(value)
        if (table, field) != ("etranger", "nationalite") or country is None or country.former_state:
            raise DecisionRefused("nationality: etranger.nationalite, read as the AGDREF code of a current state")
        return value
    if rule == "corsica":
        value = {"2A": "02A", "2B": "02B"}.get(value, value)
        if CORSICA_FIELDS.get(table) != field or value not in ("02A", "02B"):
            raise DecisionRefused("corsica: a 020 department field, read as 2A or 2B")
        return value
    if rule == "date":
        if field not in DATE_FIELDS.get(table, ()):
            raise DecisionRefused(f"date: one of {DATE_FIELDS.get(table, ())} for {table}")
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            raise DecisionRefused("date: a complete calendar date, YYYYMMDD") from None
        if len(value) != 8 or not value.isdigit():
            raise DecisionRefused("date: a complete calendar date, YYYYMMDD")
        return value
    if rule == "name":
        if table != "etranger" or field not in NAME_FIELDS:
            raise DecisionRefused(f"name: one of etranger's {', '.join(NAME_FIELDS)}")
        try:
            return text.folded_name(value, field)
        except RemediationNeeded:
            raise DecisionRefused("name: plain letters, spaces, ' and - once folded") from None
    if rule == "merge":
        if (table, field) != ("etranger", "ind_alias") or value != "CONFIRM":
            raise DecisionRefused("merge: confirm, on an etranger record (--row etranger:NUMBER)")
        return value
    raise DecisionRefused(f"the rule is one of {', '.join(RULES)}")


def _raw(row: Any, field: str) -> str:
    return (getattr(row, field, None) or "").strip()


def apply(rows: dict[str, tuple[Any, ...]], decisions: tuple[RecordedDecision, ...]
          ) -> tuple[dict[str, tuple[Any, ...]], list[Remediation]]:
    """The dossier's rows (list name → rows) with every decision applied whose legacy value
    still stands; one ``DECISION_PERIMEE`` per decision whose value AGDREF changed since."""
    stale: list[Remediation] = []
    rows = dict(rows)
    for decision in decisions:
        name = ROW_LISTS.get(decision.table)
        if name is None or decision.rule == "merge":  # a checked merge: nothing to read differently
            continue
        changed = []
        for row in rows.get(name, ()):
            if _raw(row, KEY_FIELDS[decision.table]) == decision.key:
                if _raw(row, decision.field) != decision.legacy_value:
                    stale.append(Remediation(Reason.DECISION_PERIMEE, decision.field,
                                             f"decision {decision.ident} ({decision.rule}) was taken on another value",
                                             decision.table, decision.key))
                else:
                    row = row.model_copy(update={decision.field: decision.value})
            changed.append(row)
        rows[name] = tuple(changed)
    return rows, stale


def with_decisions(legacy: Any, decisions: tuple[RecordedDecision, ...]) -> tuple[Any, list[Remediation]]:
    """A ``LegacyDossier`` with its decisions applied, and the stale ones."""
    if not decisions:
        return legacy, []
    rows, stale = apply({name: getattr(legacy, name) for name in set(ROW_LISTS.values())}, decisions)
    return replace(legacy, **rows), stale


# The decisions in force for some dossiers (``migration.decision``), by reference number; the
# callers run it where the decisions are kept (ANEF's database) and ``attach`` what it returns.
LOAD_SQL = ("SELECT id, numero_etranger, rule, source_table, source_key, field, legacy_value, value"
            " FROM migration.decision WHERE revoked_at IS NULL AND numero_etranger = ANY(CAST(:numbers AS text[]))"
            " ORDER BY id")


def attach(dossiers: dict[str, Any], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    """The dossiers (reference number → ``LegacyDossier``) with the decisions of ``LOAD_SQL``'s rows."""
    found: dict[str, list[RecordedDecision]] = {}
    for ident, numero, rule, table, key, field, legacy_value, value in rows:
        found.setdefault(numero, []).append(RecordedDecision(ident, rule, table, key, field, legacy_value, value))
    return {root: replace(d, decisions=tuple(found[root])) if root in found else d for root, d in dossiers.items()}
