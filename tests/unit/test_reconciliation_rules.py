"""Severity from legal facts, and the deep comparison of one dossier: pure rules."""
from __future__ import annotations

from datetime import date

from reconciliation.compare import PipelineState, compare, field_differences
from reconciliation.divergence import FieldDifference, Kind, Severity
from reconciliation.severity import days_left, right_to_stay_or_work_differs, severity

TODAY = date(2026, 11, 27)


def permit(number="T1", start=date(2026, 1, 1), end=date(2027, 1, 1), work=True) -> dict:
    return {"numero_titre": number, "categorie": "CARTE_TEMPORAIRE", "date_debut": start, "date_fin": end,
            "autorisation_travail": work, "statut": "REMIS"}


def dossier(**lists) -> dict:
    base = {"usager": {"numero_etranger": "0000000001", "nom_naissance": "DIALLO", "commune": "PARIS",
                       "prefecture": "75", "maj_le": "x"},
            "titres": [], "demandes": [], "attestations": [], "mesures": []}
    return {**base, **lists}


def test_a_permit_valid_today_missing_in_anef_is_critical():
    assert right_to_stay_or_work_differs(dossier(titres=[permit()]), dossier(), TODAY)


def test_a_permit_expired_in_anef_but_valid_in_agdref_is_critical():
    anef = dossier(titres=[permit(end=date(2026, 11, 1))])
    assert severity(dossier(titres=[permit()]), anef, [], TODAY) is Severity.CRITICAL


def test_losing_the_work_authorisation_is_critical_but_gaining_it_is_not():
    assert severity(dossier(titres=[permit()]), dossier(titres=[permit(work=False)]), [], TODAY) is Severity.CRITICAL
    assert not right_to_stay_or_work_differs(dossier(titres=[permit(work=False)]), dossier(titres=[permit()]), TODAY)


def test_a_removal_measure_annulled_in_one_system_only_is_critical():
    measure = {"numero": "M1", "nature": "OQTF", "annulee": False}
    assert right_to_stay_or_work_differs(dossier(mesures=[measure]), dossier(mesures=[{**measure, "annulee": True}]),
                                         TODAY)
    assert right_to_stay_or_work_differs(dossier(mesures=[measure]), dossier(), TODAY)


def test_identity_is_high_an_address_alone_is_low_anything_else_medium():
    name = FieldDifference("usager.nom_naissance", "A", "B")
    town = FieldDifference("usager.commune", "A", "B")
    mention = FieldDifference("titre[T1].mention", "A", "B")
    assert severity(dossier(), dossier(), [name, town], TODAY) is Severity.HIGH
    assert severity(dossier(), dossier(), [town], TODAY) is Severity.LOW
    assert severity(dossier(), dossier(), [mention, town], TODAY) is Severity.MEDIUM


def test_urgency_is_the_days_until_the_first_right_valid_today_runs_out():
    assert days_left(dossier(titres=[permit(end=date(2026, 12, 7)), permit("T2")]), TODAY) == 10
    assert days_left(dossier(), TODAY) is None


def test_field_differences_name_each_field_and_each_row_present_on_one_side_only():
    agdref = dossier(titres=[permit(), permit("T2")])
    anef = dossier(titres=[permit(work=False)], usager={**dossier()["usager"], "commune": "LYON", "maj_le": "y"})
    found = {f.field: (f.agdref, f.anef) for f in field_differences(agdref, anef)}
    assert found == {"usager.commune": ("PARIS", "LYON"), "titre[T1].autorisation_travail": (True, False),
                     "titre[T2]": ("present", None)}


def test_a_dossier_missing_in_anef_is_missing_unless_agdref_changed_unseen_then_stale():
    [missing] = compare("0000000001", dossier(), None, PipelineState(), TODAY)
    [stale] = compare("0000000001", dossier(), None, PipelineState(legacy_behind=True), TODAY)
    assert (missing.kind, stale.kind) == (Kind.MISSING, Kind.STALE)
    assert missing.severity is Severity.HIGH and missing.prefecture == "75"


def test_a_person_gone_from_agdref_but_in_anef_is_unexpected():
    [found] = compare("0000000001", None, dossier(), PipelineState(), TODAY)
    assert found.kind is Kind.UNEXPECTED


def test_a_parked_dossier_is_reported_with_its_reason_critical_when_a_right_is_lost():
    state = PipelineState(parked_reason="DATE_INEXISTANTE", parked_field="date_nais", legacy_right_today=True,
                          legacy_days_left=5)
    [found] = compare("0000000001", None, None, state, TODAY)
    assert (found.kind, found.severity, found.urgency_days) == (Kind.PARKED, Severity.CRITICAL, 5)
    assert "DATE_INEXISTANTE" in found.detail


def test_a_held_dossier_that_differs_is_a_conflict_and_equal_dossiers_give_nothing():
    anef = dossier(usager={**dossier()["usager"], "nom_naissance": "OTHER"})
    [found] = compare("0000000001", dossier(), anef, PipelineState(conflict_rows=("usager:0000000001",)), TODAY)
    assert found.kind is Kind.CONFLICT
    assert compare("0000000001", dossier(), dossier(), PipelineState(), TODAY) == []


def test_divergences_sort_most_severe_then_most_urgent_first():
    low = compare("2", dossier(), dossier(usager={**dossier()["usager"], "commune": "X"}), PipelineState(), TODAY)[0]
    urgent = compare("3", dossier(titres=[permit(end=date(2026, 11, 30))]), dossier(), PipelineState(), TODAY)[0]
    later = compare("1", dossier(titres=[permit()]), dossier(), PipelineState(), TODAY)[0]
    assert [d.numero_etranger for d in sorted([low, later, urgent], key=lambda d: d.sort_key())] == ["3", "1", "2"]
