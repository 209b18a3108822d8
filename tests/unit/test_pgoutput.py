"""The pgoutput decoder on hand-built protocol messages."""
import struct

import pytest

from connectors import pgoutput
from connectors.exceptions import ProtocolError


def _s(text: str) -> bytes:
    return text.encode() + b"\x00"


def _tuple(*values) -> bytes:
    out = struct.pack("!H", len(values))
    for v in values:
        if v is None:
            out += b"n"
        else:
            raw = v.encode()
            out += b"t" + struct.pack("!I", len(raw)) + raw
    return out


RELATION = (b"R" + struct.pack("!I", 16384) + _s("agdref") + _s("etranger") + b"f" + struct.pack("!H", 2)
            + struct.pack("!B", 1) + _s("num_etranger") + struct.pack("!Ii", 1042, 14)
            + struct.pack("!B", 1) + _s("num_duplicata") + struct.pack("!Ii", 21, -1))


def test_a_relation_message_gives_columns_types_and_identity():
    rel = pgoutput.decode(RELATION)
    assert (rel.oid, rel.namespace, rel.name, rel.columns, rel.type_oids) == (
        16384, "agdref", "etranger", ("num_etranger", "num_duplicata"), (1042, 21))


def test_begin_and_commit_carry_positions_and_times():
    begin = pgoutput.decode(b"B" + struct.pack("!QqI", 500, 1_000_000, 77))
    assert (begin.final_lsn, begin.xid, begin.commit_time.isoformat()) == (500, 77, "2000-01-01T00:00:01+00:00")
    commit = pgoutput.decode(b"C" + struct.pack("!BQQq", 0, 500, 540, 0))
    assert (commit.commit_lsn, commit.end_lsn) == (500, 540)


def test_insert_update_delete_carry_their_tuples():
    ins = pgoutput.decode(b"I" + struct.pack("!I", 16384) + b"N" + _tuple("0123456789", "3"))
    assert (ins.op, ins.old, ins.new) == ("c", None, ("0123456789", "3"))
    upd = pgoutput.decode(b"U" + struct.pack("!I", 16384) + b"O" + _tuple("A", None) + b"N" + _tuple("B", "1"))
    assert (upd.op, upd.old, upd.new) == ("u", ("A", None), ("B", "1"))
    dele = pgoutput.decode(b"D" + struct.pack("!I", 16384) + b"O" + _tuple("A", "2"))
    assert (dele.op, dele.old, dele.new) == ("d", ("A", "2"), None)


def test_an_unknown_message_type_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        pgoutput.decode(b"Z\x00")


def test_an_origin_message_names_the_replication_origin_of_the_transaction():
    payload = b"O" + struct.pack("!Q", 77) + _s("agdref_anef_way_back:worker-1")
    assert pgoutput.decode(payload) == pgoutput.Origin("agdref_anef_way_back:worker-1")
