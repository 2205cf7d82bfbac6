"""For bench/plugins.py: the GPU collector on the fake NVML of the tests (two GPUs), as no GPU is here."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def collectors() -> Iterator[list[tuple[str, Any]]]:
    sys.path.insert(0, str(Path(__file__).parent / "tests" / "fakenvml"))
    import pynvml  # the fake, first on the path
    from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

    collector = GpuCollector(NvidiaSettings(), None, nvml=pynvml)
    try:
        yield [("nvidia", collector)]
    finally:
        collector.close()
