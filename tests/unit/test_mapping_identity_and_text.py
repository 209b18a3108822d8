"""Identity and text rules (docs/mapping.md, sections Identity and Text)."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import text
from domain.errors import RemediationNeeded
from domain.identity import normalise_foreigner_number
from domain.text import canonical, first_names, name_or_none, repair_mojibake, text_or_none
from schemas.rejections import Reason


def test_ID1_a_nine_digit_number_gets_its_leading_zero_back():
    assert normalise_foreigner_number("123456789 ") == "0123456789"
    assert normalise_foreigner_number("0123456789") == "0123456789"


@pytest.mark.parametrize("raw", ["12345678  ", "ABCDEFGHIJ", "", None, "１２３４５６７８９０"])
def test_ID2_a_number_that_is_not_9_or_10_ascii_digits_needs_a_person(raw):
    with pytest.raises(RemediationNeeded) as caught:
        normalise_foreigner_number(raw)
    assert caught.value.remediation.reason is Reason.NUMERO_ETRANGER_INVALIDE


@pytest.mark.parametrize("damaged, repaired", [("Ã‰MILE", "ÉMILE"), ("LEFÃ¨VRE", "LEFèVRE"), ("Ã‰", "É")])
def test_TXT1_mojibake_is_repaired(damaged, repaired):
    assert repair_mojibake(damaged) == repaired


def test_TXT1_text_that_is_merely_accented_is_left_alone():
    assert repair_mojibake("ÉLODIE") == "ÉLODIE"


def test_TXT1_double_mojibake_is_repaired_twice():
    twice = "É".encode().decode("cp1252").encode("utf-8").decode("cp1252")
    assert repair_mojibake(twice) == "É"


def test_TXT2_names_are_folded_to_the_legacy_canonical_form():
    assert canonical("  Lefèvre   d'Œuvre ") == "LEFEVRE D'OEUVRE"
    assert canonical("LEFÃ¨VRE") == "LEFEVRE"


@pytest.mark.parametrize("raw", ["INC", "  ", "", None, "inc"])
def test_TXT3_inc_and_blank_names_become_null(raw):
    assert name_or_none(raw) is None


def test_TXT3_inc_is_a_name_convention_only_and_is_kept_in_free_text():
    assert text_or_none("INC") == "INC"


def test_TXT4_first_names_split_on_spaces():
    assert first_names("JEAN  PAUL MARIE ") == ["JEAN", "PAUL", "MARIE"]
    assert first_names("") == []
    assert first_names("INC") == []


@pytest.mark.parametrize("raw, folded", [("D’ALMEIDA", "D'ALMEIDA"), ("JEAN–PIERRE", "JEAN-PIERRE"),
                                         ("MA\u200bRIE", "MARIE"), ("STRAẞE", "STRASSE"), ("O\u00a0NEIL", "O NEIL"),
                                         ("ÉLOÃ¯SE MARIE", "ELOISE MARIE"), ("Ã‰MILE", "EMILE")])
def test_TXT4_typography_invisible_characters_and_partial_mojibake_are_folded(raw, folded):
    assert text.name_or_none(raw, "nom") == folded


def test_TXT4_a_name_repaired_piece_by_piece_keeps_its_first_names_whole():
    assert text.first_names("ÉLOÃ¯SE MARIE") == ["ELOISE", "MARIE"]


@pytest.mark.parametrize("raw", ["ИВАН", "©ROSE", "JEAN2", "AHMED (DIT ALI)"])
def test_TXT5_a_name_that_cannot_be_plain_ascii_waits_for_a_person(raw):
    with pytest.raises(RemediationNeeded) as caught:
        text.name_or_none(raw, "nom")
    assert caught.value.remediation.reason is Reason.NOM_NON_TRANSCRIPTIBLE and raw not in str(caught.value)


@given(st.text(max_size=40))
@settings(max_examples=400, deadline=None)
def test_TXT5_every_name_that_reaches_anef_is_plain_uppercase_ascii(raw):
    try:
        value = text.name_or_none(raw, "nom")
    except RemediationNeeded:
        return
    assert value is None or re.fullmatch(r"[A-Z' -]*", value)
