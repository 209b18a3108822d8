"""The rights ledger's rules: only what hurts the person is a finding, and urgency counts from the
earlier end on either side."""
from __future__ import annotations

from datetime import date, timedelta

from rights.identity import UNDETERMINED, anef_scope, number, root, scope
from rights.rules import APPLICATION, MEASURE, PERMIT, RECEIPT, Document, RightsKind, compare, urgency_days

TODAY = date(2026, 11, 30)
T = TODAY.strftime("%Y%m%d")


def d(days: int) -> str:
    return (TODAY + timedelta(days=days)).strftime("%Y%m%d")


CARD = Document(PERMIT, "T1", "0000000001", start=d(-100), end=d(265), work=True)
RECEIPT_ = Document(RECEIPT, "R1", "0000000001", start=d(-10), end=d(80), work=True, renewals=1)
PENDING = Document(APPLICATION, "D1", "0000000001", status="pending", filed=d(-20))
OQTF = Document(MEASURE, "M1", "0000000001", start=d(-50), annulled="no", appeal="no", delay=30, executed="no")


def kinds(agdref, anef) -> list[RightsKind]:
    return [f.kind for f in compare(agdref, anef, T)]


def test_a_valid_permit_absent_from_anef_is_a_right_missing():
    assert kinds(CARD, None) == [RightsKind.RIGHT_MISSING]


def test_a_permit_anef_gives_to_another_person_is_a_right_missing():
    assert kinds(CARD, Document(PERMIT, "T1", "0000000002", start=CARD.start, end=CARD.end, work=True)) == \
        [RightsKind.RIGHT_MISSING]


def test_the_same_permit_on_both_sides_is_no_finding():
    assert kinds(CARD, CARD) == []


def test_anef_ending_earlier_is_weaker_and_urgent_from_the_earlier_date():
    anef = Document(PERMIT, "T1", CARD.holder, start=CARD.start, end=d(1), work=True)
    found = compare(Document(PERMIT, "T1", CARD.holder, start=CARD.start, end="20301231", work=True), anef, T)
    assert [f.kind for f in found] == [RightsKind.RIGHT_WEAKER]
    assert urgency_days(found, (), TODAY) == 1


def test_anef_ending_later_or_permanent_is_not_a_right_lost():
    assert kinds(CARD, Document(PERMIT, "T1", CARD.holder, start=CARD.start, end=d(900), work=True)) == []
    assert kinds(CARD, Document(PERMIT, "T1", CARD.holder, start=CARD.start, end="", work=True)) == []


def test_a_permanent_card_with_an_end_in_anef_is_weaker():
    permanent = Document(PERMIT, "T9", CARD.holder, start=d(-900), end="", work=True)
    assert kinds(permanent, Document(PERMIT, "T9", CARD.holder, start=d(-900), end=d(30), work=True)) == \
        [RightsKind.RIGHT_WEAKER]


def test_a_work_authorisation_lost_in_anef_is_weaker():
    assert kinds(CARD, Document(PERMIT, "T1", CARD.holder, start=CARD.start, end=CARD.end, work=False)) == \
        [RightsKind.RIGHT_WEAKER]


def test_a_receipt_extended_in_agdref_but_not_in_anef_is_weaker_twice():
    old = Document(RECEIPT, "R1", RECEIPT_.holder, start=RECEIPT_.start, end=d(10), work=True, renewals=0)
    found = compare(RECEIPT_, old, T)
    assert {f.field for f in found} == {"attestation[R1].date_fin", "attestation[R1].renouvellements"}
    assert {f.kind for f in found} == {RightsKind.RIGHT_WEAKER} and urgency_days(found, (), TODAY) == 10


def test_a_partial_legacy_end_is_not_weaker_than_its_first_day_in_anef():
    partial = Document(PERMIT, "T1", CARD.holder, start=CARD.start, end="20270300", work=True)
    assert kinds(partial, Document(PERMIT, "T1", CARD.holder, start=CARD.start, end="20270301", work=True)) == []


def test_a_renewal_card_starting_next_week_missing_is_as_urgent_as_the_current_card_ending():
    renewal = Document(PERMIT, "T2", CARD.holder, start=d(7), end=d(372), work=True)
    found = compare(renewal, None, T)
    assert [f.kind for f in found] == [RightsKind.RIGHT_MISSING]
    assert urgency_days(found, (d(5),), TODAY) == 5


def test_a_later_start_in_anef_matters_only_while_it_has_not_come():
    renewal = Document(PERMIT, "T2", CARD.holder, start=d(7), end=d(372), work=True)
    assert kinds(renewal, Document(PERMIT, "T2", CARD.holder, start=d(30), end=d(372), work=True)) == \
        [RightsKind.RIGHT_WEAKER]
    past = Document(PERMIT, "T3", CARD.holder, start="20250000", end=d(40), work=True)
    assert kinds(past, Document(PERMIT, "T3", CARD.holder, start="20250101", end=d(40), work=True)) == []


def test_a_pending_application_absent_from_anef_is_an_application_missing():
    assert kinds(PENDING, None) == [RightsKind.APPLICATION_MISSING]


def test_a_pending_application_refused_or_closed_in_anef_is_a_decision_that_differs():
    for status in ("refused", "closed"):
        assert kinds(PENDING, Document(APPLICATION, "D1", PENDING.holder, status=status)) == \
            [RightsKind.DECISION_DIFFERS]
    assert kinds(PENDING, Document(APPLICATION, "D1", PENDING.holder, status="granted")) == []


def test_an_application_granted_in_agdref_and_refused_in_anef_is_a_decision_that_differs():
    granted = Document(APPLICATION, "D2", PENDING.holder, status="granted")
    assert kinds(granted, Document(APPLICATION, "D2", PENDING.holder, status="refused")) == \
        [RightsKind.DECISION_DIFFERS]


def test_a_measure_annulled_or_appealed_in_agdref_but_not_in_anef_is_harsher_and_urgent_now():
    annulled = Document(MEASURE, "M1", OQTF.holder, annulled="yes", appeal="no", delay=30, executed="no")
    found = compare(annulled, OQTF, T)
    assert [f.kind for f in found] == [RightsKind.MEASURE_HARSHER] and urgency_days(found, (), TODAY) == 0
    appealed = Document(MEASURE, "M1", OQTF.holder, annulled="no", appeal="yes", delay=30, executed="no")
    assert kinds(appealed, OQTF) == [RightsKind.MEASURE_HARSHER]


def test_a_shorter_departure_period_in_anef_is_harsher_and_a_blank_one_read_as_zero_too():
    longer = Document(MEASURE, "M1", OQTF.holder, annulled="no", appeal="no", delay=60, executed="no")
    assert kinds(longer, OQTF) == [RightsKind.MEASURE_HARSHER]
    blank = Document(MEASURE, "M1", OQTF.holder, annulled="unknown", appeal="no", delay=None, executed="no")
    zero = Document(MEASURE, "M1", OQTF.holder, annulled="no", appeal="no", delay=0, executed="no")
    assert {f.field for f in compare(blank, zero, T)} == {"mesure_eloignement[M1].annulee",
                                                           "mesure_eloignement[M1].delai_depart_jours"}


def test_a_measure_in_force_in_anef_that_agdref_no_longer_has_is_harsher_unless_anef_made_it():
    assert kinds(None, OQTF) == [RightsKind.MEASURE_HARSHER]
    assert kinds(None, Document(**{**vars(OQTF), "origin": "ANEF"})) == []
    assert kinds(None, Document(**{**vars(OQTF), "annulled": "yes"})) == []


def test_an_executed_or_absent_measure_protects_nobody_less():
    executed = Document(**{**vars(OQTF), "annulled": "yes", "executed": "yes"})
    assert kinds(executed, OQTF) == [] and kinds(OQTF, None) == []


def test_numbers_owners_and_scopes_follow_the_legacy_conventions():
    assert number("123456789 ") == "0123456789" and number("0123456789") == "0123456789" and number(None) == ""
    assert root("5000000001", "O", "123456789 ") == "0123456789" and root("0000000002", "N", "") == "0000000002"
    assert [scope(c) for c in ("075", "001", "009", "02A", "02B", "971", "976", "000", "", "XYZ")] == \
        ["75", "01", "09", "2A", "2B", "971", "976", UNDETERMINED, UNDETERMINED, UNDETERMINED]
    assert scope("020", "20090") == "2A" and scope("020", "20600") == "2B" and scope("020", "", "2B033") == "2B"
    assert scope("020", "", "20033") == UNDETERMINED and scope("020") == UNDETERMINED
    assert anef_scope("6") == "06" and anef_scope("2A") == "2A" and anef_scope("20") == UNDETERMINED
