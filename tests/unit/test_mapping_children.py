"""Permit, application, document and measure rules (docs/mapping.md)."""
from datetime import UTC, date, datetime

import pytest

from domain import dates
from domain.applications import map_demande
from domain.context import DossierContext
from domain.documents import map_document
from domain.errors import RemediationNeeded
from domain.measures import map_measure
from domain.permits import check_validity, map_titre
from schemas.legacy_models import Demande, DocProvisoire, MesureEloignement, Titre
from schemas.rejections import Reason

CTX = DossierContext("0000000001", "75011", "75111", datetime(2026, 1, 1, tzinfo=UTC))


def _titre(**kw):
    base = dict(num_titre="T000000001", num_etranger="000000001 ", num_demande="D00000000001", type_titre="CST",
                mention="ETUDIANT", date_debut_val="20250301", date_fin_val="20260228", date_remise="20250310",
                autor_travail="N", num_duplicata=None, lieu_delivrance="093", date_maj="20250310101500")
    return map_titre(Titre(**{**base, **kw}), CTX)


def _reasons(collector):
    return [(r.reason, r.field) for r in collector.remediations]


def test_PER1_legacy_permit_types_become_anef_categories():
    for legacy, anef in [("CST", "CARTE_TEMPORAIRE"), ("CSP", "CARTE_PLURIANNUELLE"), ("CRA1", "CERTIFICAT_ALGERIEN_1AN"),
                         ("VLS", "VISA_LONG_SEJOUR"), ("APS", "AUTORISATION_PROVISOIRE")]:
        assert _titre(type_titre=legacy)[0].categorie == anef
    assert _reasons(_titre(type_titre="XX")[1]) == [(Reason.CODE_INCONNU, "type_titre")]


def test_a_permit_maps_to_its_holder_and_the_values_the_rules_give():
    t, _ = _titre()
    assert (t.numero_titre, t.numero_etranger, t.numero_demande, t.prefecture, t.autorisation_travail) == (
        "T000000001", "0000000001", "D00000000001", "93", False)
    assert (t.date_debut, t.date_fin, t.mention) == (date(2025, 3, 1), date(2026, 2, 28), "ETUDIANT")


@pytest.mark.parametrize("category, start, end", [
    ("CARTE_TEMPORAIRE", date(2024, 2, 29), date(2025, 2, 28)), ("CARTE_PLURIANNUELLE", date(2020, 1, 1), date(2024, 1, 1)),
    ("CARTE_RESIDENT", date(2015, 6, 1), date(2025, 5, 31)), ("AUTORISATION_PROVISOIRE", date(2025, 1, 31), date(2026, 1, 31)),
    ("CARTE_RESIDENT_PERMANENT", date(2015, 6, 1), None)])
def test_PER2_a_validity_within_the_rules_of_its_type_passes(category, start, end):
    check_validity(category, start, end)


@pytest.mark.parametrize("category, start, end", [
    ("CARTE_TEMPORAIRE", date(2025, 1, 1), date(2026, 1, 2)), ("CARTE_TEMPORAIRE", date(2025, 1, 1), date(2024, 12, 31)),
    ("PASSEPORT_TALENT", date(2020, 1, 1), date(2024, 1, 2)), ("CARTE_RESIDENT_PERMANENT", date(2015, 6, 1), date(2025, 6, 1)),
    ("CARTE_RESIDENT", date(2015, 6, 1), None), ("AUTORISATION_PROVISOIRE", date(2025, 1, 31), date(2026, 2, 1))])
def test_PER2_a_validity_breaking_the_rules_of_its_type_needs_a_person(category, start, end):
    with pytest.raises(RemediationNeeded) as caught:
        check_validity(category, start, end)
    assert caught.value.remediation.reason is Reason.VALIDITE_HORS_REGLES


def test_PER3_a_permit_not_handed_over_is_available_and_one_handed_over_is_delivered():
    assert (_titre(date_remise="00000000")[0].statut, _titre(date_remise="00000000")[0].date_remise) == ("DISPONIBLE", None)
    assert (_titre()[0].statut, _titre()[0].date_remise) == ("REMIS", date(2025, 3, 10))


def test_PER4_a_blank_duplicate_number_is_the_original():
    assert _titre(num_duplicata=None)[0].numero_duplicata == 0
    assert _titre(num_duplicata=2)[0].numero_duplicata == 2


def test_PER5_a_permit_without_start_or_work_flag_needs_a_person():
    assert _reasons(_titre(date_debut_val="00000000")[1]) == [(Reason.DATE_MANQUANTE, "date_debut_val")]
    assert _reasons(_titre(autor_travail=" ")[1]) == [(Reason.CODE_INCONNU, "autor_travail")]


def test_DAT11_a_partial_validity_date_is_incomplete():
    assert _reasons(_titre(date_debut_val="20250300")[1]) == [(Reason.DATE_INCOMPLETE, "date_debut_val")]
    with pytest.raises(RemediationNeeded):
        dates.complete_date("20250000", "d")


def _demande(**kw):
    base = dict(num_demande="D00000000001", num_etranger="0000000001", code_dept="075", type_titre="CSP",
                code_mouvement="RN", ref_reglementaire="L433-4", date_depot="20250101", decision=" ",
                date_decision="00000000", motif_refus="", date_maj="20250101120000")
    return map_demande(Demande(**{**base, **kw}), CTX)


def test_DEM1_to_DEM3_applications_map_their_movement_decision_and_dates():
    d, _ = _demande()
    assert (d.nature, d.categorie_demandee, d.statut, d.date_decision, d.fondement, d.prefecture) == (
        "RENOUVELLEMENT", "CARTE_PLURIANNUELLE", "EN_INSTRUCTION", None, "L433-4", "75")
    d, _ = _demande(decision="R", date_decision="20250301", motif_refus="DOSSIER INCOMPLET", code_mouvement="PR")
    assert (d.nature, d.statut, d.date_decision, d.motif_refus) == ("PREMIERE", "REFUSEE", date(2025, 3, 1), "DOSSIER INCOMPLET")
    assert [_demande(decision=c)[0].statut for c in "FS"] == ["ACCORDEE", "CLASSEE_SANS_SUITE"]
    assert [_demande(code_mouvement=c)[0].nature for c in ("CS", "DU")] == ["CHANGEMENT_STATUT", "DUPLICATA"]
    assert _reasons(_demande(date_depot="00000000")[1]) == [(Reason.DATE_MANQUANTE, "date_depot")]


def _document(**kw):
    base = dict(num_doc="R00000000001", num_etranger="0000000001", num_demande="D00000000001", type_doc="RCP",
                date_debut="20250101", date_fin="20250401", nb_renouv=None, autor_travail="O")
    return map_document(DocProvisoire(**{**base, **kw}), CTX)


def test_DOC1_to_DOC3_receipts_become_attestations():
    a, _ = _document()
    assert (a.type, a.renouvellements, a.autorisation_travail, a.date_fin) == (
        "PROLONGATION_INSTRUCTION", 0, True, date(2025, 4, 1))
    assert _document(type_doc="ADA")[0].type == "DEMANDE_ASILE"
    assert _reasons(_document(date_fin="20241231")[1]) == [(Reason.VALIDITE_HORS_REGLES, "date_fin")]
    assert _reasons(_document(date_fin="00000000")[1]) == [(Reason.DATE_MANQUANTE, "date_fin")]


def _measure(**kw):
    base = dict(num_mesure="M00000000001", num_etranger="0000000001", nature="OQTF", date_decision="20240315",
                date_notif="202403201430", delai_depart=30, contentieux="O", annulee="N", execution=" ",
                date_execution="00000000")
    return map_measure(MesureEloignement(**{**base, **kw}), CTX)


@pytest.mark.parametrize("change, field", [({"delai_depart": None}, "delai_depart"), ({"delai_depart": -1}, "delai_depart"),
                                           ({"contentieux": " "}, "contentieux"), ({"annulee": ""}, "annulee")])
def test_MES2_MES3_a_blank_or_impossible_protective_value_waits_for_a_person(change, field):
    """Never the least favourable reading: no "0 days to leave", no "not under appeal" by default."""
    assert _reasons(_measure(**change)[1]) == [(Reason.PROTECTION_INCONNUE, field)]


def test_MES1_to_MES4_measures_keep_their_nature_flags_and_notification_instant():
    m, _ = _measure()
    assert (m.nature, m.delai_depart_jours, m.contentieux, m.annulee, m.executee, m.date_execution) == (
        "OQTF", 30, True, False, False, None)
    assert m.notifiee_le == datetime(2024, 3, 20, 13, 30, tzinfo=UTC)
    assert _reasons(_measure(nature="AUTRE")[1]) == [(Reason.CODE_INCONNU, "nature")]
