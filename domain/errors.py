"""The one exception the mapping rules raise, and the collector that gathers them."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from domain.exceptions import DomainError
from schemas.rejections import Reason, Remediation

T = TypeVar("T")


class RemediationNeeded(DomainError):
    """Raised by a rule when a legacy value cannot be migrated without a human decision."""

    def __init__(self, reason: Reason, field: str, detail: str) -> None:
        super().__init__(f"{reason}: {field}: {detail}")
        self.remediation = Remediation(reason, field, detail)


class Collector:
    """Applies rules to one legacy row and keeps every rejection instead of stopping at the first,
    so that a person fixing AGDREF sees all that is wrong with the dossier at once."""

    def __init__(self, table: str, key: str) -> None:
        self.table, self.key = table, key
        self.remediations: list[Remediation] = []

    def __call__(self, rule: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return rule(*args, **kwargs)
        except RemediationNeeded as needed:
            self.add(needed.remediation.reason, needed.remediation.field, needed.remediation.detail)
            return None

    def add(self, reason: Reason, field: str, detail: str) -> None:
        self.remediations.append(Remediation(reason, field, detail, self.table, self.key))

    def objected(self, field: str) -> bool:
        """Whether a rule already objected to ``field``."""
        return bool(self.remediations) and any(r.field == field for r in self.remediations)

    def required(self, value: T | None, field: str, detail: str = "unknown (00000000 or blank)") -> T | None:
        """A value ANEF requires: absent → DATE_MANQUANTE for dates (the only required values a
        legacy row may lack without another rule already objecting)."""
        if value is None and not self.objected(field):
            self.add(Reason.DATE_MANQUANTE, field, detail)  # unless another rule already objected to it
        return value
