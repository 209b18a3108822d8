"""The assembly area: the last state of every legacy row, kept in ``migration.legacy_row``.

The sink records each incoming row change here (only if newer than what is kept), then asks
which dossiers the batch touched and loads them whole. Everything runs inside the sink's
transaction, so the kept state and what ANEF shows never disagree, whatever crashes.
Blocking (synchronous SQLAlchemy).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from common.bulk import array_literal, upsert
from domain import decisions
from domain.assembly import DOSSIER_FIELDS, root_of
from domain.dossier import LegacyDossier
from pipeline.actions import RowChange
from pipeline.pending import Touches
from schemas.anef_tables import legacy_row
from schemas.fingerprint import row_digest
from schemas.legacy_models import LEGACY_MODELS


@dataclass
class Recorded:
    """What recording a batch did: how many changes were new, and what they touched."""

    applied: int = 0
    replays: int = 0
    touches: Touches = field(default_factory=Touches.empty)


def record(conn: Connection, changes: list[RowChange]) -> Recorded:
    """Keep each change that is newer than the kept state of its row. A replayed or older change
    is counted and ignored. Returns the numbers whose dossiers must be rebuilt."""
    result = Recorded()
    touches = result.touches
    newest: dict[tuple[str, str], RowChange] = {}
    for change in changes:
        known = newest.get((change.table, change.key))
        if known is None or change.position > known.position:
            newest[(change.table, change.key)] = change
    if not newest:
        return result
    idents = list(newest)
    kept = {
        (r.source_table, r.source_key): r
        for r in conn.execute(text(
            "SELECT l.source_table, l.source_key, l.position, l.numero_etranger, l.alias_of"
            " FROM migration.legacy_row l JOIN unnest(CAST(:t AS text[]), CAST(:k AS text[])) AS i(t, k)"
            " ON l.source_table = i.t AND l.source_key = i.k FOR UPDATE OF l"),
            {"t": array_literal([t for t, _ in idents]), "k": array_literal([k for _, k in idents])})
    }
    for change in changes:  # every new event counts towards its transaction, even one a later one replaces
        before = kept.get((change.table, change.key))
        if change.transaction and (before is None or change.position > before.position):
            touches.transactions[change.transaction] += 1
            touches.members[change.transaction].add(change.numero or (before.numero_etranger if before else ""))
    rows = []
    for ident, change in newest.items():
        before = kept.get(ident)
        if before is not None and change.position <= before.position:
            continue
        numero = change.numero or (before.numero_etranger if before is not None else "")
        # "" gathers rows without an owner: parked, never out of sight
        others = (before.numero_etranger if before else None, change.alias_of, before.alias_of if before else None)
        for touched in {numero, *(n for n in others if n)}:
            touches.latest[touched] = max(touches.latest.get(touched, (0, 0)), (change.position, change.committed_at_ms))
            if not change.snapshot:
                touches.live.add(touched)
        rows.append(dict(
            source_table=change.table, source_key=change.key, numero_etranger=numero, alias_of=change.alias_of,
            is_alias=change.is_alias, position=change.position, deleted=change.row is None, row=change.row,
            digest=None if change.row is None else row_digest(change.table, change.row),
            committed_at=datetime.fromtimestamp(change.committed_at_ms / 1000, tz=UTC),
        ))
    # The newer position wins in SQL too: the read above cannot lock a row not kept yet, and one
    # inserted meanwhile by another transaction (a live recording beside a range's snapshot rows,
    # a replay beside the change it repeats) is met here on its key once that one commits.
    # Without the condition the older state overwrote it (tests/integration/test_assembly_area_races.py).
    upsert(conn, legacy_row, rows, conflict=("source_table", "source_key"), where="excluded.position > t.position",
           also_set="written_at = now()")
    result.applied = len(rows)
    result.replays = len(changes) - len(rows)
    return result


# The rebuild's reads, each one statement built once: a live rebuild runs them for a few dossiers,
# and building and compiling a query each time (SQLAlchemy's select) cost as much as running it.
_PERSON_RECORDS = text(
    "SELECT numero_etranger, is_alias, alias_of FROM migration.legacy_row WHERE source_table = 'etranger'"
    " AND NOT deleted AND numero_etranger = ANY(CAST(:numbers AS text[]))")
_ALIASES_OF = text(
    "SELECT numero_etranger FROM migration.legacy_row WHERE source_table = 'etranger' AND NOT deleted AND is_alias"
    " AND alias_of = ANY(CAST(:numbers AS text[]))")
_KEPT_ROWS = text(
    "SELECT source_table, numero_etranger, row FROM migration.legacy_row"
    " WHERE numero_etranger = ANY(CAST(:numbers AS text[])) AND NOT deleted ORDER BY source_table, source_key")


def alias_links(conn: Connection, numbers: set[str]) -> dict[str, str | None]:
    """The alias graph reachable from ``numbers`` (following links forward): number → reference
    (None for a person in their own right; absent: no person record at all)."""
    links: dict[str, str | None] = {}
    seen: set[str] = set()
    frontier = set(numbers)
    while frontier:
        found: dict[str, list] = defaultdict(list)
        for r in conn.execute(_PERSON_RECORDS, {"numbers": array_literal(sorted(frontier))}):
            found[r.numero_etranger].append(r)
        for number, records in found.items():
            persons = [r for r in records if not r.is_alias]
            # A record flagged alias with no readable reference points nowhere ("").
            links[number] = None if persons else (records[0].alias_of or "")
        seen |= frontier
        frontier = {links[n] for n in found if links[n]} - seen
    return links


def dossiers_of(conn: Connection, touched: set[str]) -> tuple[dict[str, set[str]], dict[str, str | None]]:
    """The dossiers (root → member numbers) that contain any of ``touched``, and the alias graph
    read to find them (``load`` needs it again, so it is returned rather than read twice)."""
    links = alias_links(conn, touched)
    roots = {root_of(n, links) for n in touched}
    members: dict[str, set[str]] = {r: {r} for r in roots}
    frontier = set(roots)
    candidates: set[str] = set()
    while frontier:
        found = set(conn.execute(_ALIASES_OF, {"numbers": array_literal(sorted(frontier))}).scalars())
        frontier = found - candidates - set(members)
        candidates |= found
    links.update(alias_links(conn, candidates - set(links)))
    for number in candidates:
        # An alias whose chain no longer resolves (its reference purged) is a dossier of its own
        # now, parked: rebuilt here, since nothing else touches it.
        root = root_of(number, links)
        members.setdefault(root, {root}).add(number)
    return members, links


def load(conn: Connection, dossiers: dict[str, set[str]], links: dict[str, str | None]) -> dict[str, LegacyDossier]:
    """Every kept row of every member of each dossier, as a ``LegacyDossier``."""
    owner = {number: root for root, numbers in dossiers.items() for number in numbers}
    parts: dict[str, dict[str, list]] = {root: defaultdict(list) for root in dossiers}
    for r in conn.execute(_KEPT_ROWS, {"numbers": array_literal(sorted(owner))}):
        root = owner[r.numero_etranger]
        # Validated when it arrived (``pipeline.decide``) and stored as the model dumped it: built
        # again without validating, which would cost as much as the whole mapping.
        model = LEGACY_MODELS[r.source_table].from_kept(r.row)
        if r.source_table == "etranger":
            parts[root]["persons" if r.numero_etranger == root else "aliases"].append(model)
        elif r.source_table == "adresse":
            if r.numero_etranger == root:  # (ADR2) an alias's own addresses are not the person's
                parts[root]["adresses"].append(model)
        else:
            parts[root][DOSSIER_FIELDS[r.source_table]].append(model)
    found = {root: LegacyDossier(root, alias_links=links, **{k: tuple(v) for k, v in p.items()})
             for root, p in parts.items()}
    return decisions.attach(found, conn.execute(text(decisions.LOAD_SQL), {"numbers": array_literal(sorted(found))}).all())
