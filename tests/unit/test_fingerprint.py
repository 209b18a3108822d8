"""A legacy row's fingerprint is the same whichever side computes it."""
from schemas.fingerprint import NULL, SEPARATOR, columns, row_digest, row_digest_sql

ROW = {"num_etranger": "123456789 ", "num_ordre": 2, "chez": None, "lib_voie": "RUE DE LA PAIX  "}


def test_trailing_spaces_do_not_count_and_null_differs_from_blank():
    assert row_digest("adresse", ROW) == row_digest("adresse", {**ROW, "num_etranger": "123456789"})
    assert row_digest("adresse", ROW) != row_digest("adresse", {**ROW, "chez": ""})


def test_any_value_change_changes_the_fingerprint_and_so_does_the_table():
    assert row_digest("adresse", ROW) != row_digest("adresse", {**ROW, "num_ordre": 3})
    assert row_digest("adresse", ROW) != row_digest("titre", ROW)


def test_the_sql_twin_uses_every_column_in_the_contracts_order():
    sql = row_digest_sql("adresse")
    positions = [sql.index(f"r.{c} ") for c in columns("adresse")]
    assert positions == sorted(positions) and f"'{NULL}'" in sql and "chr(31)" in sql and SEPARATOR == chr(31)
