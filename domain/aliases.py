"""Alias rules: which person a duplicate record belongs to."""
from __future__ import annotations

from collections.abc import Mapping

from domain.errors import RemediationNeeded
from schemas.rejections import Reason

# Chains longer than this are treated like loops: no real duplicate hunt builds them.
MAX_CHAIN = 16


def resolve_reference(numero: str, alias_of: Mapping[str, str | None]) -> str:
    """The reference person a record belongs to, following alias links.

    ``alias_of[n]`` is the (normalised) reference of record ``n`` when ``n`` is an alias, None
    when ``n`` is a person in its own right; a number absent from the mapping has no record.
    A chain A → B → C resolves to C (decided: the merge is transitive). A link to a number with no
    record is ALIAS_SANS_REFERENCE; a chain that comes back on itself is ALIAS_BOUCLE.
    """
    seen = [numero]
    current = numero
    while True:
        if current not in alias_of:
            raise RemediationNeeded(Reason.ALIAS_SANS_REFERENCE, "num_etranger_ref",
                                    f"chain of {len(seen) - 1} link(s) ends on a number with no record")
        target = alias_of[current]
        if target is None:
            return current
        if target in seen or len(seen) > MAX_CHAIN:
            raise RemediationNeeded(Reason.ALIAS_BOUCLE, "num_etranger_ref", f"loop after {len(seen)} record(s)")
        seen.append(target)
        current = target
