"""What the worker decides to do with each legacy change: plain data, produced by pure code
(``pipeline.decide``) and carried out by the sink (``pipeline.sink``) in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field

from schemas.anef_models import Usager
from schemas.rejections import Reason, Remediation


@dataclass(frozen=True)
class Origin:
    """Where a change came from in Kafka: what a dead letter must carry to be found again."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class SourceRow:
    """The legacy row a change is about, and the legacy position of that change."""

    table: str
    key: str          # the primary key as AGDREF holds it (padding included)
    numero: str       # the person's normalised foreigner number (the raw one when it cannot be)
    position: int
    committed_at_ms: int


@dataclass(frozen=True)
class UpsertPerson:
    row: SourceRow
    usager: Usager


@dataclass(frozen=True)
class ErasePerson:
    """The legacy record is gone (a legal purge): nothing of it may stay in ANEF or the parking."""

    row: SourceRow


@dataclass(frozen=True)
class MergeAlias:
    """The record is an alias of ``reference``: it has no ``usager`` row of its own."""

    row: SourceRow
    reference: str


@dataclass(frozen=True)
class Park:
    row: SourceRow
    remediations: tuple[Remediation, ...]
    event: bytes


@dataclass(frozen=True)
class DeadLetter:
    origin: Origin
    reason: Reason
    error: str
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes] = field(default_factory=dict)


Action = UpsertPerson | ErasePerson | MergeAlias | Park | DeadLetter
