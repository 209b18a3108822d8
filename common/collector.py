"""Python's cyclic garbage collector, tuned for the long-lived processes that map dossiers.

Why: the mapping allocates tens of thousands of small objects per batch (models, dicts, tuples)
that all survive until the batch is written. With CPython's default thresholds (700, 10, 10) a
collection runs every 700 allocations, and the batch's survivors, promoted from one generation
to the next, were walked again and again: the mapping ran ~25 % slower (cold caches,
``initial_load.prepare`` on one range: 0.69 → 0.50 ms per person with the thresholds below; in
the whole chain the backfill's A/B stayed within a day's noise). The objects made at start-up
(Faust, SQLAlchemy, pydantic's schemas: most of the heap) never become garbage; frozen, no full
collection walks them again.

Nothing here changes what is freed, only how often the collector looks: cycles are still found,
later. Memory stays bounded (the backfill's figure watches it).
"""
from __future__ import annotations

import gc

#: Allocations between two young collections (CPython's default: 700), and how many young
#: (resp. middle) collections between two of the next generation (defaults kept).
YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (10, 10)


def tune_for_mapping() -> None:
    """Freeze what exists now (call it once start-up imports are done) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
