"""The mapping processes' garbage collector: start-up objects frozen, young collections rarer."""
from __future__ import annotations

import gc

from common.collector import YOUNG_THRESHOLD, tune_for_mapping


def test_tuning_freezes_what_exists_and_collects_the_young_less_often():
    before = gc.get_threshold()
    try:
        tune_for_mapping()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD > before[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
