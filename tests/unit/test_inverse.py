"""The way back (issue 18): ANEF-native rows in AGDREF's formats, checked by the forward mapping."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from domain import codes, inverse
from domain.address import STREET_TYPES
from domain.dossier import DossierMapped, LegacyDossier, map_dossier
from domain.inverse import LegacyForm, NotRepresentable
from domain.permits import MAXIMUM_VALIDITY
from schemas import anef_models as anef
from schemas import referentials
from schemas.legacy_models import LEGACY_MODELS, Adresse, Demande, DocProvisoire, Etranger, MesureEloignement, Titre
from schemas.rejections import WayBackReason as Why

NUMBER = "0123456789"
CHANGED_AT = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)

_words = st.lists(st.from_regex(r"\A[A-Z]{1,7}\Z"), min_size=1, max_size=3)


def _name(width: int, sep: str = " '-") -> st.SearchStrategy[str]:
    return st.builds(lambda ws, s: s.join(ws), _words, st.sampled_from(list(sep))).filter(
        lambda n: len(n) <= width and n != "INC")


def _day(low: date = date(1930, 1, 1), high: date = date(2030, 12, 31)) -> st.SearchStrategy[str]:
    return st.dates(low, high).map(lambda d: d.strftime("%Y%m%d"))


_moment = st.datetimes(datetime(2000, 1, 1), datetime(2026, 11, 1)).map(lambda d: d.strftime("%Y%m%d%H%M%S"))
_depts = st.sampled_from(["075", "013", "001", "02A", "02B", "971", "976", "093"])
_country = st.sampled_from(["MA", "DZ", "RPC", "E", "SN", "YU", "SU", "ZZZ", "APA", "INC"])
_nationality = st.sampled_from(["MA", "DZ", "RPC", "E", "SN", "ZZZ", "APA", "INC"])


@st.composite
def _permit(draw, key: int) -> Titre:
    code = draw(st.sampled_from(sorted(codes.PERMIT_CATEGORIES)))
    start = draw(st.dates(date(2000, 1, 1), date(2026, 11, 1)))
    maximum = MAXIMUM_VALIDITY[codes.PERMIT_CATEGORIES[code]]
    end = None if maximum is None else start + timedelta(days=draw(st.integers(0, 360 * maximum[0] + 28 * maximum[1])))
    return Titre(num_titre=f"T{key:09d}", num_etranger=NUMBER, num_demande=draw(st.sampled_from(["", f"D{key:011d}"])),
                 type_titre=code, mention=draw(st.one_of(st.just(""), _name(40, " "))),
                 date_debut_val=start.strftime("%Y%m%d"), date_fin_val=end.strftime("%Y%m%d") if end else "00000000",
                 date_remise=draw(st.one_of(st.just("00000000"), _day(start, start + timedelta(days=30)))),
                 autor_travail=draw(st.sampled_from("ON")), num_duplicata=draw(st.integers(0, 3)),
                 lieu_delivrance=draw(_depts), date_maj=draw(_moment))


@st.composite
def legacy_dossiers(draw) -> LegacyDossier:
    """Legacy dossiers the forward mapping takes (mostly): their images are what the way back must return."""
    person = Etranger(
        num_etranger=NUMBER, nom=draw(_name(44)), nom_usage=draw(st.one_of(st.just(""), _name(41))),
        prenoms=draw(st.one_of(st.just(""), _name(32, " "))), sexe=draw(st.sampled_from("MFI")),
        date_nais=draw(st.one_of(_day(), st.just("00000000"), _day().map(lambda d: d[:6] + "00"),
                                 _day().map(lambda d: d[:4] + "0000"))),
        pays_nais=draw(_country), ville_nais=draw(st.one_of(st.just(""), _name(28))), nationalite=draw(_nationality),
        nom_pere=draw(st.one_of(st.just("INC"), _name(21))), nom_mere=draw(st.one_of(st.just("INC"), _name(21))),
        prenom_pere=draw(st.one_of(st.just(""), _name(10))), prenom_mere=draw(st.one_of(st.just(""), _name(10))),
        sit_matrim=draw(st.sampled_from(["", "C", "M", "D", "V", "S"])), date_entree=draw(st.one_of(_day(), st.just("00000000"))),
        cond_entree=draw(st.sampled_from(["", "N", "I"])), ind_alias="N", code_dept=draw(_depts),
        date_naturalisation="00000000", date_maj=draw(_moment))
    addresses = draw(st.lists(st.builds(
        Adresse, num_etranger=st.just(NUMBER), num_ordre=st.just(1), chez=st.one_of(st.just(""), _name(21, " ")),
        num_voie=st.sampled_from(["", "12", "12B", "3T", "7", "1024"]), code_voie=st.sampled_from(["", *STREET_TYPES]),
        lib_voie=st.one_of(st.just(""), _name(24, " ")), code_postal=st.sampled_from(["", "75011", "20000", "97110"]),
        lib_commune=st.sampled_from(["", "PARIS", "ST DENIS", "STE MAXIME", "BOULOGNE S/MER", "CHALONS EN CHAMPAGNE"]),
        code_insee=st.sampled_from(["00000", "75111", "2A004"]), date_debut=st.just("00000000"), date_maj=_moment),
        max_size=1))
    titres = draw(st.lists(st.integers(1, 9), max_size=2, unique=True).flatmap(
        lambda keys: st.tuples(*(_permit(k) for k in keys))))
    demandes = draw(st.lists(st.builds(
        Demande, num_demande=st.sampled_from(["D00000000001", "D00000000002"]), num_etranger=st.just(NUMBER),
        code_dept=_depts, type_titre=st.sampled_from(sorted(codes.PERMIT_CATEGORIES)),
        code_mouvement=st.sampled_from(sorted(codes.APPLICATION_NATURES)), ref_reglementaire=st.sampled_from(["", "L421-1"]),
        date_depot=_day(), decision=st.sampled_from(["", "F", "R", "S"]),
        date_decision=st.one_of(st.just("00000000"), _day()), motif_refus=st.one_of(st.just(""), _name(60)),
        date_maj=_moment), max_size=2, unique_by=lambda d: d.num_demande))
    documents = draw(st.lists(st.builds(
        DocProvisoire, num_doc=st.just("R00000000001"), num_etranger=st.just(NUMBER), num_demande=st.just(""),
        type_doc=st.sampled_from(["RCP", "ADA"]), date_debut=st.just("20260101"), date_fin=_day(date(2026, 1, 1)),
        nb_renouv=st.integers(0, 4), autor_travail=st.sampled_from("ON"), date_maj=_moment), max_size=1))
    measures = draw(st.lists(st.builds(
        MesureEloignement, num_mesure=st.just("M00000000001"), num_etranger=st.just(NUMBER),
        nature=st.sampled_from(codes.MEASURE_NATURES), date_decision=_day(),
        date_notif=st.one_of(st.just("000000000000"), _moment.map(lambda m: m[:12])), delai_depart=st.integers(0, 30),
        contentieux=st.sampled_from("ON"), annulee=st.sampled_from("ON"), execution=st.sampled_from(["", "O", "N"]),
        date_execution=st.one_of(st.just("00000000"), _day()), date_maj=_moment), max_size=1))
    return LegacyDossier(NUMBER, persons=(person,), adresses=tuple(addresses), titres=tuple(titres),
                         demandes=tuple(demandes), documents=tuple(documents), mesures=tuple(measures))


def _as_anef_native(dossier: anef.Dossier) -> anef.Dossier:
    def native(row):
        return row.model_copy(update={"origine": "ANEF"})
    return anef.Dossier(usager=native(dossier.usager), titres=[native(r) for r in dossier.titres],
                        demandes=[native(r) for r in dossier.demandes],
                        attestations=[native(r) for r in dossier.attestations], mesures=[native(r) for r in dossier.mesures])


def _forward(forms: list[LegacyForm]) -> anef.Dossier:
    """The legacy rows the way back wrote, read by the forward mapping as a dossier."""
    rows: dict[str, list] = {}
    for form in forms:
        for table, row in form.rows:
            rows.setdefault(table, []).append(LEGACY_MODELS[table].model_validate(row))
    outcome = map_dossier(LegacyDossier(
        NUMBER, persons=tuple(rows.get("etranger", ())), adresses=tuple(rows.get("adresse", ())),
        titres=tuple(rows.get("titre", ())), demandes=tuple(rows.get("demande", ())),
        documents=tuple(rows.get("doc_provisoire", ())), mesures=tuple(rows.get("mesure_eloignement", ()))),
        CHANGED_AT, TODAY)
    assert isinstance(outcome, DossierMapped), outcome
    return outcome.dossier


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(legacy_dossiers())
def test_INV2_forward_of_inverse_gives_back_every_anef_native_row_the_forward_mapping_can_make(legacy):
    mapped = map_dossier(legacy, CHANGED_AT, TODAY)
    assume(isinstance(mapped, DossierMapped) and not mapped.not_carried)
    native = _as_anef_native(mapped.dossier)
    forms = inverse.legacy_forms(native)
    assert [loss for form in forms for loss in form.losses] == []
    assert _forward(forms) == mapped.dossier  # the same rows, only origine AGDREF again


def _usager(**changes) -> anef.Usager:
    values = dict(numero_etranger=NUMBER, nom_naissance="DUPONT", prenoms=["JEAN"], sexe="M",
                  date_naissance=date(1980, 5, 17), precision_naissance="COMPLETE", nationalite="MAR", prefecture="75",
                  adresse_ligne="12 BIS RUE DES LILAS", code_postal="75011", commune="PARIS", code_insee="75111",
                  statut="ACTIF", origine="ANEF", maj_le=CHANGED_AT)
    return anef.Usager.model_validate({**values, **changes})


def _titre(**changes) -> anef.Titre:
    values = dict(numero_titre="T000000001", numero_etranger=NUMBER, categorie="CARTE_TEMPORAIRE",
                  date_debut=date(2026, 1, 1), date_fin=date(2026, 12, 31), statut="REMIS", date_remise=date(2026, 1, 5),
                  autorisation_travail=True, numero_duplicata=0, prefecture="2A", origine="ANEF", maj_le=CHANGED_AT)
    return anef.Titre.model_validate({**values, **changes})


def _losses(form: LegacyForm) -> dict[str, Why]:
    return {loss.field: loss.reason for loss in form.losses}


def test_INV4_INV6_INV7_a_permit_goes_back_in_the_legacy_codes_and_formats():
    (table, row), = inverse.titre(_titre()).rows
    assert table == "titre"
    assert (row["type_titre"], row["date_debut_val"], row["date_fin_val"], row["date_remise"], row["autor_travail"],
            row["lieu_delivrance"], row["date_maj"]) == ("CST", "20260101", "20261231", "20260105", "O", "02A",
                                                         "20260601120000")


def test_INV14_a_permit_produced_but_not_handed_over_goes_back_with_00000000():
    (_, row), = inverse.titre(_titre(statut="DISPONIBLE", date_remise=None)).rows
    assert row["date_remise"] == "00000000"


def test_INV14_a_permit_handed_over_without_a_date_is_carried_with_its_status_listed_as_lost():
    form = inverse.titre(_titre(date_remise=None))
    assert _losses(form) == {"statut": Why.RELU_AUTREMENT}


def test_INV4_a_birth_date_known_to_the_month_goes_back_as_YYYYMM00():
    (_, person), _ = inverse.usager(_usager(date_naissance=date(1980, 5, 1), precision_naissance="MOIS")).rows
    assert person["date_nais"] == "19800500"


def test_INV8_an_accented_name_goes_back_folded_and_the_loss_is_listed():
    form = inverse.usager(_usager(nom_usage="Müller"))
    assert form.rows[0][1]["nom_usage"] == "MULLER"
    assert _losses(form) == {"nom_usage": Why.FORME_LEGACY}


def test_INV13_a_street_longer_than_the_legacy_column_is_cut_and_listed():
    form = inverse.usager(_usager(adresse_ligne="3 RUE DU FAUBOURG SAINT ANTOINE PROLONGEE"))
    assert form.rows[1][1]["lib_voie"] == "DU FAUBOURG SAINT ANTOIN"
    assert _losses(form) == {"adresse_ligne": Why.TRONQUE}


def test_INV13_a_long_commune_takes_the_legacy_abbreviations_and_reads_back_in_full():
    form = inverse.usager(_usager(commune="SAINT REMY EN BOUZEMONT SAINT GENEST ET ISSON"))
    assert form.rows[1][1]["lib_commune"] == "ST REMY EN BOUZEMONT ST GENE"
    assert _losses(form) == {"commune": Why.TRONQUE}
    fits = inverse.usager(_usager(commune="SAINTE MARIE AUX MINES SUR LA LIEPVRETTE"))
    assert fits.rows[1][1]["lib_commune"] == "STE MARIE AUX MINES S/LA LIE"


def test_INV7_the_refugee_nationality_has_no_legacy_code_and_is_listed():
    form = inverse.usager(_usager(nationalite="XXB"))
    assert form.rows[0][1]["nationalite"] == "ZZZ"
    assert _losses(form) == {"nationalite": Why.SANS_CODE_AGDREF}


def test_INV12_aliases_merged_in_anef_are_not_written_back_and_are_listed():
    form = inverse.usager(_usager(numeros_alias=["0000000002"]))
    assert _losses(form) == {"numeros_alias": Why.ALIAS_NON_REPORTE}


def test_INV5_an_instant_of_the_hour_repeated_in_october_is_listed_as_read_back_an_hour_earlier():
    second_pass = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 winter time, after 02:30 summer time
    assert _losses(inverse.titre(_titre(maj_le=second_pass))) == {"maj_le": Why.RELU_AUTREMENT}
    assert _losses(inverse.titre(_titre(maj_le=second_pass - timedelta(hours=1)))) == {}


def test_INV5_sub_second_precision_is_the_legacy_format_not_a_loss():
    assert _losses(inverse.titre(_titre(maj_le=CHANGED_AT.replace(microsecond=123456)))) == {}


@pytest.mark.parametrize("changes, reason", [
    ({"statut": "NATURALISE"}, Why.NATURALISATION_SANS_DATE),
    ({"nom_naissance": "ИВАНОВ"}, Why.NOM_NAISSANCE_INTRANSCRIPTIBLE),
    ({"nom_naissance": "INC"}, Why.NOM_NAISSANCE_INTRANSCRIPTIBLE),
])
def test_INV9_INV11_a_person_the_legacy_cannot_hold_is_refused_with_its_reason(changes, reason):
    with pytest.raises(NotRepresentable) as refused:
        inverse.usager(_usager(**changes))
    assert refused.value.reason is reason


def test_INV18_a_count_beyond_the_legacy_smallint_is_refused():
    with pytest.raises(NotRepresentable) as refused:
        inverse.titre(_titre(numero_duplicata=40000))
    assert refused.value.reason is Why.VALEUR_HORS_LIMITES


def test_INV19_a_permit_whose_validity_breaks_its_type_is_carried_and_the_forward_refusal_listed():
    form = inverse.titre(_titre(date_fin=date(2029, 1, 1)))
    assert [(loss.field, loss.reason) for loss in form.losses] == [("date_fin_val", Why.RELU_AUTREMENT)]


def test_INV1_only_rows_anef_created_go_back():
    migrated = _titre(origine="AGDREF")
    dossier = anef.Dossier(usager=_usager(origine="AGDREF"), titres=[migrated, _titre(numero_titre="T000000002")])
    assert [form.key for form in inverse.legacy_forms(dossier)] == ["T000000002"]


_countries = sorted(referentials.current_iso3())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.builds(_usager, nom_usage=st.one_of(st.none(), st.text(max_size=50)), ville_naissance=st.text(max_size=40),
                 adresse_ligne=st.text(max_size=60), commune=st.text(max_size=40), nationalite=st.sampled_from(
                     [*_countries[:20], "XXA", "XXB", "XXX"]), maj_le=st.datetimes(timezones=st.just(UTC))))
def test_INV2_any_anef_person_is_refused_or_fits_agdref_with_its_losses_exactly_where_it_reads_back_otherwise(person):
    try:
        form = inverse.usager(person)
    except NotRepresentable:
        return
    for table, row in form.rows:
        LEGACY_MODELS[table].model_validate(row)  # fits the legacy columns
    read = _forward([form]).usager
    differs = {f for f in anef.Usager.model_fields if f != "origine" and getattr(read, f) != (
        getattr(person, f).replace(microsecond=0) if f == "maj_le" else getattr(person, f))}
    assert set(_losses(form)) == differs
