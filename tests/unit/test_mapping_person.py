"""Person rules, seen through the dossier mapping."""
from datetime import UTC, datetime

from domain.dossier import DossierMapped, DossierRejected, LegacyDossier, map_dossier
from schemas.legacy_models import Adresse, Etranger
from schemas.rejections import Reason

COMMIT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _row(**overrides) -> Etranger:
    base = dict(num_etranger="0123456789", nom="DIALLO", prenoms="AMINATA", sexe="F", date_nais="19900512",
                pays_nais="SN ", nationalite="SN ", code_dept="075", date_naturalisation="00000000",
                date_maj="20250110093000", ind_alias="N", sit_matrim="C", cond_entree="N", date_entree="20150900")
    return Etranger(**{**base, **overrides})


def _map(record: Etranger, *addresses: Adresse):
    return map_dossier(LegacyDossier("0123456789", persons=(record,), adresses=addresses), COMMIT)


def test_a_clean_legacy_person_maps_to_the_values_the_rules_give():
    outcome = _map(_row(), Adresse(num_etranger="0123456789", num_ordre=1, num_voie="4", code_voie="RUE",
                                   lib_voie="PASTEUR", code_postal="75011", lib_commune="PARIS", code_insee="75111"))
    assert isinstance(outcome, DossierMapped)
    u = outcome.dossier.usager
    assert (u.numero_etranger, u.nom_naissance, u.prenoms, u.sexe) == ("0123456789", "DIALLO", ["AMINATA"], "F")
    assert (u.nationalite, u.pays_naissance, u.prefecture, u.statut, u.origine) == ("SEN", "SEN", "75", "ACTIF", "AGDREF")
    assert (u.situation_familiale, u.entree_reguliere, u.date_entree_france.isoformat()) == ("CELIBATAIRE", True, "2015-09-01")
    assert (u.adresse_ligne, u.code_postal, u.commune, u.code_insee) == ("4 RUE PASTEUR", "75011", "PARIS", "75111")
    assert u.maj_le == datetime(2025, 1, 10, 8, 30, tzinfo=UTC)


def test_ID4_a_naturalisation_date_makes_the_person_naturalised():
    assert _map(_row(date_naturalisation="20200115")).dossier.usager.statut == "NATURALISE"


def test_TXT5_a_blank_or_inc_birth_surname_needs_a_person():
    outcome = _map(_row(nom="INC"))
    assert [r.reason for r in outcome.remediations] == [Reason.NOM_NAISSANCE_ABSENT]


def test_every_rejection_of_a_record_is_reported_at_once():
    outcome = _map(_row(date_nais="19870229", nationalite="YU ", sexe="Q"))
    assert isinstance(outcome, DossierRejected)
    assert {(r.reason, r.field) for r in outcome.remediations} == {
        (Reason.DATE_INEXISTANTE, "date_nais"), (Reason.NATIONALITE_ETAT_DISPARU, "nationalite"),
        (Reason.CODE_INCONNU, "sexe")}


def test_DAT10_maj_le_falls_back_to_the_legacy_commit_time_when_date_maj_is_unusable():
    assert _map(_row(date_maj="00000000000000")).dossier.usager.maj_le == COMMIT
    assert _map(_row(date_maj="2025011")).dossier.usager.maj_le == COMMIT
