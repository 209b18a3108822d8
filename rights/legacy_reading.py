"""AGDREF's rights-carrying rows, read in one SQL statement into the ledger's plain terms.

Read (a window of ``[today, today + horizon]``):
- permits (``titre``) and receipts (``doc_provisoire``) valid at some moment of the window: start
  on or before its end, end on or after today, or no end (``00000000``: a permanent card, or an
  end nobody knows, read as still valid);
- applications pending (``decision`` blank) or granted since ``lookback`` (a recent grant ANEF
  must show); for a pending one, the last end of the person's permits and receipts, so that a
  renewal filed before the right ended keeps the person covered;
- every removal measure, with its protective facts: annulled, under appeal, days to leave
  (blank or negative is unknown), executed.
Each row carries the person it belongs to (``rights.identity``: the reference record for an
alias) and that person's scope. Legacy dates stay ``YYYYMMDD`` text (``00000000`` becomes ``""``).
"""
from __future__ import annotations

from rights.identity import number_sql, root_sql, scope_sql

COLUMNS = ("kind", "number", "holder", "scope", "start", "end_", "work", "renewals", "status", "filed",
           "annulled", "appeal", "delay", "executed", "covered_until")


def _day(column: str) -> str:
    return f"coalesce(nullif(rtrim({column}), '00000000'), '')"


def _flag(column: str) -> str:
    return f"(CASE {column} WHEN 'O' THEN 'yes' WHEN 'N' THEN 'no' ELSE 'unknown' END)"


def _work(column: str) -> str:
    return f"(CASE {column} WHEN 'O' THEN true WHEN 'N' THEN false END)"


_STILL_VALID = "({start} <= :horizon_end AND ({end} = '' OR {end} >= :today))"

QUERY = f"""
WITH person AS (
    SELECT DISTINCT ON (numero) numero, holder, scope FROM (
        SELECT {number_sql('e.num_etranger')} AS numero,
               {root_sql('e.num_etranger', 'e.ind_alias', 'e.num_etranger_ref')} AS holder,
               {scope_sql('e.code_dept', 'e.postcode', 'e.insee')} AS scope,
               e.ind_alias
        FROM (SELECT x.*,
                     CASE WHEN x.code_dept = '020' THEN (SELECT a.code_postal FROM agdref.adresse a
                         WHERE a.num_etranger = x.num_etranger ORDER BY a.num_ordre DESC LIMIT 1) END AS postcode,
                     CASE WHEN x.code_dept = '020' THEN (SELECT a.code_insee FROM agdref.adresse a
                         WHERE a.num_etranger = x.num_etranger ORDER BY a.num_ordre DESC LIMIT 1) END AS insee
              FROM agdref.etranger x) e
    ) records
    ORDER BY numero, (ind_alias = 'O')          -- a person record wins over an alias of the same number
), document AS (
    SELECT 'permit' AS kind, rtrim(t.num_titre) AS number, {number_sql('t.num_etranger')} AS own,
           {_day('t.date_debut_val')} AS start, {_day('t.date_fin_val')} AS end_, {_work('t.autor_travail')} AS work,
           NULL::int AS renewals, '' AS status, '' AS filed, '' AS annulled, '' AS appeal, NULL::int AS delay,
           '' AS executed, '' AS covered_until
    FROM agdref.titre t
    WHERE {_STILL_VALID.format(start=_day('t.date_debut_val'), end=_day('t.date_fin_val'))}
  UNION ALL
    SELECT 'receipt', rtrim(p.num_doc), {number_sql('p.num_etranger')}, {_day('p.date_debut')}, {_day('p.date_fin')},
           {_work('p.autor_travail')}, p.nb_renouv, '', '', '', '', NULL, '', ''
    FROM agdref.doc_provisoire p
    WHERE {_STILL_VALID.format(start=_day('p.date_debut'), end=_day('p.date_fin'))}
  UNION ALL
    SELECT 'application', rtrim(d.num_demande), {number_sql('d.num_etranger')}, '', '', NULL, NULL,
           CASE coalesce(trim(d.decision), '') WHEN '' THEN 'pending' WHEN 'F' THEN 'granted' WHEN 'R' THEN 'refused'
                WHEN 'S' THEN 'closed' ELSE 'unknown' END,
           {_day('d.date_depot')}, '', '', NULL, '',
           CASE WHEN coalesce(trim(d.decision), '') = '' THEN coalesce(greatest(
               (SELECT max({_day('t.date_fin_val')}) FROM agdref.titre t WHERE t.num_etranger = d.num_etranger),
               (SELECT max({_day('p.date_fin')}) FROM agdref.doc_provisoire p WHERE p.num_etranger = d.num_etranger)),
               '') ELSE '' END
    FROM agdref.demande d
    WHERE coalesce(trim(d.decision), '') = '' OR (d.decision = 'F' AND d.date_decision >= :lookback)
  UNION ALL
    SELECT 'measure', rtrim(m.num_mesure), {number_sql('m.num_etranger')}, {_day('m.date_decision')}, '', NULL, NULL,
           '', '', {_flag('m.annulee')}, {_flag('m.contentieux')},
           CASE WHEN m.delai_depart >= 0 THEN m.delai_depart END, {_flag('m.execution')}, ''
    FROM agdref.mesure_eloignement m
)
SELECT d.kind, d.number, coalesce(p.holder, d.own) AS holder, coalesce(h.scope, 'undetermined') AS scope,
       d.start, d.end_, d.work, d.renewals, d.status, d.filed, d.annulled, d.appeal, d.delay, d.executed,
       d.covered_until
FROM document d
LEFT JOIN person p ON p.numero = d.own
LEFT JOIN person h ON h.numero = coalesce(p.holder, d.own)
"""
