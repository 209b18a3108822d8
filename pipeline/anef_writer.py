"""Writing rebuilt dossiers to ANEF (and the parking), inside the sink's transaction.

The whole batch is written with a few set-based statements. If the database refuses it (a
constraint ANEF enforces that the mapping did not foresee, a row ANEF itself references), the batch
is written again dossier by dossier, each in a savepoint, so that the one dossier at fault is
parked with the database's reason and every other dossier still lands.

Rows created in ANEF (``origine = 'ANEF'``) are never updated or deleted: every statement says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Table, text
from sqlalchemy.exc import DataError, IntegrityError

from common import bulk
from common.bulk import upsert, upsert_statement
from domain.dossier import DossierErased, DossierMapped, DossierOutcome, DossierRejected
from domain.version import mapping_version
from pipeline import conflicts
from pipeline.anef_removal import Removal, remove
from schemas.anef_tables import (
    attestation,
    demande,
    mapped_with,
    mesure_eloignement,
    not_carried,
    parked,
    titre,
    usager,
)
from schemas.rejections import Reason, Remediation

CHILDREN: tuple[tuple[Table, str, str], ...] = (
    (titre, "numero_titre", "titres"), (demande, "numero_demande", "demandes"),
    (attestation, "numero", "attestations"), (mesure_eloignement, "numero", "mesures"),
)


@dataclass(frozen=True)
class Rebuilt:
    root: str
    members: frozenset[str]
    outcome: DossierOutcome
    position: int


@dataclass
class Written:
    migrated: int = 0
    parked: int = 0
    erased: int = 0
    held: list[str] = field(default_factory=list)      # conflicts: ANEF changed the dossier since we wrote it
    refused: list[str] = field(default_factory=list)  # dossiers the database refused (parked for it)


def write(conn: Connection, dossiers: list[Rebuilt], first: bool = False) -> Written:
    """Write the dossiers; ``first`` when the caller knows that none of them was ever written:
    nothing of theirs in the assembly area, hence no migrated row in ANEF, no digest, nothing
    parked or left out (``range_writer`` checks it under the load gate). Their write then skips
    the conflict check and every delete, which find nothing: a fifth of a range's statements'
    time, most of it planning the key lists (docs/performance.md). Wrong if the caller is
    wrong: a migrated row that should go would stay."""
    try:
        with conn.begin_nested():
            return _write(conn, dossiers, first)
    except (IntegrityError, DataError):
        pass
    written = Written()
    for one in dossiers:
        try:
            with conn.begin_nested():
                part = _write(conn, [one], first)
        except (IntegrityError, DataError) as refused:
            reason = Remediation(Reason.ECRITURE_REFUSEE, "dossier", str(refused.orig).splitlines()[0][:500],
                                 "dossier", one.root)
            with conn.begin_nested():
                part = _write(conn, [Rebuilt(one.root, one.members, DossierRejected(one.root, (reason,)), one.position)],
                              first)
            written.refused.append(one.root)
        written.migrated += part.migrated
        written.parked += part.parked
        written.erased += part.erased
        written.held += part.held
    return written


def published(dossiers: list[Rebuilt], written: Written) -> dict[str, bytes | None]:
    """What ANEF now holds of each dossier just written, for the dossiers topic: the dossier as
    JSON, None when erased; nothing for a dossier held back (conflict) or refused."""
    kept_back = set(written.held) | set(written.refused)
    found: dict[str, bytes | None] = {}
    for one in dossiers:
        if one.root in kept_back:
            continue
        if isinstance(one.outcome, DossierMapped):
            found[one.root] = one.outcome.dossier.model_dump_json().encode()
        elif isinstance(one.outcome, DossierErased):
            found[one.root] = None
    return found


def _write(conn: Connection, dossiers: list[Rebuilt], first: bool = False) -> Written:
    edited = {} if first else conflicts.changed_in_anef(conn, sorted({n for d in dossiers for n in d.members}))
    held = [d for d in dossiers if any(n in edited for n in d.members)]
    for d in held:  # ANEF changed it since we wrote it: hold the AGDREF change back, for a person
        conflicts.hold(conn, d.root, [row for n in d.members for row in edited.get(n, [])], d.position)
    dossiers = [d for d in dossiers if d not in held]
    mapped = [d for d in dossiers if isinstance(d.outcome, DossierMapped)]
    rejected = [d for d in dossiers if isinstance(d.outcome, DossierRejected)]
    rejected = _anefs_own(rejected, conflicts.created_in_anef(conn, sorted({d.root for d in rejected})))
    erased = [d for d in dossiers if isinstance(d.outcome, DossierErased)]
    writes = [(usager, "numero_etranger", [d.outcome.dossier.usager.model_dump() for d in mapped])]
    kept: dict[Table, list[str]] = {}
    for table, key, name in CHILDREN:
        rows = [row.model_dump() for d in mapped for row in getattr(d.outcome.dossier, name)]
        writes.append((table, key, rows))
        kept[table] = [r[key] for r in rows]
    _upsert(conn, writes)
    everyone = sorted({n for d in mapped + rejected + erased for n in d.members})
    settled = {n for d in mapped + erased for n in d.members} | {n for d in rejected for n in d.members - {d.root}}
    erased_numbers = {n for d in erased for n in d.members}
    removal = Removal(
        # a first write has no earlier row to remove: only what an erasure takes
        owners=sorted(erased_numbers | (set() if first else {n for d in mapped for n in d.members})),
        kept=kept,
        # an alias has no usager row of its own (its rows moved to the reference above)
        persons=sorted(erased_numbers | {n for d in mapped for n in d.members - {d.root}}),
        # (HIS1) what each dossier leaves out is replaced whole at every rebuild
        not_carried=[] if first else everyone,
        parked=[] if first else sorted(settled),
        unmapped=sorted({n for d in mapped + rejected for n in d.members - {d.root}} | erased_numbers),
    )
    remove(conn, removal)
    history = [dict(numero_etranger=d.root, source_table=r.table, source_key=r.key, reason=r.reason.value,
                    field=r.field, detail=r.detail) for d in mapped for r in d.outcome.not_carried]
    if history:
        upsert(conn, not_carried, history, conflict=("numero_etranger", "source_table", "source_key", "reason"))
    if rejected:
        _park(conn, rejected)
    _remember_mapping(conn, mapped + rejected)
    return Written(migrated=len(mapped), parked=len(rejected), erased=len(erased), held=[d.root for d in held])


def _remember_mapping(conn: Connection, made: list[Rebuilt]) -> None:
    """Which mapping made these dossiers (by reference number); an alias or an erased person has
    no dossier of its own any more (``Removal.unmapped``)."""
    if made:
        version = mapping_version()
        upsert(conn, mapped_with, [{"numero_etranger": d.root, "mapping_version": version} for d in made],
               conflict=("numero_etranger",), changed_only=True)


def _upsert(conn: Connection, writes: list[tuple[Table, str, list[dict]]]) -> None:
    """Write the rows AGDREF's mapping made (never over a row ANEF created), and keep the digest
    of those inserted or changed: in one statement, the tables in the order given (a person before
    its children). A table with ``COPY_FROM`` rows or more fills the one staging table, so its
    statement runs alone, after those before it."""
    together: list[tuple[Table, str]] = []
    params: dict = {}
    for i, (table, key, rows) in enumerate(writes):
        if not rows:
            continue
        staged = len(rows) >= bulk.COPY_FROM
        if staged and together:
            conn.execute(text(conflicts.remembering(together)), params)
            together, params = [], {}
        sql, own = upsert_statement(conn, table, rows, conflict=(key,), where="t.origine = 'AGDREF'",
                                    changed_only=True, name=f"w{i}_")
        if staged:
            conn.execute(text(conflicts.remembering([(table, sql)])), own)
        else:
            together.append((table, sql))
            params.update(own)
    if together:
        conn.execute(text(conflicts.remembering(together)), params)


def _anefs_own(rejected: list[Rebuilt], created_in_anef: set[str]) -> list[Rebuilt]:
    """A legacy change to a person ANEF created (a prefecture agent editing the way back's copy in
    AGDREF) parks with a reason that says so, before the mapping's own (without the person's
    row, skipped as the way back's, it would read as rows without a person): ANEF's rows are never
    written over, and a person decides. Only rejected dossiers are looked at: nothing on the hot path."""
    said = Remediation(Reason.DOSSIER_CREE_DANS_ANEF, "numero_etranger", "legacy rows changed for a person ANEF "
                       "created; ANEF's dossier kept as it is")
    return [Rebuilt(d.root, d.members, DossierRejected(d.root, (said, *d.outcome.remediations)), d.position)
            if d.root in created_in_anef else d for d in rejected]


def _park(conn: Connection, rejected: list[Rebuilt]) -> None:
    rows = []
    for d in rejected:
        first = d.outcome.remediations[0]
        rows.append(dict(
            numero_etranger=d.root, reason=first.reason.value, source_table=first.table, source_key=first.key,
            field=first.field, members=sorted(d.members), position=d.position,
            reasons=sorted({r.reason.value for r in d.outcome.remediations}),
            remediations=[{"reason": r.reason.value, "table": r.table, "key": r.key, "field": r.field,
                           "detail": r.detail} for r in d.outcome.remediations],
        ))
    upsert(conn, parked, rows, conflict=("numero_etranger",))
