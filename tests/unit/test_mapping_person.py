"""The person mapping as a whole: fields assembled, every rejection collected, never raising."""
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.mapping.person import AliasRecord, PersonMapped, PersonRejected, map_person
from schemas.legacy_models import Etranger
from schemas.rejections import Reason

COMMIT = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def _row(**overrides) -> Etranger:
    base = dict(num_etranger="0123456789", nom="DIALLO", prenoms="AMINATA", sexe="F", date_nais="19900512",
                pays_nais="SN ", nationalite="SN ", code_dept="075", date_naturalisation="00000000",
                date_maj="20250110093000", ind_alias="N", sit_matrim="C", cond_entree="N", date_entree="20150900")
    return Etranger(**{**base, **overrides})


def test_a_clean_legacy_person_maps_to_the_values_the_rules_give():
    outcome = map_person(_row(), COMMIT)
    assert isinstance(outcome, PersonMapped)
    u = outcome.usager
    assert (u.numero_etranger, u.nom_naissance, u.prenoms, u.sexe) == ("0123456789", "DIALLO", ["AMINATA"], "F")
    assert (u.nationalite, u.pays_naissance, u.prefecture, u.statut, u.origine) == ("SEN", "SEN", "75", "ACTIF", "AGDREF")
    assert (u.situation_familiale, u.entree_reguliere, u.date_entree_france.isoformat()) == ("CELIBATAIRE", True, "2015-09-01")
    assert u.maj_le == datetime(2025, 1, 10, 8, 30, tzinfo=timezone.utc)


def test_ID4_a_naturalisation_date_makes_the_person_naturalised():
    assert map_person(_row(date_naturalisation="20200115"), COMMIT).usager.statut == "NATURALISE"


def test_ID3_an_alias_record_gets_no_person_of_its_own():
    outcome = map_person(_row(ind_alias="O", num_etranger_ref="123456789 "), COMMIT)
    assert outcome == AliasRecord("0123456789", "0123456789")


def test_ID3_an_alias_without_a_readable_reference_needs_a_person():
    outcome = map_person(_row(ind_alias="O", num_etranger_ref="          "), COMMIT)
    assert isinstance(outcome, PersonRejected)
    assert outcome.remediations[0].field == "num_etranger_ref"


def test_TXT5_a_blank_or_inc_birth_surname_needs_a_person():
    outcome = map_person(_row(nom="INC"), COMMIT)
    assert [r.reason for r in outcome.remediations] == [Reason.NOM_NAISSANCE_ABSENT]


def test_every_rejection_of_a_record_is_reported_at_once():
    outcome = map_person(_row(date_nais="19870229", nationalite="YU ", sexe="Q"), COMMIT)
    assert isinstance(outcome, PersonRejected)
    assert {(r.reason, r.field) for r in outcome.remediations} == {
        (Reason.DATE_INEXISTANTE, "date_nais"), (Reason.NATIONALITE_ETAT_DISPARU, "nationalite"),
        (Reason.CODE_INCONNU, "sexe")}


def test_DAT10_maj_le_falls_back_to_the_legacy_commit_time_when_date_maj_is_unusable():
    assert map_person(_row(date_maj="00000000000000"), COMMIT).usager.maj_le == COMMIT
    assert map_person(_row(date_maj="2025011"), COMMIT).usager.maj_le == COMMIT


def _text(width):
    return st.one_of(st.none(), st.text(max_size=width))


legacy_rows = st.builds(
    Etranger, num_etranger=st.text(max_size=10), nom=st.text(max_size=44), nom_usage=_text(41),
    prenoms=_text(32), sexe=_text(1), date_nais=st.one_of(_text(8), st.from_regex(r"\A[0-9]{8}\Z")),
    pays_nais=_text(3), nationalite=st.one_of(_text(3), st.sampled_from(["MA ", "YU ", "ZZZ", "APA"])),
    ville_nais=_text(28), nom_pere=_text(21), nom_mere=_text(21), prenom_pere=_text(10), prenom_mere=_text(10),
    sit_matrim=_text(1), date_entree=_text(8), cond_entree=_text(1), ind_alias=st.sampled_from([None, "O", "N", " "]),
    num_etranger_ref=_text(10), code_dept=st.one_of(_text(3), st.sampled_from(["075", "020", "02A"])),
    date_naturalisation=_text(8), date_maj=_text(14),
)


@settings(max_examples=400, deadline=None)
@given(legacy_rows)
def test_any_legacy_person_gives_a_person_an_alias_or_classified_rejections_and_never_raises(row):
    outcome = map_person(row, COMMIT)
    assert isinstance(outcome, (PersonMapped, AliasRecord, PersonRejected))
    if isinstance(outcome, PersonRejected):
        assert outcome.remediations and all(isinstance(r.reason, Reason) for r in outcome.remediations)
