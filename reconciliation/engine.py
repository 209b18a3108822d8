"""``agdref-anef reconcile``: fingerprints, narrowing, in-flight confirmation, deep comparison.

1. Fingerprints (``reconciliation.fingerprints``), in both databases at once: AGDREF against the
   assembly area per bucket, ANEF against what the pipeline wrote, recorded-but-not-written.
2. Suspects: the numbers in differing buckets whose own sums differ, plus the numbers the ANEF
   checks name.
3. In flight (``reconciliation.inflight``): each round takes AGDREF's position, waits until the
   pipeline has applied past it, and looks at the suspects again; a suspect still different
   after every round is confirmed. Live traffic therefore gives no false positive; a pipeline
   that does not catch up within ``max_wait_seconds`` leaves its suspects unconfirmed (counted).
4. Deep comparison (``reconciliation.compare``, pure) of the confirmed suspects and of every
   parked or held dossier; severities from legal facts (``reconciliation.severity``).
5. The rights ledger (``rights``, AGDREF read without the mapping) adds every right at risk:
   critical, whatever the mapping says.
6. The run and its divergences are kept (``reconciliation.store``), the run in the evidence chain.

Blocking. Raises what the databases or the broker raise.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, text

from domain.codes import prefecture_or_none
from domain.version import mapping_version
from reconciliation import fingerprints as fp
from reconciliation import store
from reconciliation.compare import PipelineState, compare
from reconciliation.divergence import Divergence, FieldDifference, Kind, RunSummary, Severity
from reconciliation.inflight import PipelinePosition
from reconciliation.merges import suspicious_merges
from reconciliation.parked import parked_divergences
from reconciliation.rollback_check import mirror_divergences
from reconciliation.sources import legacy_rights, load_anef, load_legacy, mapped, pipeline_view, with_recorded_decisions
from rights import ledger as rights_ledger

Progress = Callable[[str], None]
DEEP_CHUNK = 5000  # dossiers read and compared at once


@dataclass(frozen=True)
class Options:
    buckets: int | None = None        # default: about one per 8 persons
    max_wait_seconds: float = 120.0   # per round, for the pipeline to pass the suspects' position
    rounds: int = 2                   # confirmation rounds
    # After a mapping change every dossier may be one an older mapping made: at most this many of
    # them are compared in depth (the first by number); all are counted.
    outdated_mapping_limit: int = 10_000
    today: date | None = None


class Reconciler:
    def __init__(self, agdref: Engine, anef: Engine, position: PipelinePosition,
                 progress: Progress = lambda _: None) -> None:
        self._agdref_db, self._anef_db, self._position, self._progress = agdref, anef, position, progress

    # -- narrowing ---------------------------------------------------------------------------

    def _on_agdref(self, step):
        with self._agdref_db.connect() as conn:
            return step(_without_jit(conn))

    def _on_anef(self, step):
        with self._anef_db.connect() as conn:
            return step(_without_jit(conn))

    def suspects(self, buckets: int) -> tuple[set[str], set[str], int]:
        """(all suspects, those whose AGDREF rows differ from what the pipeline recorded, number
        of differing buckets). AGDREF's fingerprints on one backend while ANEF's checks run on
        another, in the order measured fastest at 1,000,000 persons (the two heaviest queries side
        by side were slower: each already uses PostgreSQL's parallel workers)."""
        def anef_side() -> tuple[dict, set[str]]:
            recorded = self._on_anef(lambda c: fp.recorded_buckets(c, buckets))
            changed = self._on_anef(lambda c: fp.changed_in_anef_buckets(c, buckets, fp.anef_buckets_changed(c, buckets))
                                    | fp.recorded_not_written(c))
            return recorded, changed

        with ThreadPoolExecutor(2) as pool:
            legacy, target = pool.submit(self._on_agdref, lambda c: fp.agdref_buckets(c, buckets)), pool.submit(anef_side)
            (recorded_sums, changed), legacy_sums = target.result(), legacy.result()
            differing = fp.differing_buckets(legacy_sums, recorded_sums)
            self._progress(f"fingerprints compared: {len(differing)} of {buckets} buckets differ")
            legacy_owners = pool.submit(self._on_agdref, lambda c: fp.agdref_owners(c, buckets, differing))
            recorded_owners = self._on_anef(lambda c: fp.recorded_owners(c, buckets, differing))
            behind = fp.differing_owners(legacy_owners.result(), recorded_owners)
        return behind | changed, behind, len(differing)

    def recheck(self, numbers: set[str]) -> tuple[set[str], set[str]]:
        """The same three checks, for these numbers only: (still suspect, AGDREF rows differ)."""
        if not numbers:
            return set(), set()
        behind = fp.differing_owners(self._on_agdref(lambda c: fp.agdref_sums_of(c, numbers)),
                                     self._on_anef(lambda c: fp.recorded_sums_of(c, numbers)))
        listed = sorted(numbers)
        changed = self._on_anef(lambda c: fp.changed_in_anef(c, listed) | fp.recorded_not_written(c, listed)
                                | fp.made_by_another_mapping(c, mapping_version(), listed)[1])
        return (behind | changed) & numbers, behind & numbers

    def confirm(self, suspects: set[str], options: Options) -> tuple[set[str], set[str], set[str]]:
        """(confirmed, AGDREF rows differ among them, unconfirmed): rounds of waiting for the
        pipeline to pass AGDREF's position, then looking again."""
        behind: set[str] = set()
        for round_number in range(options.rounds):
            if not suspects:
                break
            position = self._position.current()
            self._progress(f"round {round_number + 1}: {len(suspects)} suspects, waiting for the pipeline")
            if not self._position.wait(position, suspects, options.max_wait_seconds, self._progress):
                return set(), set(), suspects
            suspects, behind = self.recheck(suspects)
        return suspects, behind, set()

    # -- deep comparison ------------------------------------------------------------------------

    def compare(self, numbers: set[str], behind: set[str], today: date, everything_parked: bool) -> list[Divergence]:
        """Map and compare these dossiers (and, with ``everything_parked``, every parked or held
        one): their divergences."""
        found: dict[tuple, Divergence] = {}
        if everything_parked:
            listed = self._on_anef(lambda c: pipeline_view(c, None))
            # A parked dossier whose fingerprints agree is reported from three queries; a suspect
            # one is compared in depth with the others.
            quiet = {root: entry for root, entry in listed.parked.items() if not ({root, *entry[2]} & numbers)}
            for divergence in parked_divergences(self._agdref_db, self._anef_db, quiet, today):
                found[(divergence.numero_etranger, divergence.kind)] = divergence
            numbers = numbers | (set(listed.parked) - set(quiet)) | set(listed.conflicts)
        ordered = sorted(numbers)
        for start in range(0, len(ordered), DEEP_CHUNK):  # memory bounded by the chunk, whatever the suspects
            for divergence in self._compare_chunk(set(ordered[start:start + DEEP_CHUNK]), behind, today):
                # a dossier whose numbers fall in two chunks is compared twice, reported once
                found.setdefault((divergence.numero_etranger, divergence.kind), divergence)
            if len(ordered) > DEEP_CHUNK:
                self._progress(f"compared {min(len(ordered), start + DEEP_CHUNK):,} of {len(ordered):,} dossiers")
        return sorted(found.values(), key=Divergence.sort_key)

    def _compare_chunk(self, numbers: set[str], behind: set[str], today: date) -> list[Divergence]:
        legacy = self._on_agdref(lambda c: load_legacy(c, numbers))
        legacy = self._on_anef(lambda c: with_recorded_decisions(c, legacy))
        members = {root: {root} | _owners(d) for root, d in legacy.items()}
        everyone = numbers | {n for m in members.values() for n in m}
        anef = self._on_anef(lambda c: load_anef(c, everyone))
        view = self._on_anef(lambda c: pipeline_view(c, everyone))
        found: list[Divergence] = []
        covered: set[str] = set()
        for root, dossier in legacy.items():
            covered |= members[root]
            parked = view.parked.get(root)
            # A parked dossier is reported as parked whatever its mapping gives: not mapped again
            # (a tenth of the deep comparison's time each night, the parked being many).
            expected, rejection = (None, None) if parked else mapped(dossier)
            right_today, days = legacy_rights(dossier, today)
            state = PipelineState(
                parked_reason=parked[0] if parked else None, parked_field=parked[1] if parked else None,
                conflict_rows=tuple(view.conflicts.get(root, ())), legacy_behind=bool(members[root] & behind),
                legacy_days_left=days, legacy_right_today=right_today,
                rejected_reason=rejection.remediations[0].reason.value if rejection and not parked else None)
            prefecture = prefecture_or_none(dossier.persons[0].code_dept) if dossier.persons else None
            found += compare(root, expected, anef.get(root), state, today, prefecture)
            for alias in members[root] - {root}:  # an alias never has a person of its own in ANEF
                if alias in anef and anef[alias].get("usager"):
                    found += compare(alias, None, anef[alias], PipelineState(), today)
        for number in sorted(set(anef) - covered):  # in ANEF, nothing in AGDREF any more
            parked = view.parked.get(number)
            state = PipelineState(parked_reason=parked[0] if parked else None, parked_field=parked[1] if parked else None)
            found += compare(number, None, anef[number], state, today)
        return found

    def rights(self, today: date, options: Options) -> rights_ledger.LedgerReading:
        """The rights ledger, confirmed like the suspects: a person found at risk is read again
        once the pipeline has passed AGDREF's position of the first reading, and only what both
        readings find is kept (a change in flight is not a right lost). A pipeline that does not
        catch up leaves the second reading's findings: at risk until shown otherwise."""
        position = self._position.current()
        first = rights_ledger.read(self._agdref_db, self._anef_db, today)
        if not first.divergences:
            return first
        at_risk = {d.numero_etranger for d in first.divergences}
        self._progress(f"rights ledger: {len(at_risk):,} persons at risk, read again once the pipeline passed them")
        caught_up = self._position.wait(position, at_risk, options.max_wait_seconds, self._progress)
        second = rights_ledger.read(self._agdref_db, self._anef_db, today)
        return second.confirmed_by(first) if caught_up else second

    # -- the run -------------------------------------------------------------------------------

    def run(self, options: Options = Options()) -> RunSummary:
        started = time.monotonic()
        today = options.today or date.today()
        position = self._position.current()
        with self._anef_db.begin() as conn:
            run_id = store.start_run(conn, position)
        summary = RunSummary(run_id)
        summary.persons_by_prefecture = self._on_agdref(persons_by_prefecture)
        summary.persons_agdref = sum(summary.persons_by_prefecture.values())
        summary.buckets = options.buckets or max(64, summary.persons_agdref // 8)
        suspects, _, summary.buckets_differing = self.suspects(summary.buckets)
        summary.outdated_mapping, outdated = self._on_anef(
            lambda c: fp.made_by_another_mapping(c, mapping_version(), limit=options.outdated_mapping_limit))
        if summary.outdated_mapping:
            self._progress(f"{summary.outdated_mapping:,} dossiers were made by another mapping than this one "
                           f"({mapping_version()}): `agdref-anef rebuild --outdated-mapping` rebuilds them")
        suspects |= outdated
        summary.suspects = len(suspects)
        self._progress(f"{len(suspects)} suspects")
        confirmed, behind, unconfirmed = self.confirm(suspects, options)
        summary.confirmed, summary.unconfirmed = len(confirmed), len(unconfirmed)
        summary.divergences = self.compare(confirmed, behind, today, everything_parked=True)
        summary.rights = self.rights(today, options)
        self._progress(f"rights ledger: {summary.rights.documents:,} rights-carrying rows read, "
                       f"{summary.rights.at_risk():,} persons with a right at risk, {summary.rights.seconds:.1f}s")
        merges = suspicious_merges(self._agdref_db, self._anef_db)
        mirror = mirror_divergences(self._agdref_db, self._anef_db)
        summary.divergences = sorted(summary.divergences + rights_divergences(summary.rights) + merges + mirror,
                                     key=Divergence.sort_key)
        with self._anef_db.begin() as conn:
            summary.seconds = time.monotonic() - started  # the run as kept includes keeping it
            store.record_run(conn, summary, summary.rights.summary())
        self._progress(f"{len(summary.divergences)} divergences, {summary.critical} critical, "
                       f"{summary.seconds:.1f}s")
        return summary


def rights_divergences(reading: rights_ledger.LedgerReading) -> list[Divergence]:
    """The ledger's findings as divergences: critical, one per person and kind."""
    return [Divergence(d.numero_etranger, Kind(d.kind.value), Severity.CRITICAL,
                       tuple(FieldDifference(f, a, b) for f, a, b in d.fields), prefecture=d.scope,
                       urgency_days=d.urgency_days, detail="rights ledger (AGDREF read without the mapping)")
            for d in reading.divergences]


def _without_jit(conn):
    """PostgreSQL's JIT compiles every fingerprint expression first: measured slower for these
    full scans (ANEF's row digests 22 s with it, 17 s without, at 1,000,000 persons)."""
    conn.execute(text("SET jit = off"))
    return conn


def persons_by_prefecture(agdref) -> dict[str, int]:
    """AGDREF's persons (alias records left out) per prefecture in charge, in ANEF's notation."""
    rows = agdref.execute(text("SELECT code_dept, count(*) FROM agdref.etranger"
                               " WHERE coalesce(ind_alias, 'N') <> 'O' GROUP BY 1")).all()
    found: dict[str, int] = {}
    for code, count in rows:
        key = prefecture_or_none(code) or "?"
        found[key] = found.get(key, 0) + count
    return found


def _owners(dossier) -> set[str]:
    from domain.assembly import owner

    return {owner(p.num_etranger) for p in (*dossier.persons, *dossier.aliases)} - {None}
