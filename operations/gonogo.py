"""The decommissioning verdict, for the whole country or one prefecture. Pure: measured facts and
the criteria in, a verdict with every criterion's value, threshold and evidence out.

GO only when every criterion holds: no person has a right at risk (the rights ledger, read at
evaluation time: accepting a divergence does not change it), the active AGDREF dossiers are in ANEF, no critical divergence
is open, the divergence rate stayed under its threshold for N nights in a row, freshness and lag
are under their limits, every parked dossier is triaged (its divergence accepted or resolved), and
no write to ANEF from outside the pipeline on migrated rows is left unexplained (conflicts held,
field mismatches not accepted), and every dossier was made by the mapping running now (a mapping
fix does not reach the dossiers nothing touched since until they are rebuilt). A fact that could
not be measured fails its criterion: no GO on missing evidence.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

COUNTRY = "FRANCE"


@dataclass(frozen=True)
class Criterion:
    name: str
    label: str
    value: float | None
    threshold: float
    ok: bool
    evidence: str = ""


@dataclass(frozen=True)
class Verdict:
    scope: str
    go: bool
    criteria: tuple[Criterion, ...]
    criteria_version: int
    run_id: int | None


@dataclass(frozen=True)
class ScopeFacts:
    """What was measured for one scope (the country or a prefecture)."""

    active_in_agdref: int
    active_in_anef: int
    critical_open: int
    divergence_rates: tuple[float, ...]     # one per night, the latest last
    parked_untriaged: int
    unexplained_anef_writes: int
    run_id: int | None = None
    made_by_older_mapping: int = 0           # dossiers in ANEF or parked that the running rules did not make
    rights_at_risk: int | None = None        # persons with a right at risk (rights ledger); None: not read


@dataclass(frozen=True)
class StreamFacts:
    freshness_p99_seconds: float | None
    lag: int | None


class Criteria(BaseModel):
    """One version of the criteria, validated (types and ranges) before it is saved or used: a
    criterion saved as ``"abc"`` or a negative number of nights would make every verdict
    meaningless. Unknown keys (a description) are kept."""

    model_config = ConfigDict(frozen=True, strict=True, extra="allow")

    version: int = Field(ge=1)
    coverage_min: float = Field(ge=0, le=1)
    critical_divergences_max: int = Field(ge=0)
    divergence_rate_max: float = Field(ge=0, le=1)
    divergence_rate_nights: int = Field(ge=1, le=365)
    freshness_p99_max_seconds: float = Field(gt=0)
    lag_max: int = Field(ge=0)
    parked_untriaged_max: int = Field(ge=0)
    unexplained_anef_writes_max: int = Field(ge=0)
    # Added after version 1 was first deployed: a version saved without them gets the strict default.
    outdated_mapping_max: int = Field(0, ge=0)
    rights_at_risk_max: int = Field(0, ge=0)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> Criteria:
        """Raises ``ValueError`` (pydantic's ``ValidationError``) naming each wrong criterion."""
        return cls.model_validate(body)

    def body(self) -> dict[str, Any]:
        return self.model_dump()


_SENTENCES = {
    "rights_at_risk": "{value:g} person(s) hold a right in AGDREF that ANEF does not show as strongly; {threshold:g} allowed",
    "coverage": "{value:.4%} of the persons holding a right are migrated and current, {threshold:.2%} required "
                "({gap:.4%} short)",
    "critical_divergences": "{value:g} critical divergence(s) open, {threshold:g} allowed",
    "divergence_rate": "the worst nightly divergence rate was {value:.4%}, {threshold:.2%} allowed",
    "freshness": "freshness p99 is {value:g} s, {threshold:g} s allowed",
    "lag": "{value:g} messages wait in Kafka, {threshold:g} allowed",
    "parked_triaged": "{value:g} parked dossier(s) nobody triaged, {threshold:g} allowed",
    "anef_writes_explained": "{value:g} change(s) to migrated rows in ANEF left unexplained, {threshold:g} allowed",
    "current_mapping": "{value:g} dossier(s) made by an older mapping, {threshold:g} allowed",
}


def explain(criterion: Criterion) -> str:
    """The criterion in one sentence, with its distance to the threshold; "holds" when it does."""
    if criterion.ok:
        return "holds"
    if criterion.value is None:
        return f"{criterion.label}: not measured ({criterion.evidence.split(';')[0]}); no GO on missing evidence"
    gap = abs(criterion.threshold - criterion.value)
    return _SENTENCES.get(criterion.name, "{value:g} against {threshold:g}").format(
        value=criterion.value, threshold=criterion.threshold, gap=gap)


# The criteria whose value must rise to pass; every other one must fall.
LARGER_IS_BETTER = frozenset({"coverage"})


def trend(name: str, values: list[float | None]) -> str:
    """How a criterion moved over the last nights (oldest first), in words: the director reads
    whether a NO-GO is on its way to GO or drifting away."""
    measured = [v for v in values if v is not None]
    if len(measured) < 2:
        return "first night measured" if measured else "never measured"
    first, last = measured[0], measured[-1]
    span = f"over {len(measured)} nights ({first:g} → {last:g})"
    if last == first:
        return f"unchanged {span}"
    better = last > first if name in LARGER_IS_BETTER else last < first
    return f"{'improving' if better else 'worsening'} {span}"


def _at_most(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def evaluate(scope: str, facts: ScopeFacts, streams: StreamFacts, criteria: Criteria) -> Verdict:
    report = f"/reconciliation/runs/{facts.run_id}" if facts.run_id else ""
    here = f"&prefecture={scope}" if scope != COUNTRY else ""  # evidence filtered to the scope
    coverage = facts.active_in_anef / facts.active_in_agdref if facts.active_in_agdref else 1.0
    nights = facts.divergence_rates[-criteria.divergence_rate_nights:]
    worst = max(nights) if len(nights) >= criteria.divergence_rate_nights else None
    checks = (
        Criterion("rights_at_risk", "persons with a right at risk (rights ledger, read at evaluation)",
                  facts.rights_at_risk, criteria.rights_at_risk_max,
                  _at_most(facts.rights_at_risk, criteria.rights_at_risk_max),
                  f"/reconciliation?kind=right_missing{here}; /reconciliation?kind=right_weaker{here}; {report}"),
        Criterion("coverage", "persons holding a right in AGDREF migrated, neither parked nor held", round(coverage, 6), criteria.coverage_min,
                  coverage >= criteria.coverage_min,
                  f"{facts.active_in_anef:,} of {facts.active_in_agdref:,} persons; {report}"),
        Criterion("critical_divergences", "critical divergences open", facts.critical_open,
                  criteria.critical_divergences_max, facts.critical_open <= criteria.critical_divergences_max,
                  f"/reconciliation?severity=critical{here}; {report}"),
        Criterion("divergence_rate", f"worst divergence rate over the last {criteria.divergence_rate_nights} nights",
                  worst, criteria.divergence_rate_max, _at_most(worst, criteria.divergence_rate_max),
                  f"{len(nights)} nights measured; {report}"),
        Criterion("freshness", "freshness p99 (seconds)", streams.freshness_p99_seconds,
                  criteria.freshness_p99_max_seconds,
                  _at_most(streams.freshness_p99_seconds, criteria.freshness_p99_max_seconds), "/streams"),
        Criterion("lag", "consumer lag (messages)", streams.lag, criteria.lag_max,
                  _at_most(streams.lag, criteria.lag_max), "/streams"),
        Criterion("parked_triaged", "parked dossiers not triaged", facts.parked_untriaged,
                  criteria.parked_untriaged_max, facts.parked_untriaged <= criteria.parked_untriaged_max,
                  f"/reconciliation?kind=parked{here}"),
        Criterion("anef_writes_explained", "ANEF writes on migrated rows left unexplained",
                  facts.unexplained_anef_writes, criteria.unexplained_anef_writes_max,
                  facts.unexplained_anef_writes <= criteria.unexplained_anef_writes_max,
                  f"/reconciliation?kind=conflict{here}; /reconciliation?kind=field_mismatch{here}"),
        Criterion("current_mapping", "dossiers made by an older mapping than the one running",
                  facts.made_by_older_mapping, criteria.outdated_mapping_max,
                  facts.made_by_older_mapping <= criteria.outdated_mapping_max,
                  "agdref-anef rebuild --outdated-mapping"),
    )
    return Verdict(scope, all(c.ok for c in checks), checks, criteria.version, facts.run_id)
