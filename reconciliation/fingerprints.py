"""Narrowing with fingerprints computed inside the databases: which dossiers are suspects.

Nothing is mapped or compared in Python here; every row is hashed where it lives and only sums
and the numbers of suspects travel. Three checks, each answering one question:

1. **AGDREF against the assembly area** (did the pipeline receive AGDREF's current state?). Each
   legacy row's fingerprint (``schemas.fingerprint``) is computed in AGDREF and was kept by the
   pipeline when it recorded the row; both sides are summed per bucket of foreigner numbers (the
   bucket of a number is the same in both databases), and only the buckets whose count or sum
   differ are read again, number by number (reladiff's bisection, in one step: with
   ``buckets`` around a tenth of the persons a differing bucket holds a handful of numbers).
2. **ANEF against what the pipeline wrote** (did anyone change ANEF since?): every migrated ANEF
   row's digest against ``migration.written``, in ANEF's database.
3. **Recorded but not written**: persons the assembly area holds that are neither in ANEF, nor
   parked, nor waiting for a rebuild.

Blocking; each function runs its SQL on the connection it is given.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from domain.assembly import owner_sql
from schemas.agdref_tables import CAPTURED_TABLES, SCHEMA
from schemas.control_tables import not_written_back_sql
from schemas.fingerprint import anef_row_digests_sql, digest_sum_sql, row_digest_sql

# A row kept before the pipeline kept fingerprints counts as zero: its bucket differs, its
# dossier becomes a suspect and is compared in depth (never silently equal).
NO_DIGEST = "coalesce(digest, repeat('0', 32))"


@dataclass(frozen=True)
class BucketSum:
    rows: int
    total: int


def _bucket(number_sql: str) -> str:
    return f"(abs(hashtext({number_sql})) % :buckets)"


def _agdref_rows(where_bucket: bool) -> str:
    """SQL: (owner, bucket, h) for every legacy row in AGDREF."""
    parts = []
    for table in CAPTURED_TABLES:
        owner = owner_sql("r.num_etranger")
        parts.append(f"SELECT {owner} AS owner, {_bucket(owner)} AS bucket, {digest_sum_sql(row_digest_sql(table))} AS h"
                     f" FROM {SCHEMA}.{table} r WHERE {not_written_back_sql(table, 'r')}"
                     + (f" AND {_bucket(owner)} = ANY(:wanted)" if where_bucket else ""))
    return " UNION ALL ".join(parts)


_MIRROR_ROWS = ("SELECT numero_etranger AS owner, {bucket} AS bucket, {h} AS h FROM migration.legacy_row"
                " WHERE NOT deleted AND source_table = ANY(:tables)")


def _mirror_rows(where_bucket: bool) -> str:
    sql = _MIRROR_ROWS.format(bucket=_bucket("numero_etranger"), h=digest_sum_sql(NO_DIGEST))
    return sql + (f" AND {_bucket('numero_etranger')} = ANY(:wanted)" if where_bucket else "")


def agdref_buckets(agdref: Connection, buckets: int) -> dict[int, BucketSum]:
    """Per bucket of foreigner numbers: how many legacy rows AGDREF holds and the sum of their
    fingerprints. A full read of AGDREF, hashed in its database."""
    rows = agdref.execute(text(f"SELECT bucket, count(*), sum(h) FROM ({_agdref_rows(False)}) x GROUP BY bucket"),
                          {"buckets": buckets})
    return {int(b): BucketSum(int(n), int(s)) for b, n, s in rows}


def recorded_buckets(anef: Connection, buckets: int) -> dict[int, BucketSum]:
    """The same sums over the assembly area (the fingerprints the pipeline kept)."""
    rows = anef.execute(text(f"SELECT bucket, count(*), sum(h) FROM ({_mirror_rows(False)}) x GROUP BY bucket"),
                        {"buckets": buckets, "tables": list(CAPTURED_TABLES)})
    return {int(b): BucketSum(int(n), int(s)) for b, n, s in rows}


def differing_buckets(left: dict[int, BucketSum], right: dict[int, BucketSum]) -> list[int]:
    return sorted(b for b in set(left) | set(right) if left.get(b) != right.get(b))


def _owner_sums(conn: Connection, rows_sql: str, buckets: int, wanted: list[int]) -> dict[str, BucketSum]:
    rows = conn.execute(text(f"SELECT owner, count(*), sum(h) FROM ({rows_sql}) x GROUP BY owner"),
                        {"buckets": buckets, "wanted": wanted, "tables": list(CAPTURED_TABLES)})
    return {o: BucketSum(int(n), int(s)) for o, n, s in rows}


def agdref_owners(agdref: Connection, buckets: int, wanted: list[int]) -> dict[str, BucketSum]:
    """Per foreigner number in the ``wanted`` buckets: AGDREF's row count and fingerprint sum."""
    return _owner_sums(agdref, _agdref_rows(True), buckets, wanted) if wanted else {}


def recorded_owners(anef: Connection, buckets: int, wanted: list[int]) -> dict[str, BucketSum]:
    return _owner_sums(anef, _mirror_rows(True), buckets, wanted) if wanted else {}


def differing_owners(left: dict[str, BucketSum], right: dict[str, BucketSum]) -> set[str]:
    return {o for o in set(left) | set(right) if left.get(o) != right.get(o)}


def _changed_sql(current: str, where_written: str, where_current: str = "") -> str:
    return (f"SELECT DISTINCT coalesce(w.numero_etranger, cur.holder) FROM (SELECT * FROM ({current}) c{where_current}) cur"
            f" FULL JOIN (SELECT * FROM migration.written w{where_written}) w"
            " ON w.anef_table = cur.t AND w.anef_key = cur.k WHERE cur.d IS DISTINCT FROM w.digest")


def changed_in_anef(anef: Connection, numbers: list[str]) -> set[str]:
    """Of these numbers, those holding a migrated ANEF row that differs from what the pipeline
    last wrote, that ANEF deleted, or that the pipeline never wrote (by index: a few numbers cost
    a few milliseconds)."""
    if not numbers:
        return set()
    return set(anef.execute(text(_changed_sql(anef_row_digests_sql(":n"),
                                              " WHERE w.numero_etranger = ANY(CAST(:n AS text[]))")),
                            {"n": numbers}).scalars())


def anef_buckets_changed(anef: Connection, buckets: int) -> list[int]:
    """The buckets of numbers whose migrated ANEF rows, summed (count and digests), differ from
    the sums of what the pipeline wrote: one pass over each side, no join of every row."""
    h = digest_sum_sql
    sql = (f"WITH cur AS (SELECT {_bucket('holder')} AS b, count(*) AS n, sum({h('d')}) AS s"
           f"   FROM ({anef_row_digests_sql(None)}) x GROUP BY 1),"
           f" wr AS (SELECT {_bucket('numero_etranger')} AS b, count(*) AS n, sum({h('digest')}) AS s"
           "   FROM migration.written GROUP BY 1)"
           " SELECT coalesce(cur.b, wr.b) FROM cur FULL JOIN wr ON cur.b = wr.b"
           " WHERE cur.n IS DISTINCT FROM wr.n OR cur.s IS DISTINCT FROM wr.s")
    return sorted(anef.execute(text(sql), {"buckets": buckets}).scalars())


def changed_in_anef_buckets(anef: Connection, buckets: int, wanted: list[int]) -> set[str]:
    """``changed_in_anef`` for every number of the ``wanted`` buckets."""
    if not wanted:
        return set()
    return set(anef.execute(text(_changed_sql(anef_row_digests_sql(None),
                                              f" WHERE {_bucket('w.numero_etranger')} = ANY(:wanted)",
                                              f" WHERE {_bucket('c.holder')} = ANY(:wanted)")),
                            {"buckets": buckets, "wanted": wanted}).scalars())


def recorded_not_written(anef: Connection, numbers: list[str] | None = None) -> set[str]:
    """Persons the assembly area holds in their own right that ANEF does not (not migrated, not
    parked, not waiting for a rebuild, not held as a conflict)."""
    # Set operations: hashed once each, where a NOT EXISTS per person on parked.members (an array)
    # would scan the parking for every person. For a few numbers, every branch is narrowed to them.
    some = numbers is not None
    sql = ("SELECT numero_etranger FROM migration.legacy_row"
           " WHERE source_table = 'etranger' AND NOT deleted AND NOT is_alias"
           + (" AND numero_etranger = ANY(CAST(:n AS text[]))" if some else "") +
           " EXCEPT SELECT CAST(numero_etranger AS text) FROM anef.usager WHERE origine = 'AGDREF'"
           + (" AND numero_etranger = ANY(CAST(:n AS char(10)[]))" if some else "") +
           " EXCEPT SELECT unnest(members) FROM migration.parked"
           + (" WHERE members && CAST(:n AS text[])" if some else "") +
           " EXCEPT SELECT numero_etranger FROM migration.pending"
           + (" WHERE numero_etranger = ANY(CAST(:n AS text[]))" if some else "") +
           " EXCEPT SELECT numero_etranger FROM migration.conflict"
           + (" WHERE numero_etranger = ANY(CAST(:n AS text[]))" if some else ""))
    return set(anef.execute(text(sql), {"n": numbers or []}).scalars())


def made_by_another_mapping(anef: Connection, version: str, numbers: list[str] | None = None,
                            limit: int | None = None) -> tuple[int, set[str]]:
    """(how many dossiers another mapping than ``version`` made, the first ``limit`` of them by
    number): their ANEF state follows rules that are no longer the pipeline's."""
    some = " AND numero_etranger = ANY(CAST(:n AS text[]))" if numbers is not None else ""
    where = f"FROM migration.mapped_with WHERE mapping_version <> :v{some}"
    params = {"v": version, "n": numbers or []}
    count = anef.execute(text(f"SELECT count(*) {where}"), params).scalar_one()
    listed = anef.execute(text(f"SELECT numero_etranger {where} ORDER BY numero_etranger"
                               + (" LIMIT :limit" if limit is not None else "")), {**params, "limit": limit}).scalars()
    return count, set(listed)


def agdref_sums_of(agdref: Connection, numbers: set[str]) -> dict[str, BucketSum]:
    """Row count and fingerprint sum per number, for these numbers only (by index)."""
    from reconciliation.sources import forms

    parts = []
    for table in CAPTURED_TABLES:
        owner = owner_sql("r.num_etranger")
        parts.append(f"SELECT {owner} AS owner, {digest_sum_sql(row_digest_sql(table))} AS h FROM {SCHEMA}.{table} r"
                     f" WHERE r.num_etranger = ANY(CAST(:raw AS char(10)[])) AND {not_written_back_sql(table, 'r')}")
    rows = agdref.execute(text(f"SELECT owner, count(*), sum(h) FROM ({' UNION ALL '.join(parts)}) x"
                               " WHERE owner = ANY(CAST(:n AS text[])) GROUP BY owner"),
                          {"raw": forms(numbers), "n": sorted(numbers)})
    return {o: BucketSum(int(n), int(s)) for o, n, s in rows}


def recorded_sums_of(anef: Connection, numbers: set[str]) -> dict[str, BucketSum]:
    rows = anef.execute(text(
        f"SELECT numero_etranger, count(*), sum({digest_sum_sql(NO_DIGEST)})"
        " FROM migration.legacy_row WHERE NOT deleted AND source_table = ANY(:tables)"
        " AND numero_etranger = ANY(CAST(:n AS text[])) GROUP BY 1"),
        {"n": sorted(numbers), "tables": list(CAPTURED_TABLES)})
    return {o: BucketSum(int(n), int(s)) for o, n, s in rows}
