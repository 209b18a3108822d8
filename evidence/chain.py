"""The chain's rules, pure: the canonical form that is hashed, and how a sequence of records is
checked. No I/O, so that the same rules verify the database and an exported file.

A record is the canonical JSON (keys sorted, no spaces, UTF-8, ``ensure_ascii`` off) of
``{"seq", "kind", "ref", "body", "prev"}``, where ``prev`` is the hash of the record before it
(64 zeros for the first) and ``body`` the recorded row as JSON. Its hash is the SHA-256 of those
bytes, in hex. Changing any byte of any record changes its hash, so the next record's ``prev`` no
longer matches; changing the recorded row itself makes it differ from the body the chain kept.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


def jsonable(value: Any) -> Any:
    """A database value in the JSON form the chain keeps (timestamps in ISO 8601, numerics as text)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def canonical(value: Any) -> str:
    return json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_record(seq: int, kind: str, ref: str, body: dict[str, Any], prev: str) -> tuple[str, str]:
    """(canonical text, its hash) of the record that follows ``prev``."""
    text = canonical({"seq": seq, "kind": kind, "ref": ref, "body": body, "prev": prev})
    return text, digest(text)


@dataclass(frozen=True)
class Broken:
    seq: int
    kind: str
    ref: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.seq} ({self.kind} {self.ref}): {self.reason}"


def first_break(records: Iterable[tuple[int, str, str]], bodies: dict[tuple[str, str], Any] | None = None) -> Broken | None:
    """The first record that does not hold, or None. ``records``: (seq, canonical, hash) in
    order; ``bodies``: the recorded rows as they are now, by (kind, ref), when the rows can be
    read (the database); an exported chain is checked without them."""
    prev, expected_seq = GENESIS, 1
    for seq, text, stored_hash in records:
        try:
            record = json.loads(text)
        except ValueError:
            return Broken(seq, "?", "?", "not JSON")
        kind, ref = record.get("kind", "?"), record.get("ref", "?")
        if seq != expected_seq or record.get("seq") != seq:
            return Broken(seq, kind, ref, f"expected record {expected_seq} here (one was removed or moved)")
        if digest(text) != stored_hash:
            return Broken(seq, kind, ref, "its content does not give its hash (the record was edited)")
        if record.get("prev") != prev:
            return Broken(seq, kind, ref, "it does not follow the record before it (a record was edited or removed)")
        if bodies is not None:
            current = bodies.get((kind, ref))
            if current is None:
                return Broken(seq, kind, ref, "the recorded row no longer exists (deleted)")
            if canonical(current) != canonical(record.get("body")):
                return Broken(seq, kind, ref, "the recorded row was changed since it was recorded")
        prev, expected_seq = stored_hash, expected_seq + 1
    return None
