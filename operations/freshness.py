"""Freshness, one definition everywhere (the go/no-go, the streams page, the command line): the p99
of legacy commit → ANEF commit for the dossiers committed in a recent window, from two readings of
the worker's cumulative histogram. The cumulative histogram alone would carry a backfill's minutes
for ever. Pure.

Nothing committed in the window: 0 when nothing waits either (quiet: nothing is late), else
unmeasured (None: no GO on missing evidence).
"""
from __future__ import annotations

from common import prometheus_text as prom


def window_p99(earlier: dict[float, float], later: dict[float, float], quiet: bool) -> float | None:
    """p99 of what was committed between two readings of the histogram (bucket bound → count)."""
    window = prom.difference(later, earlier)
    if not window or not window[max(window)]:
        return 0.0 if quiet else None
    return prom.percentile(window, 0.99)
