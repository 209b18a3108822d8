"""The rights ledger at N persons: its time against a plain count of the same rows, in the same run.

AGDREF is seeded by the generator; ANEF is filled by a plain SQL copy of the same rows (not the
mapping: the ledger's time depends on the volumes, and a copy in SQL fills 1,000,000 persons in
minutes where the pipeline needs an hour). Both schemas live in one scratch database so the copy
can be one statement per table; the ledger still reads them through two connections and moves
AGDREF's reading with COPY, as it does between two servers. Then D differences are injected and
the ledger must find exactly those persons.

Baseline: ``SELECT count(*)`` of every row the ledger's statements scan (AGDREF's four child
tables and persons, ANEF's four tables), one after the other on the same server.

    .venv/bin/python -m bench.rights [--persons 1000000] [--differences 100]
"""
from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy import text

from bench.common import Stopwatch, figure, scratch_database
from synthetic.seed import seed_population

_DATE = """CREATE FUNCTION pg_temp.d(value text) RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN to_date(value, 'YYYYMMDD'); EXCEPTION WHEN others THEN RETURN NULL; END $$"""
_NUMBER = "(CASE WHEN length(rtrim({0})) = 9 THEN '0' || rtrim({0}) ELSE rtrim({0}) END)"
_FILL = [
    "INSERT INTO anef.usager (numero_etranger, nom_naissance, prenoms, sexe, precision_naissance, nationalite,"
    " prefecture, numeros_alias, statut, origine, maj_le) SELECT DISTINCT ON (n) n, e.nom, '{}', 'M', 'INCONNUE',"
    " 'XXX', coalesce(nullif(substr(e.code_dept, 2), ''), '?'), '{}', 'ACTIF', 'AGDREF', now()"
    f" FROM (SELECT *, {_NUMBER.format('num_etranger')} AS n FROM agdref.etranger WHERE ind_alias <> 'O') e",
    "INSERT INTO anef.titre (numero_titre, numero_etranger, numero_demande, categorie, date_debut, date_fin, statut,"
    " autorisation_travail, numero_duplicata, prefecture, origine, maj_le)"
    f" SELECT t.num_titre, u.numero_etranger, nullif(t.num_demande, ''), 'CARTE_RESIDENT', pg_temp.d(t.date_debut_val),"
    " pg_temp.d(t.date_fin_val), 'REMIS', t.autor_travail = 'O', 0, '75', 'AGDREF', now() FROM agdref.titre t"
    f" JOIN anef.usager u ON u.numero_etranger = {_NUMBER.format('t.num_etranger')}"
    " WHERE pg_temp.d(t.date_debut_val) IS NOT NULL",
    "INSERT INTO anef.attestation (numero, numero_etranger, numero_demande, type, date_debut, date_fin,"
    " renouvellements, autorisation_travail, origine, maj_le) SELECT p.num_doc, u.numero_etranger,"
    " nullif(p.num_demande, ''), 'PROLONGATION_INSTRUCTION', pg_temp.d(p.date_debut), pg_temp.d(p.date_fin),"
    " coalesce(p.nb_renouv, 0), p.autor_travail = 'O', 'AGDREF', now() FROM agdref.doc_provisoire p"
    f" JOIN anef.usager u ON u.numero_etranger = {_NUMBER.format('p.num_etranger')}"
    " WHERE pg_temp.d(p.date_debut) IS NOT NULL AND pg_temp.d(p.date_fin) IS NOT NULL",
    "INSERT INTO anef.demande (numero_demande, numero_etranger, nature, categorie_demandee, date_depot, statut,"
    " prefecture, origine, maj_le) SELECT d.num_demande, u.numero_etranger, 'PREMIERE', 'CARTE_RESIDENT',"
    " pg_temp.d(d.date_depot), CASE coalesce(trim(d.decision), '') WHEN '' THEN 'EN_INSTRUCTION' WHEN 'F' THEN"
    " 'ACCORDEE' WHEN 'R' THEN 'REFUSEE' ELSE 'CLASSEE_SANS_SUITE' END, '75', 'AGDREF', now() FROM agdref.demande d"
    f" JOIN anef.usager u ON u.numero_etranger = {_NUMBER.format('d.num_etranger')}"
    " WHERE pg_temp.d(d.date_depot) IS NOT NULL",
    "INSERT INTO anef.mesure_eloignement (numero, numero_etranger, nature, date_decision, delai_depart_jours,"
    " contentieux, annulee, executee, origine, maj_le) SELECT m.num_mesure, u.numero_etranger, m.nature,"
    " pg_temp.d(m.date_decision), coalesce(m.delai_depart, 0), m.contentieux = 'O', m.annulee = 'O',"
    " m.execution = 'O', 'AGDREF', now() FROM agdref.mesure_eloignement m"
    f" JOIN anef.usager u ON u.numero_etranger = {_NUMBER.format('m.num_etranger')}"
    " WHERE pg_temp.d(m.date_decision) IS NOT NULL",
]
_COUNTED = ("agdref.etranger", "agdref.titre", "agdref.doc_provisoire", "agdref.demande", "agdref.mesure_eloignement",
            "anef.usager", "anef.titre", "anef.attestation", "anef.demande", "anef.mesure_eloignement")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--differences", type=int, default=100)
    args = parser.parse_args()
    from infra.database import init_agdref, init_anef
    from rights.ledger import read

    with scratch_database("rights") as (_, db):
        init_agdref(db)
        init_anef(db)
        with Stopwatch() as seeding:
            seed_population(db, args.persons, seed=11)
        with Stopwatch() as filling, db.begin() as conn:
            conn.execute(text(_DATE))
            for statement in _FILL:
                conn.execute(text(statement))
            conn.execute(text("ANALYZE"))
        print(f"{args.persons:,} persons seeded in {seeding.seconds:.0f}s, ANEF filled by SQL in {filling.seconds:.0f}s")
        today = date.today()
        quiet = read(db, db, today)
        with db.begin() as conn:  # D persons lose a valid permit in ANEF
            lost = conn.execute(text(
                "DELETE FROM anef.titre WHERE numero_titre IN (SELECT numero_titre FROM anef.titre"
                " WHERE date_debut <= current_date AND coalesce(date_fin, current_date) >= current_date"
                " ORDER BY numero_titre LIMIT :n) RETURNING rtrim(numero_etranger)"), {"n": args.differences}).scalars()
            lost = set(lost)
        with Stopwatch() as ledger:
            found = read(db, db, today)
        with Stopwatch() as counting, db.connect() as conn:
            rows = sum(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in _COUNTED)
        newly = {d.numero_etranger for d in found.divergences} - {d.numero_etranger for d in quiet.divergences}
        print(f"{found.documents:,} rights-carrying AGDREF rows read; {rows:,} rows counted by the baseline; "
              f"{len(lost)} persons lost a permit, {len(newly)} newly at risk, all found: {lost <= newly}")
        figure("rights ledger (read both, compare)", ledger.seconds, "s", "goal ≤ 60 s at 1,000,000 persons")
        figure("baseline: plain count of the same tables", counting.seconds, "s")
        figure("ratio ledger / plain count", ledger.seconds / counting.seconds, "")
        figure("persons per second", args.persons / ledger.seconds, "persons/s")


if __name__ == "__main__":
    main()
