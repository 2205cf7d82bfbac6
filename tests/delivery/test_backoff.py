"""Backoff: the ceiling doubles per attempt up to the cap; delays are spread over [0, ceiling]."""

from __future__ import annotations

import random

from sysagent.delivery import Backoff


def delays_at(attempt: int, trials: int = 400) -> list[float]:
    rng = random.Random(attempt)
    out = []
    for _ in range(trials):
        b = Backoff(0.25, 10.0, rng=rng)
        b.attempt = attempt
        out.append(b.next())
    return out


def test_the_ceiling_doubles_up_to_the_cap_and_delays_fill_it() -> None:
    for attempt, ceiling in enumerate([0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]):
        sample = delays_at(attempt)
        assert all(0.0 <= d <= ceiling for d in sample)
        assert max(sample) > 0.95 * ceiling and min(sample) < 0.05 * ceiling
        assert 0.4 * ceiling < sum(sample) / len(sample) < 0.6 * ceiling  # uniform: full jitter


def test_retry_after_is_a_floor_capped_by_retry_after_max_and_reset_starts_over() -> None:
    b = Backoff(0.25, 10.0, retry_after_max=30.0, rng=random.Random(3))
    assert b.next(retry_after=3.0) >= 3.0
    assert b.next(retry_after=3600.0) == 30.0
    assert b.attempt == 2
    b.reset()
    assert b.next() <= 0.25
