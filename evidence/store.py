"""The chain in ANEF's database (``schemas.evidence_tables.record``): appended in the same
transaction as the row it records, verified against the rows as they are now, exported for a
third party.

Blocking. ``append`` serialises writers on a transaction-level advisory lock (two appends never
get the same ``seq``); it raises ``UnknownRecord`` for a row that does not exist.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, insert, select, text

from evidence.chain import GENESIS, Broken, canonical, first_break, jsonable, make_record
from evidence.exceptions import SigningKeyError, UnknownRecord
from schemas.evidence_tables import KINDS, record

_LOCK = 7_340_013  # pg_advisory_xact_lock key of the chain's writers

# What each kind records: the row, as its own table holds it (the chain compares it again on verify).
_ROWS = {
    "run": ("SELECT id, started_at, finished_at, agdref_position, persons, suspects, unconfirmed, outdated_mapping,"
            " counts, by_prefecture, rights FROM reconciliation.run", "id", "finished_at IS NOT NULL"),
    "decision": ('SELECT id, at, divergence_id, action, "by", reason, kind, severity, fields_digest'
                 " FROM reconciliation.decision", "id", "true"),
    "criteria": ("SELECT version, at, username, reason, body FROM web.criteria", "version", "true"),
    "verdict": ("SELECT id, at, scope, go, criteria_version, run_id, criteria FROM web.verdict", "id", "true"),
}


def _bodies(conn: Connection, kind: str, ref: str | None = None) -> dict[str, dict]:
    if kind not in _ROWS:
        raise UnknownRecord(f"the chain records {', '.join(KINDS)}, not {kind!r}")
    sql, key, recorded = _ROWS[kind]
    where = f" WHERE {recorded}" + (f" AND CAST({key} AS text) = :ref" if ref is not None else "")
    rows = conn.execute(text(sql + where), {"ref": ref} if ref is not None else {}).mappings()
    return {str(r[key]): jsonable(dict(r)) for r in rows}


def append(conn: Connection, kind: str, ref: object) -> str:
    """Record the row ``kind``/``ref`` as the chain's next record; returns its hash."""
    body = _bodies(conn, kind, str(ref)).get(str(ref))
    if body is None:
        raise UnknownRecord(f"no {kind} {ref} to record")
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
    last = conn.execute(select(record.c.seq, record.c.hash).order_by(record.c.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    canonical_text, hashed = make_record(seq, kind, str(ref), body, prev)
    conn.execute(insert(record).values(seq=seq, kind=kind, ref=str(ref), canonical=canonical_text, hash=hashed))
    return hashed


@dataclass(frozen=True)
class Verification:
    records: int
    head: str                 # hash of the last record
    broken: Broken | None
    unrecorded: list[str]     # rows of a recorded kind that the chain lacks ("kind ref")

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.unrecorded


def verify(conn: Connection) -> Verification:
    """Recompute the whole chain and compare every record with its row as it is now."""
    rows = conn.execute(select(record.c.seq, record.c.canonical, record.c.hash, record.c.kind, record.c.ref)
                        .order_by(record.c.seq)).all()
    bodies = {(kind, ref): body for kind in KINDS for ref, body in _bodies(conn, kind).items()}
    broken = first_break(((r.seq, r.canonical, r.hash) for r in rows), bodies)
    chained = {(r.kind, r.ref) for r in rows}
    unrecorded = sorted(f"{kind} {ref}" for kind, ref in bodies if (kind, ref) not in chained)
    return Verification(len(rows), rows[-1].hash if rows else GENESIS, broken, unrecorded)


def head(conn: Connection) -> tuple[int, str]:
    """(number of records, hash of the last one)."""
    last = conn.execute(select(record.c.seq, record.c.hash).order_by(record.c.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def export(conn: Connection, out: Path, signing_key_pem: str | None = None) -> dict:
    """Write ``chain.jsonl`` (one canonical record a line), ``hashes.txt`` (its hashes) and
    ``manifest.json`` (count, head, the file's SHA-256); with a key, ``manifest.sig`` (Ed25519
    over the manifest's bytes) and ``public_key.pem``. Returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    rows = conn.execute(select(record.c.canonical, record.c.hash).order_by(record.c.seq)).all()
    chain = "".join(r.canonical + "\n" for r in rows).encode("utf-8")
    (out / "chain.jsonl").write_bytes(chain)
    (out / "hashes.txt").write_text("".join(r.hash + "\n" for r in rows))
    exported_at = conn.execute(select(func.now())).scalar_one()
    manifest = {"records": len(rows), "head": rows[-1].hash if rows else GENESIS,
                "chain_sha256": hashlib.sha256(chain).hexdigest(), "exported_at": jsonable(exported_at),
                "canonical_form": "JSON, keys sorted, separators (',', ':'), UTF-8; hash = SHA-256 of the line"}
    body = (canonical(manifest) + "\n").encode("utf-8")
    (out / "manifest.json").write_bytes(body)
    if signing_key_pem:
        private = _signing_key(signing_key_pem)
        from cryptography.hazmat.primitives import serialization

        (out / "manifest.sig").write_bytes(private.sign(body))
        (out / "public_key.pem").write_bytes(private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return manifest


def _signing_key(pem: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except ValueError as exc:
        raise SigningKeyError(f"EVIDENCE_SIGNING_KEY is not a PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("EVIDENCE_SIGNING_KEY must be an Ed25519 key (openssl genpkey -algorithm ed25519)")
    return key


def signing_key_from_environment() -> str | None:
    return os.environ.get("EVIDENCE_SIGNING_KEY") or None


def read_export(folder: Path) -> Broken | None:
    """Check an exported chain with the same rules (rows are not at hand: records only)."""
    lines = (folder / "chain.jsonl").read_text(encoding="utf-8").splitlines()
    hashes = (folder / "hashes.txt").read_text().split()
    return first_break((n, line, stored) for n, (line, stored) in enumerate(zip(lines, hashes), start=1))
