"""The plugin author's kit: the sysagent_harness fixture's clock and checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fakeplugins.counting import Counting


def test_the_clock_gives_real_rates_and_deltas(sysagent_harness: Callable[..., Any]) -> None:
    h = sysagent_harness(Counting, settings={"step": 10})
    h.collect(times=3, every=5.0)
    h.assert_metric("test.ticks", value=20, attributes={"kind": "a"}, kind="counter", unit="{tick}", delta=10, rate=2.0)
    h.assert_metric("test.level", value=0.5, kind="gauge")
    h.assert_all_metrics_covered()
    h.check_declared()


def test_wrong_kind_unit_or_rate_fails(sysagent_harness: Callable[..., Any]) -> None:
    h = sysagent_harness(Counting, settings={"step": 10})
    h.collect(times=2, every=2.0)
    with pytest.raises(AssertionError, match="kind counter, expected gauge"):
        h.assert_metric("test.ticks", kind="gauge")
    with pytest.raises(AssertionError, match="unit"):
        h.assert_metric("test.ticks", unit="s")
    with pytest.raises(AssertionError, match=r"rate \[5.0\] != 2.0"):
        h.assert_metric("test.ticks", rate=2.0)


def test_before_each_changes_the_fake_machine(sysagent_harness: Callable[..., Any]) -> None:
    seen: list[int] = []
    h = sysagent_harness(Counting)
    h.collect(times=3, every=1.0, before_each=seen.append)
    assert seen == [0, 1, 2]
