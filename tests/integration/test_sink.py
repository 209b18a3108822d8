"""The dossier sink against a real PostgreSQL: idempotent, ordered by legacy position, whole
dossiers, and blind to rows created in ANEF."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, text

from pipeline import conflicts
from pipeline.actions import RowChange
from pipeline.decide import owner_number, source_key
from pipeline.sink import DossierSink
from schemas.anef_tables import parked, titre, usager
from schemas.fingerprint import anef_row_digests_sql
from tests.integration.conftest import Chain

PERSON = dict(num_etranger="0000000001", nom="DIALLO", prenoms="AMINATA", sexe="F", date_nais="19900512",
              pays_nais="SN ", nationalite="SN ", code_dept="075", date_maj="20250110093000", ind_alias="N")
PERMIT = dict(num_titre="T000000001", num_etranger="0000000001", type_titre="CST", date_debut_val="20250101",
              date_fin_val="20251231", date_remise="20250115", autor_travail="O", num_duplicata=0,
              lieu_delivrance="075")


def change(table: str, position: int, row: dict | None, key_row: dict | None = None) -> RowChange:
    image = row if row is not None else key_row
    alias = table == "etranger" and row is not None and row.get("ind_alias") == "O"
    return RowChange(table, source_key(table, image), owner_number(image.get("num_etranger")), position, 0, row,
                     alias_of=owner_number(row.get("num_etranger_ref")) if alias else None, is_alias=alias)


def person(position: int, **kw) -> RowChange:
    return change("etranger", position, {**PERSON, **kw})


def permit(position: int, **kw) -> RowChange:
    return change("titre", position, {**PERMIT, **kw})


def _one(chain: Chain, table, numero: str, column="numero_etranger"):
    with chain.anef.connect() as conn:
        return conn.execute(select(table).where(table.c[column] == numero)).mappings().first()


def test_the_same_batch_applied_twice_changes_nothing_the_second_time(chain: Chain):
    sink = DossierSink(chain.anef)
    first = sink.apply([person(10), permit(11)])
    assert (first.applied, first.migrated) == (2, 1)
    second = sink.apply([person(10), permit(11)])
    assert (second.applied, second.replays, second.migrated) == (0, 2, 0)


def test_a_batch_whose_permits_fill_the_staging_table_writes_the_person_first_and_keeps_every_digest(
        chain: Chain, monkeypatch):
    from common import bulk

    monkeypatch.setattr(bulk, "COPY_FROM", 2)  # the permits go through COPY, alone; the person does not
    result = DossierSink(chain.anef).apply([person(10), permit(11), permit(12, num_titre="T000000002")])
    assert (result.migrated, result.parked) == (1, 0)
    with chain.anef.connect() as conn:
        kept = dict(conn.execute(text("SELECT anef_table || ':' || anef_key, digest FROM migration.written")).all())
        now = dict(conn.execute(text(f"SELECT t || ':' || k, d FROM ({anef_row_digests_sql(None)}) AS cur")).all())
    assert kept == now and set(kept) == {"usager:0000000001", "titre:T000000001", "titre:T000000002"}


def test_the_digest_kept_for_each_written_row_is_the_one_the_conflict_check_computes_from_anef(chain: Chain):
    DossierSink(chain.anef).apply([person(10), permit(11)])
    with chain.anef.connect() as conn:
        kept = dict(conn.execute(text("SELECT anef_table || ':' || anef_key, digest FROM migration.written")).all())
        now = dict(conn.execute(text(f"SELECT t || ':' || k, d FROM ({anef_row_digests_sql(None)}) AS cur")).all())
        assert conflicts.changed_in_anef(conn, ["0000000001"]) == {}
    assert kept == now
    assert set(kept) == {"usager:0000000001", "titre:T000000001"}


def test_an_older_change_never_replaces_a_newer_one(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([person(20, nom="NEWER")])
    sink.apply([person(15, nom="OLDER")])
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "NEWER"


def test_a_dossier_is_written_whole_whatever_order_its_rows_arrive_in(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([permit(5)])  # the permit first: no person yet, so the dossier waits, parked
    assert _one(chain, parked, "0000000001")["reason"] == "PERSONNE_ABSENTE"
    sink.apply([person(6)])
    assert _one(chain, titre, "0000000001")["numero_titre"].strip() == "T000000001"
    assert _one(chain, parked, "0000000001") is None


def test_an_erased_person_leaves_nothing_and_a_replayed_insert_does_not_resurrect_them(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([person(30), permit(31)])
    sink.apply([change("titre", 32, None, PERMIT), change("etranger", 33, None, PERSON)])
    assert _one(chain, usager, "0000000001") is None and _one(chain, titre, "0000000001") is None
    sink.apply([person(30), permit(31)])
    assert _one(chain, usager, "0000000001") is None


def test_a_person_created_in_anef_is_never_overwritten_or_deleted(chain: Chain):
    with chain.anef.begin() as conn:
        conn.execute(insert(usager).values(
            numero_etranger="0000000001", nom_naissance="CREE EN LIGNE", prenoms=[], sexe="F",
            precision_naissance="INCONNUE", nationalite="MAR", prefecture="75", statut="ACTIF", origine="ANEF",
            maj_le=datetime(2026, 1, 1, tzinfo=UTC)))
    sink = DossierSink(chain.anef)
    sink.apply([person(40, nom="LEGACY")])
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "CREE EN LIGNE"
    sink.apply([change("etranger", 41, None, PERSON)])
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "CREE EN LIGNE"


def test_a_parked_dossier_leaves_the_parking_once_agdref_is_corrected(chain: Chain):
    sink = DossierSink(chain.anef)
    sink.apply([person(50, date_nais="19870229")])
    assert _one(chain, parked, "0000000001")["reason"] == "DATE_INEXISTANTE"
    assert _one(chain, usager, "0000000001") is None
    sink.apply([person(51, date_nais="19870228")])
    assert _one(chain, parked, "0000000001") is None
    assert str(_one(chain, usager, "0000000001")["date_naissance"]) == "1987-02-28"


def test_an_alias_discovered_later_gives_its_permits_to_the_reference_and_loses_its_own_row(chain: Chain):
    sink = DossierSink(chain.anef)
    other = {**PERSON, "num_etranger": "0000000002", "date_maj": "20240101000000"}
    sink.apply([person(60), change("etranger", 61, other), permit(62, num_etranger="0000000002")])
    assert _one(chain, titre, "T000000001", "numero_titre")["numero_etranger"] == "0000000002"
    sink.apply([change("etranger", 63, {**other, "ind_alias": "O", "num_etranger_ref": "0000000001"})])
    assert _one(chain, usager, "0000000002") is None
    assert _one(chain, usager, "0000000001")["numeros_alias"] == ["0000000002"]
    assert _one(chain, titre, "T000000001", "numero_titre")["numero_etranger"] == "0000000001"


def test_an_alias_whose_reference_is_purged_becomes_a_parked_dossier_of_its_own(chain: Chain):
    sink = DossierSink(chain.anef)
    alias = {**PERSON, "num_etranger": "0000000002", "ind_alias": "O", "num_etranger_ref": "0000000001"}
    sink.apply([person(60), change("etranger", 61, alias)])
    assert _one(chain, usager, "0000000001")["numeros_alias"] == ["0000000002"]
    sink.apply([change("etranger", 62, None, PERSON)])  # the reference purged; nothing touches the alias
    assert _one(chain, usager, "0000000001") is None
    assert _one(chain, parked, "0000000002")["reason"] == "ALIAS_SANS_REFERENCE"


def test_an_erasure_blocked_by_rows_anef_created_is_parked_not_lost(chain: Chain):
    from schemas.anef_tables import demande

    sink = DossierSink(chain.anef)
    sink.apply([person(70)])
    with chain.anef.begin() as conn:  # someone files online in ANEF for this migrated person
        conn.execute(insert(demande).values(
            numero_demande="W00000000001", numero_etranger="0000000001", nature="RENOUVELLEMENT",
            categorie_demandee="CARTE_RESIDENT", date_depot=datetime(2026, 1, 5).date(), statut="EN_INSTRUCTION",
            prefecture="75", origine="ANEF", maj_le=datetime(2026, 1, 5, tzinfo=UTC)))
    result = sink.apply([change("etranger", 71, None, PERSON)])
    assert result.refused == 1
    assert _one(chain, parked, "0000000001")["reason"] == "ECRITURE_REFUSEE"
    assert _one(chain, usager, "0000000001") is not None
    assert _one(chain, demande, "W00000000001", "numero_demande")["origine"] == "ANEF"


def test_a_parked_dossier_is_listed_shown_and_replayed_into_anef_after_a_mapping_fix(chain: Chain, monkeypatch):
    import os
    import subprocess
    import sys

    from pipeline import rejects

    sink = DossierSink(chain.anef)
    sink.apply([person(80, sexe="Q"), permit(81)])  # an unknown sex code: parked
    assert rejects.count_parked(chain.anef) == {"CODE_INCONNU": 1}
    env = {**os.environ, **chain.environment}
    listed = subprocess.run([sys.executable, "-m", "cli", "rejects", "list", "--reason", "CODE_INCONNU"], env=env,
                            capture_output=True, text=True, check=True).stdout
    assert "0000000001" in listed and "1 parked dossier(s); by reason" in listed and "CODE_INCONNU 1" in listed
    shown = subprocess.run([sys.executable, "-m", "cli", "rejects", "show", "0000000001"], env=env,
                           capture_output=True, text=True, check=True).stdout
    assert "etranger[0000000001].sexe" in shown
    # The team decides Q means X: the mapping is fixed, and the replay brings the dossier in.
    from domain import codes

    original = codes.sex
    monkeypatch.setattr(codes, "sex", lambda raw, field="sexe": "X" if (raw or "").strip() == "Q" else original(raw, field))
    result = rejects.replay_parked(chain.anef, rejects.Filter(reason="CODE_INCONNU"))
    assert (result.migrated, result.parked) == (1, 0)
    assert _one(chain, usager, "0000000001")["sexe"] == "X"
    assert _one(chain, titre, "0000000001")["numero_titre"].strip() == "T000000001"
    assert rejects.count_parked(chain.anef) == {}


def test_every_reason_of_a_parked_dossier_is_counted_and_a_replay_by_any_of_them_takes_it(chain: Chain):
    from pipeline import rejects

    DossierSink(chain.anef).apply([person(90, sexe="Q", date_nais="19870229"), permit(91)])
    assert rejects.count_parked(chain.anef) == {"CODE_INCONNU": 1, "DATE_INEXISTANTE": 1}
    for reason in ("CODE_INCONNU", "DATE_INEXISTANTE"):
        assert [r["numero_etranger"] for r in rejects.list_parked(chain.anef, rejects.Filter(reason=reason))] == \
            ["0000000001"]
    assert rejects.replay_parked(chain.anef, rejects.Filter(reason="DATE_INEXISTANTE")).parked == 1


def test_a_dossier_anef_changed_since_the_migration_wrote_it_is_held_as_a_conflict_not_overwritten(chain: Chain):
    from datetime import date

    from schemas.anef_tables import conflict

    sink = DossierSink(chain.anef)
    sink.apply([person(90), permit(91, date_remise="00000000")])
    assert _one(chain, titre, "T000000001", "numero_titre")["statut"] == "DISPONIBLE"
    sink.apply([person(92, nom="UNCHANGED IN ANEF")])  # no ANEF change yet: written as usual
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "UNCHANGED IN ANEF"
    with chain.anef.begin() as conn:  # an agent records the hand-over in ANEF
        conn.execute(titre.update().where(titre.c.numero_titre == "T000000001").values(
            statut="REMIS", date_remise=date(2026, 2, 1), maj_le=datetime(2026, 2, 1, tzinfo=UTC)))
    result = sink.apply([person(93, nom="FROM AGDREF")])
    assert result.held == 1 and result.migrated == 0
    assert _one(chain, titre, "T000000001", "numero_titre")["statut"] == "REMIS"
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "UNCHANGED IN ANEF"
    held = _one(chain, conflict, "0000000001")
    assert held["rows"] == ["titre:T000000001"]


def test_conflicts_are_listed_for_a_person_to_decide(chain: Chain):
    import os
    import subprocess
    import sys

    sink = DossierSink(chain.anef)
    sink.apply([person(100)])
    with chain.anef.begin() as conn:
        conn.execute(usager.update().where(usager.c.numero_etranger == "0000000001").values(nom_usage="SAISI EN LIGNE"))
    sink.apply([person(101, nom="LEGACY CHANGE")])
    out = subprocess.run([sys.executable, "-m", "cli", "conflicts", "list"], env={**os.environ, **chain.environment},
                         capture_output=True, text=True, check=True).stdout
    assert "0000000001" in out and "usager:0000000001" in out and "1 conflict(s)" in out


def _held(chain: Chain, first: int) -> DossierSink:
    """A migrated dossier that ANEF edited (nom_usage) and AGDREF changed since (held)."""
    sink = DossierSink(chain.anef)
    sink.apply([person(first)])
    with chain.anef.begin() as conn:
        conn.execute(usager.update().where(usager.c.numero_etranger == "0000000001").values(nom_usage="SAISI EN LIGNE"))
    assert sink.apply([person(first + 1, nom="LEGACY CHANGE")]).held == 1
    return sink


@pytest.mark.parametrize("keep, nom, nom_usage", [("anef", "DIALLO", "SAISI EN LIGNE"), ("agdref", "LEGACY CHANGE", None)])
def test_a_conflict_resolved_either_way_is_audited_and_later_agdref_changes_flow_again(chain: Chain, keep, nom,
                                                                                      nom_usage):
    from pipeline.resolution import ConflictNotFound, resolve
    from schemas.anef_tables import conflict

    sink = _held(chain, 110)
    resolve(chain.anef, "0000000001", keep, "an engineer", "checked with the prefecture")
    kept = _one(chain, usager, "0000000001")
    assert (kept["nom_naissance"], kept["nom_usage"]) == (nom, nom_usage)
    assert _one(chain, conflict, "0000000001") is None
    with chain.anef.connect() as conn:
        audited = conn.execute(text("SELECT username, action, reason FROM web.audit")).all()
    assert [tuple(a) for a in audited] == [("an engineer", f"conflict.keep_{keep}", "checked with the prefecture")]
    assert sink.apply([person(120, nom="LATER")]).migrated == 1
    assert _one(chain, usager, "0000000001")["nom_naissance"] == "LATER"
    with pytest.raises(ConflictNotFound):
        resolve(chain.anef, "0000000001", keep, "an engineer", "twice")
