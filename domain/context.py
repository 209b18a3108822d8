"""What every child row's mapping needs to know about its dossier."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from domain import dates
from domain.errors import RemediationNeeded
from schemas.legacy_models import Adresse


@dataclass(frozen=True)
class DossierContext:
    numero: str                 # the reference person's normalised number: every row's new holder
    postcode: str | None        # of the current address: decides Corsica before 1976 (COD8)
    insee: str | None
    changed_at: datetime        # legacy commit time: stands in for a row's unusable date_maj (DAT10)
    addresses: tuple[Adresse, ...] = ()   # the person's address history (COD8: Corsica on a past date)
    today: date | None = None   # the day the mapping runs: what is history (HIS1)
    # Asked once per dated row of the dossier, so worked out once: the day each address began
    # (None: unknown, counts as begun) and, per day asked, the place found.
    _starts: list[date | None] = field(default_factory=list, compare=False, repr=False)
    _places: dict[date, tuple[str | None, str | None]] = field(default_factory=dict, compare=False, repr=False)
    _mapped: dict[int, tuple[str | None, str | None]] = field(default_factory=dict, compare=False, repr=False)

    def place_on(self, day: date | None) -> tuple[str | None, str | None]:
        """(COD8) Postcode and INSEE code of the address in force on ``day`` (the highest
        ``num_ordre`` among those begun by then; one whose start is unknown counts as begun): an
        old permit coded ``020`` is decided by where the person lived when it was issued, not by
        where they live now. Without a day, the current address."""
        if day is None or not self.addresses:
            return self.postcode, self.insee
        found = self._places.get(day)
        if found is None:
            if not self._starts:
                self._starts.extend(_start(a) for a in self.addresses)
            begun = [i for i, start in enumerate(self._starts) if start is None or start <= day]
            found = self._place_of(max(begun, key=lambda i: self.addresses[i].num_ordre)) if begun else (None, None)
            self._places[day] = found
        return found

    def _place_of(self, index: int) -> tuple[str | None, str | None]:
        if index not in self._mapped:
            from domain.address import to_anef

            mapped = to_anef(self.addresses[index])
            self._mapped[index] = (mapped.code_postal, mapped.code_insee)
        return self._mapped[index]

    def modified(self, date_maj: str | None) -> datetime:
        """(DAT10) ``maj_le`` from the row's own ``date_maj``, else the legacy commit time."""
        try:
            return dates.paris_local_time(date_maj, "date_maj") or self.changed_at
        except RemediationNeeded:
            return self.changed_at


def _start(address: Adresse) -> date | None:
    """The day an address began; None when unknown or unreadable (it then counts as begun)."""
    try:
        return dates.legacy_date_or_none(address.date_debut, "date_debut")
    except RemediationNeeded:
        return None


def legacy_key(value: str | None) -> str | None:
    """A legacy identifier as ANEF stores it: trailing padding removed, blank → null."""
    stripped = (value or "").rstrip()
    return stripped or None
