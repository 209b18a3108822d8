"""A decoder for PostgreSQL's built-in ``pgoutput`` logical replication protocol (version 1).

Pure: bytes in, message objects out. Only the text format of values is used (the default), so a
column value is the same string ``SELECT`` would print. See PostgreSQL's "Logical Replication
Message Formats" for the layout.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.exceptions import ProtocolError

POSTGRES_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
UNCHANGED_TOAST = object()  # 'u': a large value that did not change and was not sent


@dataclass(frozen=True)
class Begin:
    final_lsn: int
    commit_time: datetime
    xid: int


@dataclass(frozen=True)
class Commit:
    commit_lsn: int
    end_lsn: int
    commit_time: datetime


@dataclass(frozen=True)
class Relation:
    oid: int
    namespace: str
    name: str
    replica_identity: str
    columns: tuple[str, ...]
    key_columns: tuple[str, ...]
    type_oids: tuple[int, ...]


@dataclass(frozen=True)
class RowChange:
    """Insert ('c'), update ('u') or delete ('d') of one row of relation ``oid``."""

    op: str
    oid: int
    old: tuple | None  # values of the old row (full with REPLICA IDENTITY FULL, key only otherwise)
    new: tuple | None


@dataclass(frozen=True)
class Truncate:
    oids: tuple[int, ...]


@dataclass(frozen=True)
class Origin:
    """The replication origin of the transaction under way (sent after its Begin): the session
    that wrote it declared itself a replica, as the way back does (issue 18)."""

    name: str


@dataclass(frozen=True)
class Ignored:
    """Type ('Y') and logical decoding messages ('M') the connector has no use for."""

    tag: str


Message = Begin | Commit | Relation | RowChange | Truncate | Origin | Ignored


def _time(micros: int) -> datetime:
    return POSTGRES_EPOCH + timedelta(microseconds=micros)


class _Reader:
    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def unpack(self, fmt: str):
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def byte(self) -> str:
        value = self.buf[self.pos:self.pos + 1].decode("ascii")
        self.pos += 1
        return value

    def string(self) -> str:
        end = self.buf.index(b"\x00", self.pos)
        value = self.buf[self.pos:end].decode("utf-8")
        self.pos = end + 1
        return value

    def tuple_data(self) -> tuple:
        (count,) = self.unpack("!H")
        values: list = []
        for _ in range(count):
            kind = self.byte()
            if kind == "n":
                values.append(None)
            elif kind == "u":
                values.append(UNCHANGED_TOAST)
            elif kind in ("t", "b"):
                (length,) = self.unpack("!I")
                raw = self.buf[self.pos:self.pos + length]
                self.pos += length
                values.append(raw.decode("utf-8") if kind == "t" else raw)
            else:
                raise ProtocolError(f"unknown tuple value kind {kind!r}")
        return tuple(values)


def decode(payload: bytes) -> Message:
    """Decode one pgoutput message. Raises ProtocolError for a message type it does not know."""
    if not payload:
        raise ProtocolError("empty replication message")
    r = _Reader(payload)
    tag = r.byte()
    if tag == "B":
        final_lsn, micros, xid = r.unpack("!QqI")
        return Begin(final_lsn, _time(micros), xid)
    if tag == "C":
        _flags, commit_lsn, end_lsn, micros = r.unpack("!BQQq")
        return Commit(commit_lsn, end_lsn, _time(micros))
    if tag == "R":
        (oid,) = r.unpack("!I")
        namespace, name = r.string(), r.string()
        replica_identity = r.byte()
        (ncols,) = r.unpack("!H")
        columns, keys, types = [], [], []
        for _ in range(ncols):
            (flags,) = r.unpack("!B")
            col = r.string()
            type_oid, _typmod = r.unpack("!Ii")
            columns.append(col)
            types.append(type_oid)
            if flags & 1:
                keys.append(col)
        return Relation(oid, namespace, name, replica_identity, tuple(columns), tuple(keys), tuple(types))
    if tag == "I":
        (oid,) = r.unpack("!I")
        if r.byte() != "N":
            raise ProtocolError("insert without a new tuple")
        return RowChange("c", oid, None, r.tuple_data())
    if tag == "U":
        (oid,) = r.unpack("!I")
        old = None
        kind = r.byte()
        if kind in ("K", "O"):
            old = r.tuple_data()
            kind = r.byte()
        if kind != "N":
            raise ProtocolError("update without a new tuple")
        return RowChange("u", oid, old, r.tuple_data())
    if tag == "D":
        (oid,) = r.unpack("!I")
        if r.byte() not in ("K", "O"):
            raise ProtocolError("delete without an old tuple")
        return RowChange("d", oid, r.tuple_data(), None)
    if tag == "T":
        count, _options = r.unpack("!IB")
        return Truncate(tuple(r.unpack(f"!{count}I")) if count else ())
    if tag == "O":
        r.unpack("!Q")  # the commit LSN on the origin's side
        return Origin(r.string())
    if tag in ("Y", "M"):
        return Ignored(tag)
    raise ProtocolError(f"unknown pgoutput message type {tag!r}")
