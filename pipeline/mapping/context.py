"""What every child row's mapping needs to know about its dossier."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.mapping import dates
from pipeline.mapping.errors import RemediationNeeded


@dataclass(frozen=True)
class DossierContext:
    numero: str                 # the reference person's normalised number: every row's new holder
    postcode: str | None        # of the current address: decides Corsica before 1976 (COD8)
    insee: str | None
    changed_at: datetime        # legacy commit time: stands in for a row's unusable date_maj (DAT10)

    def modified(self, date_maj: str | None) -> datetime:
        """(DAT10) ``maj_le`` from the row's own ``date_maj``, else the legacy commit time."""
        try:
            return dates.paris_local_time(date_maj, "date_maj") or self.changed_at
        except RemediationNeeded:
            return self.changed_at


def legacy_key(value: str | None) -> str | None:
    """A legacy identifier as ANEF stores it: trailing padding removed, blank → null."""
    stripped = (value or "").rstrip()
    return stripped or None
