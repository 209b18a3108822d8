"""Every rule that runs in Python and in SQL gives the same answer on the same cases, in a real
PostgreSQL: the domain's owner and "valid on a day", and the rights ledger's own number, owner
and scope readings."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from common.db import engine
from domain.assembly import owner, owner_sql
from domain.validity import valid_on, valid_on_sql
from rights import identity
from tests.integration.infrastructure import Infrastructure

pytestmark = pytest.mark.integration
NUMBERS = ["0123456789", "123456789 ", " 123456789", "12345678  ", "ABCDEFGHIJ", "", "   ", "5000000001"]
SPANS = [("20250101", "20261231"), ("20250101", "00000000"), ("00000000", "20301231"), ("", "20301231"),
         ("20270101", "20281231"), ("20250101", "20251231"), ("20250000", "20270300"), ("20261130", "20261130")]
DAY = "20261130"


@pytest.fixture(scope="module")
def sql(infrastructure: Infrastructure):
    db = engine(infrastructure.postgres_url)

    def run(expression: str, **params):
        with db.connect() as conn:
            return conn.execute(text(f"SELECT {expression}"), params).scalar()
    yield run
    db.dispose()


@pytest.mark.parametrize("raw", NUMBERS)
def test_the_owner_of_a_legacy_number_is_the_same_in_python_and_sql(sql, raw):
    assert sql(owner_sql("CAST(:raw AS char(10))"), raw=raw) == (owner(raw) or "")


@pytest.mark.parametrize("start, end", SPANS)
def test_valid_on_a_day_is_the_same_in_python_and_sql(sql, start, end):
    assert sql(valid_on_sql("CAST(:s AS char(8))", "CAST(:e AS char(8))"), s=start, e=end, d=DAY) == \
        valid_on(start, end, DAY)


@pytest.mark.parametrize("raw", NUMBERS)
def test_the_ledgers_number_and_owner_are_the_same_in_python_and_sql(sql, raw):
    assert sql(identity.number_sql("CAST(:raw AS char(10))"), raw=raw) == identity.number(raw)
    assert sql(identity.root_sql("CAST(:own AS char(10))", "CAST(:alias AS char(1))", "CAST(:raw AS char(10))"),
               own="0000000007", alias="O", raw=raw) == identity.root("0000000007", "O", raw)


@pytest.mark.parametrize("code, postcode, insee", [
    ("075", "", ""), ("001", "", ""), ("02A", "", ""), ("971", "", ""), ("020", "20090", ""), ("020", "20600", ""),
    ("020", "", "2B033"), ("020", "", "20033"), ("020", "", ""), ("000", "", ""), ("", "", ""), ("096", "", ""),
    ("2A ", "", "")])
def test_the_ledgers_scope_is_the_same_in_python_and_sql(sql, code, postcode, insee):
    assert sql(identity.scope_sql("CAST(:c AS char(3))", ":p", ":i"), c=code, p=postcode, i=insee,
               department_codes=identity.department_codes()) == identity.scope(code, postcode, insee)
