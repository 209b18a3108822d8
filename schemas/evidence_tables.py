"""The evidence chain, in ANEF's database (schema ``evidence``): every reconciliation run, decision
on a divergence, go/no-go criteria version and verdict, appended as a record that carries the
SHA-256 of the record before it (``evidence/``)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Table, Text, text

from schemas.anef_tables import metadata

SCHEMA = "evidence"
KINDS = ("run", "decision", "criteria", "verdict")

record = Table(
    "record", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),   # 1, 2, 3… without gaps
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("kind", Text, nullable=False),
    Column("ref", Text, nullable=False),           # the recorded row's key in its own table
    Column("canonical", Text, nullable=False),     # the canonical JSON that was hashed (prev included)
    Column("hash", Text, nullable=False),          # SHA-256 of ``canonical``, hex
    Index("record_kind_ref", "kind", "ref", unique=True),
    schema=SCHEMA,
)
