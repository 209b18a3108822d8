"""Reading Prometheus' text exposition (a worker's /metrics page): samples, histograms, quantiles.
The text is parsed by ``prometheus_client.parser`` (escapes, timestamps, exemplars: the format's
own reader); this module only sums and interpolates. Pure, except ``scrape``."""
from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def scrape(url: str, timeout: float = 2.0) -> str:
    """The page, or "" when nothing answers (a worker down is a status, not an error)."""
    try:
        return urllib.request.urlopen(url, timeout=timeout).read().decode()
    except OSError:
        return ""


def samples(page: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Every sample named ``name`` (a counter's ``…_total``, a histogram's ``…_bucket``): (labels, value).
    A page that is not the text format raises ``ValueError``."""
    return [(dict(sample.labels), float(sample.value)) for family in text_string_to_metric_families(page)
            for sample in family.samples if sample.name == name]


def total(page: str, name: str, **where: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``where``."""
    return sum(v for labels, v in samples(page, name) if all(labels.get(k) == w for k, w in where.items()))


def histogram(page: str, name: str) -> dict[float, float]:
    """Cumulative counts of a histogram, by upper bound (summed over any other label)."""
    buckets: dict[float, float] = {}
    for labels, value in samples(page, f"{name}_bucket"):
        bound = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
        buckets[bound] = buckets.get(bound, 0.0) + value
    return buckets


def difference(after: dict[float, float], before: dict[float, float]) -> dict[float, float]:
    return {bound: after[bound] - before.get(bound, 0.0) for bound in after}


def percentile(cumulative: dict[float, float], share: float) -> float | None:
    """The ``share`` quantile of a cumulative histogram, interpolated inside its bucket (None: empty)."""
    bounds = sorted(cumulative)
    if not bounds or not cumulative[bounds[-1]]:
        return None
    wanted, previous_bound, previous_count = share * cumulative[bounds[-1]], 0.0, 0.0
    for bound in bounds:
        if cumulative[bound] >= wanted:
            if bound == float("inf"):
                return previous_bound
            inside = (wanted - previous_count) / max(1e-9, cumulative[bound] - previous_count)
            return previous_bound + inside * (bound - previous_bound)
        previous_bound, previous_count = bound, cumulative[bound]
    return previous_bound
