"""What the worker does with each raw message (pure decision)."""
import orjson

from pipeline.actions import DeadLetter, Origin, RowChange
from pipeline.decide import decide
from schemas.rejections import Reason

ORIGIN = Origin("p.agdref.etranger", 2, 41)
KEY = orjson.dumps({"num_etranger": "123456789 "})


def _event(op="c", table="etranger", **row):
    after = {"num_etranger": "123456789 ", "nom": "DIALLO", "sexe": "F", "nationalite": "SN ", "code_dept": "075",
             **row}
    return orjson.dumps({"before": after if op == "d" else None, "after": None if op == "d" else after, "op": op,
                         "ts_ms": 1, "source": {"name": "p", "ts_ms": 1000, "db": "agdref", "schema": "agdref",
                                                "table": table, "lsn": 77, "txId": 5}})


def test_a_valid_insert_becomes_the_rows_new_state_at_its_legacy_position():
    change = decide(ORIGIN, KEY, _event())
    assert isinstance(change, RowChange)
    assert (change.table, change.key, change.numero, change.position, change.committed_at_ms) == (
        "etranger", "123456789 ", "0123456789", 77, 1000)
    assert change.row["nom"] == "DIALLO" and not change.is_alias


def test_a_delete_is_a_row_without_state_and_a_tombstone_needs_nothing():
    change = decide(ORIGIN, KEY, _event(op="d"))
    assert isinstance(change, RowChange) and change.row is None and change.numero == "0123456789"
    assert decide(ORIGIN, KEY, None) is None


def test_an_alias_record_carries_its_normalised_reference():
    change = decide(ORIGIN, KEY, _event(ind_alias="O", num_etranger_ref="7        "))
    assert (change.is_alias, change.alias_of) == (True, "7")
    change = decide(ORIGIN, KEY, _event(ind_alias="O", num_etranger_ref="123456780 "))
    assert change.alias_of == "0123456780"


def test_a_child_row_is_keyed_by_its_primary_key_and_owned_by_its_person():
    value = orjson.dumps({"before": None, "op": "c", "ts_ms": 1,
                          "after": {"num_etranger": "0000000001", "num_ordre": 3, "lib_voie": "DES LILAS"},
                          "source": {"name": "p", "ts_ms": 1, "db": "agdref", "table": "adresse", "lsn": 9}})
    change = decide(ORIGIN, b"{}", value)
    assert (change.table, change.key, change.numero) == ("adresse", "0000000001|3", "0000000001")


def test_malformed_messages_become_dead_letters_with_their_origin():
    for value, reason in [(b"not json", Reason.EVENEMENT_ILLISIBLE), (_event(table="inconnue"), Reason.TABLE_INCONNUE),
                          (_event(nom="X" * 45), Reason.LIGNE_NON_CONFORME)]:
        action = decide(ORIGIN, KEY, value)
        assert isinstance(action, DeadLetter) and action.reason is reason and action.origin == ORIGIN
        assert action.value == value
