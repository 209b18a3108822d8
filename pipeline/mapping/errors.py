"""The one exception the mapping rules raise: a value that needs a person's decision."""
from __future__ import annotations

from pipeline.exceptions import PipelineError
from schemas.rejections import Reason, Remediation


class RemediationNeeded(PipelineError):
    """Raised by a rule when a legacy value cannot be migrated without a human decision."""

    def __init__(self, reason: Reason, field: str, detail: str) -> None:
        super().__init__(f"{reason}: {field}: {detail}")
        self.remediation = Remediation(reason, field, detail)
