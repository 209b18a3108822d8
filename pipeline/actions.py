"""What the worker makes of each legacy change: plain data, produced by pure code
(``pipeline.decide``) and carried out by the sink (``pipeline.sink``) in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.rejections import Reason


@dataclass(frozen=True)
class Origin:
    """Where a change came from in Kafka: what a dead letter must carry to be found again."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class RowChange:
    """The new state of one legacy row (``row`` None: deleted), at its legacy position."""

    table: str
    key: str                  # the primary key as AGDREF holds it, padding included ("|" between columns)
    numero: str | None        # the owner's normalised number (raw if unreadable; None: unknown, look it up)
    position: int
    committed_at_ms: int
    row: dict[str, Any] | None
    alias_of: str | None = None   # etranger only: the normalised reference of an alias record
    is_alias: bool = False
    transaction: str | None = None  # the legacy transaction's id (Debezium's transaction.id), if known
    snapshot: bool = False          # a snapshot read, not a change: its dossier may settle before it is rebuilt


@dataclass(frozen=True)
class TransactionEnd:
    """A legacy transaction's END marker: how many change events it produced in all."""

    transaction: str
    event_count: int


@dataclass(frozen=True)
class DeadLetter:
    origin: Origin
    reason: Reason
    error: str
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes] = field(default_factory=dict)


Action = RowChange | TransactionEnd | DeadLetter
