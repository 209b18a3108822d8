"""Dossier rules (docs/mapping.md: Dossier, Aliases, Addresses)."""
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import address
from domain.aliases import resolve_reference
from domain.assembly import assemble
from domain.dossier import DossierErased, DossierMapped, DossierRejected, LegacyDossier, map_dossier
from domain.errors import RemediationNeeded
from schemas.legacy_models import Adresse, Demande, Etranger, Titre
from schemas.rejections import Reason

AT = datetime(2026, 3, 1, tzinfo=UTC)


def person(numero="0000000001", **kw) -> Etranger:
    base = dict(num_etranger=numero, nom="DIALLO", prenoms="AMINATA", sexe="F", date_nais="19900512",
                pays_nais="SN ", nationalite="SN ", code_dept="075", date_maj="20250110093000", ind_alias="N")
    return Etranger(**{**base, **kw})


def titre(num="T000000001", owner="0000000001", **kw) -> Titre:
    base = dict(num_titre=num, num_etranger=owner, type_titre="CST", date_debut_val="20250101",
                date_fin_val="20251231", date_remise="20250115", autor_travail="O", num_duplicata=0,
                lieu_delivrance="075", mention="SALARIE")
    return Titre(**{**base, **kw})


def test_ALI1_an_alias_chain_resolves_to_its_last_reference():
    assert resolve_reference("A", {"A": "B", "B": "C", "C": None}) == "C"


def test_ALI2_an_alias_pointing_at_no_record_needs_a_person():
    with pytest.raises(RemediationNeeded) as caught:
        resolve_reference("A", {"A": "B"})
    assert caught.value.remediation.reason is Reason.ALIAS_SANS_REFERENCE


def test_ALI3_an_alias_loop_needs_a_person():
    with pytest.raises(RemediationNeeded) as caught:
        resolve_reference("A", {"A": "B", "B": "A"})
    assert caught.value.remediation.reason is Reason.ALIAS_BOUCLE


def test_ID3_an_alias_and_its_permits_belong_to_the_reference_person():
    alias = person("0000000002", ind_alias="O", num_etranger_ref="0000000001")
    dossiers = assemble({"etranger": [person(), alias], "titre": [titre(owner="0000000002")]})
    assert set(dossiers) == {"0000000001"}
    outcome = map_dossier(dossiers["0000000001"], AT)
    assert outcome.dossier.usager.numeros_alias == ["0000000002"]
    assert [t.numero_etranger for t in outcome.dossier.titres] == ["0000000001"]


def test_ID5_records_normalising_to_one_number_are_one_person_the_latest_giving_identity():
    older = person("123456789 ", nom="ANCIEN", date_maj="20100101000000")
    newer = person("0123456789", nom="RECENT", date_maj="20200101000000")
    dossiers = assemble({"etranger": [older, newer], "titre": [titre(owner="123456789 ")]})
    outcome = map_dossier(dossiers["0123456789"], AT)
    assert outcome.dossier.usager.nom_naissance == "RECENT"
    assert outcome.dossier.titres[0].numero_etranger == "0123456789"


def test_ALI2_a_broken_alias_is_its_own_rejected_dossier_with_its_rows():
    alias = person("0000000002", ind_alias="O", num_etranger_ref="0000000099")
    dossiers = assemble({"etranger": [person(), alias], "titre": [titre(owner="0000000002")]})
    outcome = map_dossier(dossiers["0000000002"], AT)
    assert isinstance(outcome, DossierRejected) and outcome.remediations[0].reason is Reason.ALIAS_SANS_REFERENCE
    assert isinstance(map_dossier(dossiers["0000000001"], AT), DossierMapped)


def test_DOS1_one_row_the_rules_refuse_parks_the_whole_dossier_with_every_reason():
    legacy = LegacyDossier("0000000001", persons=(person(),),
                           titres=(titre(date_debut_val="20260101", date_fin_val="20251231"),
                                   titre("T2", type_titre="ZZ")))
    outcome = map_dossier(legacy, AT, AT.date())
    assert isinstance(outcome, DossierRejected)
    assert {(r.table, r.key, r.reason) for r in outcome.remediations} == {
        ("titre", "T000000001", Reason.VALIDITE_HORS_REGLES), ("titre", "T2", Reason.CODE_INCONNU)}


def test_DOS2_rows_without_a_person_record_need_a_person():
    outcome = map_dossier(LegacyDossier("0000000001", titres=(titre(),)), AT)
    assert outcome.remediations[0].reason is Reason.PERSONNE_ABSENTE


def test_DOS3_a_number_with_nothing_left_is_erased():
    assert map_dossier(LegacyDossier("0000000001"), AT) == DossierErased("0000000001")


def _address(order, **kw):
    base = dict(num_etranger="0000000001", num_ordre=order, num_voie="12B", code_voie="BD", lib_voie="VICTOR HUGO",
                code_postal="93200", lib_commune="ST DENIS", code_insee="93066")
    return Adresse(**{**base, **kw})


def test_ADR1_the_current_address_is_the_highest_order_number():
    assert address.current([_address(1), _address(3, lib_voie="PASTEUR"), _address(2)]).lib_voie == "PASTEUR"


def test_ADR3_to_ADR7_the_address_is_written_out_in_full():
    where = address.to_anef(_address(1, chez="DUPONT", code_insee="00000"))
    assert where.adresse_ligne == "CHEZ DUPONT - 12 BIS BOULEVARD VICTOR HUGO"
    assert (where.code_postal, where.commune, where.code_insee) == ("93200", "SAINT DENIS", None)
    assert address.commune("STE GENEVIEVE S/ BOIS") == "SAINTE GENEVIEVE SUR BOIS"
    assert address.street_number("3T") == "3 TER"


def test_COD8_corsica_before_1976_is_decided_by_the_current_address():
    legacy = LegacyDossier("0000000001", persons=(person(code_dept="020"),),
                           adresses=(_address(1, code_postal="20200", code_insee="2B033"),),
                           titres=(titre(lieu_delivrance="020"),))
    outcome = map_dossier(legacy, AT)
    assert (outcome.dossier.usager.prefecture, outcome.dossier.titres[0].prefecture) == ("2B", "2B")


def _text(width):
    return st.one_of(st.none(), st.text(max_size=width))


def _date():
    return st.one_of(_text(8), st.from_regex(r"\A(19|20)[0-9]{2}(0[0-9]|1[0-3])[0-3][0-9]\Z"), st.just("00000000"))


def _row(model, **fields):
    return st.builds(model, **fields)


legacy_dossiers = st.builds(
    LegacyDossier, numero=st.just("0000000001"),
    persons=st.lists(_row(Etranger, num_etranger=st.sampled_from(["0000000001", "000000001 "]), nom=st.text(max_size=44),
                          sexe=_text(1), date_nais=_date(), nationalite=st.one_of(_text(3), st.sampled_from(["MA", "YU"])),
                          code_dept=st.one_of(_text(3), st.sampled_from(["075", "020"])), date_maj=_text(14),
                          ind_alias=st.sampled_from([None, "O", "N"])), max_size=2).map(tuple),
    titres=st.lists(_row(Titre, num_titre=st.text(min_size=1, max_size=10), type_titre=_text(5),
                         date_debut_val=_date(), date_fin_val=_date(), date_remise=_date(), autor_travail=_text(1),
                         lieu_delivrance=_text(3), num_duplicata=st.one_of(st.none(), st.integers(-5, 5))),
                    max_size=3).map(tuple),
    demandes=st.lists(_row(Demande, num_demande=st.text(min_size=1, max_size=12), code_mouvement=_text(2),
                           decision=_text(1), date_depot=_date(), date_decision=_date(), type_titre=_text(5),
                           code_dept=_text(3)), max_size=2).map(tuple),
    adresses=st.lists(_row(Adresse, num_etranger=st.just("0000000001"), num_ordre=st.integers(0, 5),
                           code_postal=_text(5), code_insee=_text(5), num_voie=_text(4), code_voie=_text(4)),
                      max_size=2).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(legacy_dossiers)
def test_any_legacy_dossier_gives_a_dossier_or_classified_rejections_and_never_raises(legacy):
    outcome = map_dossier(legacy, AT)
    assert isinstance(outcome, (DossierMapped, DossierRejected, DossierErased))
    if isinstance(outcome, DossierRejected):
        assert outcome.remediations and all(isinstance(r.reason, Reason) and r.field for r in outcome.remediations)


def test_ADR2_an_aliass_own_addresses_are_not_the_reference_persons():
    alias = person("0000000002", ind_alias="O", num_etranger_ref="0000000001")
    dossiers = assemble({"etranger": [person(), alias],
                         "adresse": [_address(1), _address(5, num_etranger="0000000002", lib_voie="PASTEUR")]})
    assert [a.lib_voie for a in dossiers["0000000001"].adresses] == ["VICTOR HUGO"]


def test_HIS1_a_defect_in_an_expired_permit_does_not_hold_todays_card_back():
    """An expired 2010 permit with a partial hand-over date is left out (not carried: defective
    history); the card valid today reaches ANEF."""
    old = titre("T000000010", date_debut_val="20100101", date_fin_val="20101231", date_remise="20100300")
    today_card = titre("T000000011", date_debut_val="20260101", date_fin_val="20261231")
    outcome = map_dossier(LegacyDossier("0000000001", persons=(person(),), titres=(old, today_card)), AT, AT.date())
    assert isinstance(outcome, DossierMapped)
    assert [t.numero_titre for t in outcome.dossier.titres] == ["T000000011"]
    assert [(r.table, r.key, r.reason, r.field) for r in outcome.not_carried] == [
        ("titre", "T000000010", Reason.DATE_INCOMPLETE, "date_remise")]


def test_HIS1_the_same_defect_in_a_current_permit_still_holds_the_dossier():
    current = titre("T000000012", date_debut_val="20260101", date_fin_val="20261231", date_remise="20260100")
    outcome = map_dossier(LegacyDossier("0000000001", persons=(person(),), titres=(current,)), AT, AT.date())
    assert isinstance(outcome, DossierRejected) and outcome.remediations[0].reason is Reason.DATE_INCOMPLETE


def test_ALI4_a_person_record_and_an_alias_record_of_one_number_need_a_person():
    legacy = LegacyDossier("0000000001", persons=(person(), person(ind_alias="O", num_etranger_ref="0000000002")))
    assert map_dossier(legacy, AT).remediations[0].reason is Reason.ALIAS_DOUBLON_PERSONNE


def test_ALI5_two_alias_records_of_one_number_pointing_to_different_references_need_a_person():
    first = person("0000000003", ind_alias="O", num_etranger_ref="0000000001")
    second = person("000000003 ", ind_alias="O", num_etranger_ref="0000000002")
    legacy = LegacyDossier("0000000001", persons=(person(),), aliases=(first, second))
    assert map_dossier(legacy, AT).remediations[0].reason is Reason.ALIAS_REFERENCES_MULTIPLES


def test_PER2_an_impossible_end_date_is_counted_once():
    outcome = map_dossier(LegacyDossier("0000000001", persons=(person(),),
                                        titres=(titre(date_debut_val="20260101", date_fin_val="20261341"),)),
                          AT, AT.date())
    assert [r.reason for r in outcome.remediations] == [Reason.DATE_INEXISTANTE]


def test_COD8_an_old_permit_coded_020_is_decided_by_the_address_in_force_when_it_was_issued():
    addresses = (Adresse(num_etranger="0000000001", num_ordre=1, code_postal="20200", code_insee="2B033",
                         date_debut="19700101"),
                 Adresse(num_etranger="0000000001", num_ordre=2, code_postal="20090", code_insee="2A004",
                         date_debut="19900101"))
    legacy = LegacyDossier("0000000001", persons=(person(code_dept="02A"),), adresses=addresses,
                           titres=(titre("T000000020", lieu_delivrance="020", type_titre="CR",
                                         date_debut_val="19800101", date_fin_val="19891231"),
                                   titre("T000000021", lieu_delivrance="020", type_titre="CRP",
                                         date_debut_val="19950101", date_fin_val="00000000")))
    outcome = map_dossier(legacy, AT, AT.date())
    assert {t.numero_titre: t.prefecture for t in outcome.dossier.titres} == {"T000000020": "2B", "T000000021": "2A"}


def test_DEC1_a_recorded_decision_is_applied_while_agdref_keeps_the_value_it_was_taken_on():
    from domain.decisions import RecordedDecision

    decided = RecordedDecision(1, "nationality", "etranger", "0000000001", "nationalite", "YU", "SRB")
    legacy = LegacyDossier("0000000001", persons=(person(nationalite="YU "),), decisions=(decided,))
    assert map_dossier(legacy, AT, AT.date()).dossier.usager.nationalite == "SRB"
    undecided = LegacyDossier("0000000001", persons=(person(nationalite="YU "),))
    assert map_dossier(undecided, AT, AT.date()).remediations[0].reason is Reason.NATIONALITE_ETAT_DISPARU


def test_DEC2_a_decision_whose_legacy_value_changed_since_is_flagged_not_applied():
    from domain.decisions import RecordedDecision

    decided = RecordedDecision(1, "date", "titre", "T000000001", "date_fin_val", "20261341", "20261231")
    legacy = LegacyDossier("0000000001", persons=(person(),), decisions=(decided,),
                           titres=(titre(date_debut_val="20260101", date_fin_val="20261130"),))
    outcome = map_dossier(legacy, AT, AT.date())
    assert [r.reason for r in outcome.remediations] == [Reason.DECISION_PERIMEE]


@pytest.mark.parametrize("rule, table, field, value", [
    ("nationality", "etranger", "nationalite", "YU"), ("nationality", "etranger", "nationalite", "QQQ"),
    ("corsica", "etranger", "code_dept", "075"), ("date", "titre", "date_fin_val", "20260230"),
    ("date", "titre", "nom", "20260101"), ("name", "etranger", "nom", "ИВАН"), ("merge", "etranger", "nom", "X")])
def test_DEC3_a_decision_the_rules_cannot_accept_is_refused(rule, table, field, value):
    from domain.decisions import DecisionRefused, check

    with pytest.raises(DecisionRefused):
        check(rule, table, field, value)
