"""The web application's own tables, in ANEF's database (schema ``web``): its users, the audit
of every decision and criteria change, the go/no-go criteria's versions and the verdicts given."""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Float, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB

from schemas.anef_tables import metadata

SCHEMA = "web"
ROLES = ("viewer", "engineer", "admin")

user = Table(
    "user", metadata,
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),   # Argon2id with its parameters (operations/web/passwords.py)
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    schema=SCHEMA,
)

session = Table(
    # Server-side sessions: the cookie names one (signed); logout, a password or role change and a
    # deactivation revoke them, so an old cookie stops working at once, not after its 8 hours.
    "session", metadata,
    Column("id", Text, primary_key=True),
    Column("username", Text, nullable=False, index=True),
    Column("csrf", Text, nullable=False),
    Column("address", Text, nullable=False, server_default=text("''")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("revoked_at", DateTime(timezone=True)),
    schema=SCHEMA,
)

audit = Table(
    # Who did what, when and why: decisions on divergences, criteria changes, users added.
    "audit", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("username", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    schema=SCHEMA,
)

criteria = Table(
    # Every version of the go/no-go criteria; the first comes from operations/data/criteria.json.
    "criteria", metadata,
    Column("version", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("username", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("body", JSONB, nullable=False),
    schema=SCHEMA,
)

verdict = Table(
    "verdict", metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Column("scope", Text, nullable=False),             # "FRANCE" or a prefecture code
    Column("go", Boolean, nullable=False),
    Column("criteria_version", Integer, nullable=False),
    Column("run_id", BigInteger),                      # the reconciliation run it rests on
    Column("criteria", JSONB, nullable=False),         # [{name, value, threshold, ok, evidence}]
    schema=SCHEMA,
)

stream_sample = Table(
    # The streams page's history (a sample every WEB_SAMPLE_SECONDS, a week kept): it survives a
    # restart of the web application and is the same for every instance of it.
    "stream_sample", metadata,
    Column("taken_at", DateTime(timezone=True), primary_key=True),
    Column("lag", BigInteger),
    Column("events_per_second", Float),
    Column("freshness_p50", Float),
    Column("freshness_p99", Float),
    schema=SCHEMA,
)
