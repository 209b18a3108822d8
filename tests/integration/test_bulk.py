"""Whatever a value holds, a bulk write stores it as it is: through the column arrays (a few rows),
the COPY staging table (many rows) and a straight COPY alike."""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import ARRAY, Boolean, Column, Date, DateTime, MetaData, Numeric, Table, Text, select, text
from sqlalchemy.dialects.postgresql import JSONB

from common import bulk
from common.db import engine
from tests.integration.infrastructure import Infrastructure


class Kind(str, enum.Enum):  # a str-based enum: its value is what is stored, not its name
    PERMIT = "titre"


AWKWARD = ["", " ", "back\\slash", "tab\there", "new\nline", "cr\rhere", 'quo"te', "semi;colon", "comma,",
           "\\N", "NULL", "{brace}", "é à ç 日本", "end\\", "\\\\double", "⟂agdref-anef:null⟂"]


def _values(i: int) -> dict:
    awkward = AWKWARD[i % len(AWKWARD)]
    return {
        "k": f"key-{i}",
        "label": None if i % 7 == 3 else awkward,
        "kind": Kind.PERMIT,
        "flag": [True, False, None][i % 3],
        "amount": Decimal(1 << 70) + i,
        "day": dt.date(2024, 2, 29) if i % 2 else None,
        "moment": dt.datetime(2026, 12, 1, 6, 45, 22, 495147, tzinfo=dt.UTC),
        "doc": None if i % 5 == 4 else {"text": awkward, "list": [awkward, None, 1.5], "nested": {"b": i % 2 == 0}},
        "tags": None if i % 6 == 5 else [awkward, None, "plain", 'a"b\\c'],
    }


@pytest.fixture
def table(infrastructure: Infrastructure):
    db = engine(infrastructure.postgres_url)
    schema = f"bulk_{uuid.uuid4().hex[:8]}"
    t = Table("sample", MetaData(), Column("k", Text, primary_key=True), Column("label", Text),
              Column("kind", Text), Column("flag", Boolean), Column("amount", Numeric(40, 0)), Column("day", Date),
              Column("moment", DateTime(timezone=True)), Column("doc", JSONB), Column("tags", ARRAY(Text)),
              schema=schema)
    with db.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        t.metadata.create_all(conn)
    yield db, t
    with db.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    db.dispose()


def _stored(db, t: Table) -> list[dict]:
    with db.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.k))]


def _expected(rows: list[dict]) -> list[dict]:
    return sorted(({**r, "kind": r["kind"].value} for r in rows), key=lambda r: r["k"])


@pytest.mark.parametrize("count", [len(AWKWARD) * 3, bulk.COPY_FROM + 7], ids=["arrays", "copy-staging"])
def test_an_upsert_stores_every_awkward_value_as_it_is(table, count):
    db, t = table
    rows = [_values(i) for i in range(count)]
    with db.begin() as conn:
        assert bulk.upsert(conn, t, rows, conflict=("k",)) == count
    assert _stored(db, t) == _expected(rows)


def test_a_straight_copy_stores_every_awkward_value_as_it_is(table):
    db, t = table
    rows = [_values(i) for i in range(len(AWKWARD) * 3)]
    with db.begin() as conn:
        bulk.copy_into(conn, t, rows)
    assert _stored(db, t) == _expected(rows)


def test_an_upsert_through_the_staging_table_updates_what_changed_only(table):
    db, t = table
    rows = [_values(i) for i in range(bulk.COPY_FROM)]
    with db.begin() as conn:
        bulk.upsert(conn, t, rows, conflict=("k",))
    changed = [{**r, "label": "changed\\\t"} if i % 10 == 0 else r for i, r in enumerate(rows)]
    with db.begin() as conn:
        sql, params = bulk.upsert_statement(conn, t, changed, conflict=("k",), changed_only=True)
        touched = list(conn.execute(text(f"{sql} RETURNING t.k"), params).scalars())
    assert sorted(touched) == sorted(r["k"] for i, r in enumerate(rows) if i % 10 == 0)
    assert _stored(db, t) == _expected(changed)
