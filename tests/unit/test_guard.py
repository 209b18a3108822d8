"""The worker stops when most recent events are rejected, not before it has seen enough of them."""
import pytest

from pipeline.exceptions import RejectionRateExceeded
from pipeline.guard import RejectionGuard


def test_a_rejection_spike_past_the_ceiling_stops_the_worker():
    guard = RejectionGuard(max_rate=0.5, window=100, minimum=20)
    guard.check(50, 10)
    with pytest.raises(RejectionRateExceeded, match="of the last 100 events rejected"):
        guard.check(50, 45)


def test_a_few_rejections_or_too_few_events_do_not_stop_it():
    guard = RejectionGuard(max_rate=0.5, window=100, minimum=20)
    guard.check(10, 10)  # 100 % but only 10 events seen
    guard.check(90, 30)  # 40 of the last 100
    guard.check(100, 40)  # the window slides: 40 of the last 100


def test_the_window_forgets_old_rejections():
    guard = RejectionGuard(max_rate=0.5, window=10, minimum=5)
    guard.check(4, 4)
    guard.check(10, 0)
    guard.check(10, 5)
