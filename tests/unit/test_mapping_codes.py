"""Code rules (docs/mapping.md, sections Codes and Plain codes)."""
import pytest

from domain import codes
from domain.errors import RemediationNeeded
from schemas.rejections import Reason


def _reason(call, *args):
    with pytest.raises(RemediationNeeded) as caught:
        call(*args)
    return caught.value.remediation.reason


@pytest.mark.parametrize("legacy, iso", [("E  ", "ESP"), ("ES ", "SLV"), ("RU ", "BDI"), ("CL ", "LKA"),
                                         ("RPC", "CHN"), ("MA ", "MAR")])
def test_COD1_countries_go_through_the_referential(legacy, iso):
    assert codes.nationality(legacy) == iso
    assert codes.country_of_birth(legacy) == iso


@pytest.mark.parametrize("legacy, icao", [("ZZZ", "XXX"), ("INC", "XXX"), ("   ", "XXX"), (None, "XXX"), ("APA", "XXA")])
def test_COD2_unknown_and_stateless_nationalities_take_icao_codes(legacy, icao):
    assert codes.nationality(legacy) == icao


@pytest.mark.parametrize("legacy", ["YU ", "SU ", "CS ", "DDR", "ZR ", "SCG"])
def test_COD3_a_former_state_is_never_a_nationality(legacy):
    assert _reason(codes.nationality, legacy) is Reason.NATIONALITE_ETAT_DISPARU


@pytest.mark.parametrize("legacy, iso", [("YU ", "YUG"), ("SU ", "SUN"), ("CS ", "CSK"), ("DDR", "DDR"),
                                         ("ZR ", "ZAR"), ("SCG", "SCG")])
def test_COD4_a_former_state_is_a_valid_country_of_birth(legacy, iso):
    assert codes.country_of_birth(legacy) == iso


@pytest.mark.parametrize("legacy", ["ZZZ", "INC", "APA", "   ", None])
def test_COD5_unknown_or_stateless_country_of_birth_is_null(legacy):
    assert codes.country_of_birth(legacy) is None


def test_COD6_a_code_absent_from_the_referential_needs_a_person():
    assert _reason(codes.nationality, "QQQ") is Reason.CODE_PAYS_INCONNU
    assert _reason(codes.country_of_birth, "QQ ") is Reason.CODE_PAYS_INCONNU


@pytest.mark.parametrize("legacy, anef", [("075", "75"), ("013", "13"), ("001", "01"), ("006", "06"),
                                          ("009", "09"), ("971", "971"), ("976", "976"), ("02A", "2A"), ("02B", "2B")])
def test_COD7_department_codes_lose_their_padding(legacy, anef):
    assert codes.department(legacy, "code_dept") == anef


@pytest.mark.parametrize("postcode, insee, anef", [("20000", None, "2A"), ("20167", None, "2A"),
                                                   ("20200", None, "2B"), ("20600", None, "2B"),
                                                   (None, "2B033", "2B"), ("     ", "2A004", "2A")])
def test_COD8_corsica_before_1976_is_decided_by_postcode_or_commune(postcode, insee, anef):
    assert codes.department("020", "code_dept", postcode, insee) == anef


def test_COD8_corsica_before_1976_without_postcode_or_commune_needs_a_person():
    assert _reason(codes.department, "020", "code_dept") is Reason.CORSE_INDETERMINEE
    assert _reason(codes.department, "020", "code_dept", "75001", "75101") is Reason.CORSE_INDETERMINEE


@pytest.mark.parametrize("insee", ["20033", "20247", "20004"])
def test_COD8_an_old_corsican_insee_code_does_not_tell_2a_from_2b(insee):
    """20033 is Bastia (Haute-Corse), 20247 Porto-Vecchio (Corse-du-Sud): the number says nothing."""
    assert _reason(codes.department, "020", "code_dept", None, insee) is Reason.CORSE_INDETERMINEE


@pytest.mark.parametrize("legacy", ["000", "096", "977", "ABC", "   ", None, "75", "00A"])
def test_COD9_a_code_that_is_not_a_department_needs_a_person(legacy):
    assert _reason(codes.department, legacy, "code_dept") is Reason.DEPARTEMENT_INCONNU


def test_COD10_sex_codes_map_and_blank_is_not_guessed():
    assert [codes.sex(c) for c in "MFI"] == ["M", "F", "X"]
    assert _reason(codes.sex, " ") is Reason.CODE_INCONNU
    assert _reason(codes.sex, "Z") is Reason.CODE_INCONNU


def test_COD11_marital_status_codes_map_and_blank_is_null():
    assert [codes.marital_status(c) for c in "CMDVS"] == ["CELIBATAIRE", "MARIE", "DIVORCE", "VEUF", "SEPARE"]
    assert codes.marital_status(" ") is None
    assert _reason(codes.marital_status, "X") is Reason.CODE_INCONNU


def test_COD12_entry_condition_maps_to_a_nullable_boolean():
    assert (codes.regular_entry("N"), codes.regular_entry("I"), codes.regular_entry(" ")) == (True, False, None)


def test_COD13_flags_o_and_n_are_booleans():
    assert (codes.flag("O", "f"), codes.flag("N", "f"), codes.flag(" ", "f", blank=False)) == (True, False, False)
    assert _reason(codes.flag, "Y", "f") is Reason.CODE_INCONNU
