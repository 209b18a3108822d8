"""The reconciliation's memory, in ANEF's database (schema ``reconciliation``): its runs and the
divergences they found, with their lifecycle across runs.

A divergence is one (person, kind) while it lasts: ``new`` when a run first finds it,
``confirmed`` when a later run finds it again, ``resolved`` when a run no longer finds it, or
``accepted`` with a reason by a named person (then it no longer counts in the critical-divergences
criterion while it stays the same: a later run that finds it more severe, or with other fields or
values, re-opens it). Every decision is appended to ``decision``. Its age runs from ``first_seen_at``.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, ForeignKey, Index, Integer, Numeric, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from schemas.anef_tables import metadata

SCHEMA = "reconciliation"
STATUSES = ("new", "confirmed", "resolved", "accepted")

run = Table(
    "run", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("finished_at", DateTime(timezone=True)),
    Column("agdref_position", Numeric(40, 0), nullable=False),  # AGDREF's log position when it started
    Column("persons", Integer, nullable=False, server_default=text("0")),
    Column("suspects", Integer, nullable=False, server_default=text("0")),
    Column("unconfirmed", Integer, nullable=False, server_default=text("0")),  # still in flight at the end
    Column("outdated_mapping", Integer, nullable=False, server_default=text("0")),  # made by another mapping
    Column("seconds", Float),
    Column("counts", JSONB, nullable=False, server_default=text("'{}'::jsonb")),  # kind/severity → divergences found
    # prefecture → {"persons": AGDREF persons, "divergences": found, neither parked nor accepted}:
    # the nightly rates the go/no-go follows
    Column("by_prefecture", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # the rights ledger's reading at this run: per scope, persons with a right, covered, at risk
    Column("rights", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    schema=SCHEMA,
)

divergence = Table(
    "divergence", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("numero_etranger", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("fields", JSONB, nullable=False),        # [{field, agdref, anef}]: personal data, restricted
    Column("detail", Text, nullable=False, server_default=text("''")),
    Column("prefecture", Text),
    Column("urgency_days", Integer),
    Column("first_run", BigInteger, ForeignKey(f"{SCHEMA}.run.id"), nullable=False),
    Column("last_run", BigInteger, ForeignKey(f"{SCHEMA}.run.id"), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("resolved_at", DateTime(timezone=True)),
    Column("accepted_by", Text),
    Column("accepted_reason", Text),
    Column("accepted_at", DateTime(timezone=True)),
    # One open divergence per person and kind: a later run updates it rather than adding another.
    Index("divergence_open", "numero_etranger", "kind", unique=True,
          postgresql_where=text("status <> 'resolved'")),
    Index("divergence_status", "status"),
    schema=SCHEMA,
)

decision = Table(
    # Every decision on a divergence, appended, never changed: who accepted or resolved it and why,
    # and the reconciliation's own re-openings (an accepted divergence whose severity rose or whose
    # values changed). The divergence row holds the current status; this is its history.
    "decision", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("divergence_id", BigInteger, ForeignKey(f"{SCHEMA}.divergence.id"), nullable=False),
    Column("action", Text, nullable=False),             # accept | resolve | reopen
    Column("by", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("severity", Text, nullable=False),           # at the moment of the decision
    Column("fields_digest", Text, nullable=False),      # SHA-256 of the fields decided on (re-opens when they change)
    Index("decision_divergence", "divergence_id"),
    schema=SCHEMA,
)
