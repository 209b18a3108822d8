"""Personal data never reaches a log line in clear."""
from common.log import MASK, MaskPersonalData, pseudonym

mask = MaskPersonalData("key")


def test_names_and_birth_dates_are_masked():
    out = mask(None, "info", {"event": "x", "nom": "DIALLO", "date_nais": "19900101", "prenoms": "AMINATA"})
    assert (out["nom"], out["date_nais"], out["prenoms"]) == (MASK, MASK, MASK)


def test_foreigner_numbers_become_stable_keyed_pseudonyms():
    out = mask(None, "info", {"event": "x", "numero_etranger": "0123456789"})
    assert out["numero_etranger"] == pseudonym("0123456789", "key") != "0123456789"
    assert pseudonym("0123456789", "other key") != out["numero_etranger"]


def test_a_foreigner_number_inside_free_text_is_pseudonymised():
    out = mask(None, "info", {"event": "failed for 0123456789 and 123456789 today", "offset": 1234})
    assert "0123456789" not in out["event"] and "123456789" not in out["event"]
    assert out["offset"] == 1234


def test_nested_rows_are_masked_too():
    out = mask(None, "info", {"event": "x", "payload": {"after": {"nom": "A"}, "num_etranger": "0123456789"}})
    assert out["payload"]["after"] == MASK
    assert out["payload"]["num_etranger"].startswith("p:")


def test_raw_payloads_are_masked_whole():
    out = mask(None, "info", {"event": "x", "value": b'{"nom": "DIALLO"}'})
    assert out["value"] == MASK


def test_a_mapping_keyed_by_foreigner_number_has_its_keys_pseudonymised():
    out = mask(None, "info", {"event": "x", "by_dossier": {"0123456789": 3}})
    assert out["by_dossier"] == {pseudonym("0123456789", "key"): 3}
