"""The one test that needs a real NVIDIA GPU: skipped when this machine has none."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sysagent_nvidia import nvml
from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

from sysagent.testing import Harness


@pytest.mark.gpu
def test_real_gpu(sysagent_harness: Callable[..., Harness]) -> None:
    try:
        module, count = nvml.load()
    except nvml.Unavailable as e:
        pytest.skip(f"no NVIDIA GPU here: {e}")
    module.nvmlShutdown()
    h = sysagent_harness(GpuCollector(NvidiaSettings(), None))
    h.collect()
    limits = h.assert_metric("hw.gpu.memory.limit", count=count)
    used = h.assert_metric("hw.gpu.memory.usage", count=count)
    assert all(0 < u.value <= lim.value for u, lim in zip(used, limits, strict=True))
    for p in h.assert_metric("hw.gpu.utilization", attributes={"hw.gpu.task": "general"}, count=count):
        assert 0.0 <= p.value <= 1.0
        assert dict(p.attributes)["hw.id"].startswith(("GPU-", "MIG-"))
