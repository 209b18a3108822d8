"""What the worker does with each raw message (pure decision)."""
import orjson

from pipeline.actions import DeadLetter, ErasePerson, MergeAlias, Origin, Park, UpsertPerson
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


def test_a_valid_insert_becomes_an_upsert_at_its_legacy_position():
    action = decide(ORIGIN, KEY, _event())
    assert isinstance(action, UpsertPerson)
    assert (action.row.key, action.row.numero, action.row.position) == ("123456789 ", "0123456789", 77)


def test_a_delete_erases_and_a_tombstone_needs_nothing():
    assert isinstance(decide(ORIGIN, KEY, _event(op="d")), ErasePerson)
    assert decide(ORIGIN, KEY, None) is None


def test_an_alias_record_is_merged_into_its_reference():
    action = decide(ORIGIN, KEY, _event(ind_alias="O", num_etranger_ref="0000000007"))
    assert action == MergeAlias(action.row, "0000000007")


def test_a_row_the_rules_cannot_migrate_is_parked_with_its_event():
    action = decide(ORIGIN, KEY, _event(nationalite="YU "))
    assert isinstance(action, Park) and action.remediations[0].reason is Reason.NATIONALITE_ETAT_DISPARU
    assert action.event == _event(nationalite="YU ")


def test_malformed_messages_become_dead_letters_with_their_origin():
    for value, reason in [(b"not json", Reason.EVENEMENT_ILLISIBLE), (_event(table="inconnue"), Reason.TABLE_INCONNUE),
                          (_event(nom="X" * 45), Reason.LIGNE_NON_CONFORME)]:
        action = decide(ORIGIN, KEY, value)
        assert isinstance(action, DeadLetter) and action.reason is reason and action.origin == ORIGIN
        assert action.value == value
