"""Change events built by the connector are Debezium's envelope."""
import struct
from datetime import datetime, timezone

from connectors import pgoutput
from connectors.events import Transaction, change_records
from schemas.envelope import ChangeEvent, decode_key

REL = pgoutput.Relation(1, "agdref", "titre", "f", ("num_titre", "num_duplicata"), ("num_titre", "num_duplicata"),
                        (1042, 21))
TX = Transaction(xid=9, commit_time=datetime(2026, 1, 1, tzinfo=timezone.utc), final_lsn=1000)


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
