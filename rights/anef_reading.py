"""ANEF's side of the ledger, in ANEF's database, against AGDREF's reading loaded there as the
temporary table ``ledger_agdref`` (``rights.legacy_reading.COLUMNS``).

Every ANEF row is read into the same plain terms as AGDREF's (dates ``YYYYMMDD``, booleans as
``yes``/``no``), and only the pairs where some compared value differs come back to Python, where
``rights.rules`` decides whether the difference hurts the person: a pair equal in every compared
value can never be a finding, so the filter loses nothing. ANEF's own rows (``origine = 'ANEF'``)
take part: a document is compared by its number wherever it is.
"""
from __future__ import annotations

TEMP_TABLE = "ledger_agdref"

CREATE_TEMP = f"""
CREATE TEMPORARY TABLE {TEMP_TABLE} (
    kind text, number text, holder text, scope text, start text, end_ text, work boolean, renewals integer,
    status text, filed text, annulled text, appeal text, delay integer, executed text, covered_until text
) ON COMMIT DROP
"""
INDEX_TEMP = f"CREATE INDEX ON {TEMP_TABLE} (kind, number); ANALYZE {TEMP_TABLE}"

# (kind, ANEF table, its number column, the select list in the ledger's terms)
_ANEF_ROWS = {
    "permit": ("anef.titre", "numero_titre",
               "to_char(a.date_debut, 'YYYYMMDD'), coalesce(to_char(a.date_fin, 'YYYYMMDD'), ''), a.autorisation_travail,"
               " NULL::int, '', '', '', '', NULL::int, ''"),
    "receipt": ("anef.attestation", "numero",
                "to_char(a.date_debut, 'YYYYMMDD'), to_char(a.date_fin, 'YYYYMMDD'), a.autorisation_travail,"
                " a.renouvellements, '', '', '', '', NULL::int, ''"),
    "application": ("anef.demande", "numero_demande",
                    "'', '', NULL::boolean, NULL::int, CASE a.statut WHEN 'EN_INSTRUCTION' THEN 'pending'"
                    " WHEN 'ACCORDEE' THEN 'granted' WHEN 'REFUSEE' THEN 'refused' ELSE 'closed' END,"
                    " to_char(a.date_depot, 'YYYYMMDD'), '', '', NULL::int, ''"),
    "measure": ("anef.mesure_eloignement", "numero",
                "to_char(a.date_decision, 'YYYYMMDD'), '', NULL::boolean, NULL::int, '', '',"
                " CASE WHEN a.annulee THEN 'yes' ELSE 'no' END, CASE WHEN a.contentieux THEN 'yes' ELSE 'no' END,"
                " a.delai_depart_jours, CASE WHEN a.executee THEN 'yes' ELSE 'no' END"),
}
# What each kind compares (the rest is carried for the message only).
_COMPARED = {
    "permit": ("holder", "start", "end_", "work"),
    "receipt": ("holder", "start", "end_", "work", "renewals"),
    "application": ("holder", "status"),
    "measure": ("holder", "annulled", "appeal", "delay", "executed"),
}
ANEF_COLUMNS = ("a_holder", "a_start", "a_end", "a_work", "a_renewals", "a_status", "a_filed", "a_annulled",
                "a_appeal", "a_delay", "a_executed", "a_origin")


def differing_pairs(kind: str) -> str:
    """AGDREF's documents of one kind beside ANEF's row of the same number (NULLs when ANEF has
    none), where a compared value differs. The join compares ``char`` with ``char`` so that the
    planner may use ANEF's primary key or hash the table, whichever is cheaper."""
    table, key, values = _ANEF_ROWS[kind]
    anef = f"SELECT a.{key}, rtrim(a.{key}), rtrim(a.numero_etranger), {values}, a.origine FROM {table} a"
    compared = _COMPARED[kind]
    mine = ", ".join(f"l.{c}" for c in compared)
    theirs = ", ".join(f"r.a_{'end' if c == 'end_' else c}" for c in compared)
    return (f"SELECT l.*, r.a_number, {', '.join('r.' + c for c in ANEF_COLUMNS)} FROM {TEMP_TABLE} l"
            f" LEFT JOIN ({anef}) AS r(k, a_number, {', '.join(ANEF_COLUMNS)}) ON r.k = CAST(l.number AS bpchar)"
            f" WHERE l.kind = '{kind}' AND (r.a_number IS NULL OR ROW({mine}) IS DISTINCT FROM ROW({theirs}))")


def measures_only_in_anef() -> str:
    """ANEF's migrated measures in force whose number AGDREF no longer has, with the holder's scope."""
    _, _, values = _ANEF_ROWS["measure"]
    return (f"SELECT rtrim(a.numero), rtrim(a.numero_etranger), {values}, a.origine, u.prefecture"
            " FROM anef.mesure_eloignement a LEFT JOIN anef.usager u ON u.numero_etranger = a.numero_etranger"
            " WHERE a.origine = 'AGDREF' AND NOT a.executee AND NOT a.annulee"
            f" AND NOT EXISTS (SELECT 1 FROM {TEMP_TABLE} l WHERE l.kind = 'measure' AND l.number = rtrim(a.numero))")


# Who holds a right: AGDREF's reading (valid today, or a renewal filed before the right ended),
# and whether ANEF shows that person as migrated and current (not parked, not held).
COVERAGE = f"""
WITH parked_number AS (   -- every number a parked dossier covers, hashed once (not a scan per person)
    SELECT numero_etranger AS n FROM migration.parked UNION SELECT unnest(members) FROM migration.parked
), active AS (
    SELECT DISTINCT holder, scope FROM {TEMP_TABLE}
    WHERE (kind IN ('permit', 'receipt') AND start <= :today AND (end_ = '' OR end_ >= :today))
       OR (kind = 'application' AND status = 'pending' AND covered_until <> '' AND filed <= covered_until)
)
SELECT scope, count(*) AS persons,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM anef.usager u
                                     WHERE u.numero_etranger = CAST(active.holder AS bpchar))
                        AND NOT EXISTS (SELECT 1 FROM parked_number WHERE n = active.holder)
                        AND NOT EXISTS (SELECT 1 FROM migration.conflict c
                                        WHERE c.numero_etranger = active.holder)) AS covered
FROM active GROUP BY scope
"""

# The ends of the rights a person holds today in either system (the urgency of a finding).
RIGHTS_ENDS_AGDREF = (f"SELECT holder, end_ FROM {TEMP_TABLE} WHERE holder = ANY(CAST(:holders AS text[]))"
                      " AND kind IN ('permit', 'receipt') AND start <= :today AND (end_ = '' OR end_ >= :today)")
RIGHTS_ENDS_ANEF = (
    "SELECT rtrim(numero_etranger), coalesce(to_char(date_fin, 'YYYYMMDD'), '') FROM anef.titre"
    " WHERE numero_etranger = ANY(CAST(:holders AS char(10)[])) AND to_char(date_debut, 'YYYYMMDD') <= :today"
    " AND (date_fin IS NULL OR to_char(date_fin, 'YYYYMMDD') >= :today)"
    " UNION ALL SELECT rtrim(numero_etranger), to_char(date_fin, 'YYYYMMDD') FROM anef.attestation"
    " WHERE numero_etranger = ANY(CAST(:holders AS char(10)[])) AND to_char(date_debut, 'YYYYMMDD') <= :today"
    " AND to_char(date_fin, 'YYYYMMDD') >= :today")
