"""A worker's metrics page read through prometheus_client's parser: counters, labels with
escapes, histograms and their interpolated quantiles."""
from __future__ import annotations

import pytest

from common import prometheus_text as prom

PAGE = r'''# HELP agdref_anef_dossiers_total Dossiers by outcome.
# TYPE agdref_anef_dossiers_total counter
agdref_anef_dossiers_total{outcome="written"} 90.0
agdref_anef_dossiers_total{outcome="parked"} 10.0
# TYPE agdref_anef_dead_letters_total counter
agdref_anef_dead_letters_total{reason="bad \"json\", line\n2"} 3.0 1700000000000
# TYPE agdref_anef_freshness_seconds histogram
agdref_anef_freshness_seconds_bucket{le="0.1"} 50.0
agdref_anef_freshness_seconds_bucket{le="1.0"} 100.0
agdref_anef_freshness_seconds_bucket{le="+Inf"} 100.0
agdref_anef_freshness_seconds_count 100.0
agdref_anef_freshness_seconds_sum 20.0
'''


def test_counters_are_summed_over_the_labels_asked():
    assert prom.total(PAGE, "agdref_anef_dossiers_total") == 100.0
    assert prom.total(PAGE, "agdref_anef_dossiers_total", outcome="parked") == 10.0


def test_escaped_label_values_and_timestamps_are_read_as_the_format_defines_them():
    assert prom.samples(PAGE, "agdref_anef_dead_letters_total") == [({"reason": 'bad "json", line\n2'}, 3.0)]


def test_a_histogram_gives_its_cumulative_buckets_and_interpolated_quantiles():
    buckets = prom.histogram(PAGE, "agdref_anef_freshness_seconds")
    assert buckets == {0.1: 50.0, 1.0: 100.0, float("inf"): 100.0}
    assert prom.percentile(buckets, 0.5) == pytest.approx(0.1)
    assert prom.percentile(buckets, 0.99) == pytest.approx(0.1 + 0.98 * 0.9)
    assert prom.percentile({}, 0.5) is None


def test_a_page_that_is_not_the_text_format_is_an_error():
    with pytest.raises(ValueError):
        prom.samples("<html>not metrics</html>", "x")
