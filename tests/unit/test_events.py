"""Change events built by the connector are Debezium's envelope."""
from datetime import UTC, datetime

from connectors import pgoutput
from connectors.events import Transaction, change_records
from schemas.envelope import ChangeEvent, decode_key

REL = pgoutput.Relation(1, "agdref", "titre", "f", ("num_titre", "num_duplicata"), ("num_titre", "num_duplicata"),
                        (1042, 21))
TX = Transaction(xid=9, commit_time=datetime(2026, 1, 1, tzinfo=UTC), final_lsn=1000)


def _records(change):
    return change_records(REL, change, 990, TX, prefix="p", database="agdref", key_columns=("num_titre",),
                          emitted_at_ms=5, total_order=1, table_order=1)


def test_an_insert_is_keyed_by_primary_key_with_typed_values():
    [record] = _records(pgoutput.RowChange("c", 1, None, ("T1        ", "2")))
    assert record.topic == "p.agdref.titre"
    assert decode_key(record.key) == {"num_titre": "T1        "}
    event = ChangeEvent.from_json(record.value)
    assert (event.op, event.before, event.after) == ("c", None, {"num_titre": "T1        ", "num_duplicata": 2})
    assert (event.source.lsn, event.source.txId, event.source.ts_ms, event.source.table) == (990, 9, 1767225600000, "titre")
    assert event.transaction.id == "9:1000"


def test_a_delete_is_followed_by_a_tombstone():
    records = _records(pgoutput.RowChange("d", 1, ("T1        ", "0"), None))
    assert [r.value is None for r in records] == [False, True]
    assert records[0].key == records[1].key
    assert ChangeEvent.from_json(records[0].value).before == {"num_titre": "T1        ", "num_duplicata": 0}


def test_transaction_markers_say_how_many_events_each_table_received():
    from connectors.events import transaction_record

    begin = transaction_record("p", TX, "BEGIN")
    end = transaction_record("p", TX, "END", {"titre": 2, "demande": 1})
    assert begin.topic == end.topic == "p.transaction" and begin.key == end.key
    import orjson

    value = orjson.loads(end.value)
    assert (value["status"], value["id"], value["event_count"]) == ("END", "9:1000", 3)
    assert value["data_collections"] == [{"data_collection": "agdref.titre", "event_count": 2},
                                         {"data_collection": "agdref.demande", "event_count": 1}]
    assert orjson.loads(begin.value)["event_count"] is None


def test_snapshot_reads_are_full_envelopes_positioned_at_the_high_watermark():
    from connectors.events import snapshot_reads
    from schemas.envelope import ChangeEvent

    rows = [{"num_titre": "T1        ", "num_duplicata": 0}, {"num_titre": "T2        ", "num_duplicata": 1}]
    values = snapshot_reads(rows, prefix="p", database="agdref", schema="agdref", table="titre", tx=TX, lsn=995,
                            emitted_at_ms=7)
    events = [ChangeEvent.from_json(v) for v in values]
    assert [(e.op, e.before, e.after, e.source.snapshot, e.source.lsn) for e in events] == [
        ("r", None, rows[0], "incremental", 995), ("r", None, rows[1], "incremental", 995)]
    assert events[0].position == (1000 << 64) | 995


def test_the_key_is_the_primary_key_as_a_json_object_for_one_or_several_columns():
    from connectors.events import key_of
    from schemas.envelope import encode_key

    row = {"num_etranger": "0000000001", "num_ordre": 3, "lib_voie": "PASTEUR"}
    assert key_of(row, ("num_etranger",)) == encode_key({"num_etranger": "0000000001"})
    assert key_of(row, ("num_etranger", "num_ordre")) == encode_key({"num_etranger": "0000000001", "num_ordre": 3})


def test_anef_dates_timestamps_and_text_arrays_take_debeziums_json_forms():
    relation = pgoutput.Relation(2, "anef", "usager", "f", ("numero_etranger", "date_naissance", "maj_le", "prenoms"),
                                 (), (1042, 1082, 1184, 1009))
    [record, *_] = change_records(relation, pgoutput.RowChange(
        "c", 2, None, ("0000000001", "1970-01-11", "2026-06-01 12:00:00.5+02", '{JEAN,"MARIE CLAIRE",NULL}')),
        990, TX, prefix="p", database="anef", key_columns=("numero_etranger",), emitted_at_ms=5, total_order=1,
        table_order=1)
    event = ChangeEvent.from_json(record.value)
    assert record.topic == "p.anef.usager" and event.source.schema_ == "anef"
    assert event.after == {"numero_etranger": "0000000001", "date_naissance": 10, "maj_le": "2026-06-01T10:00:00.500000Z",
                           "prenoms": ["JEAN", "MARIE CLAIRE", None]}
