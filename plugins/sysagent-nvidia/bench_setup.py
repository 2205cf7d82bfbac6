"""For bench/plugins.py: the GPU collector on the real NVML when a GPU is here, else on the tests' fake (two GPUs)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def collectors() -> Iterator[list[tuple[str, Any]]]:
    from sysagent_nvidia import nvml
    from sysagent_nvidia.collector import GpuCollector, NvidiaSettings

    try:
        module, _ = nvml.load()
        name = "nvidia"
    except nvml.Unavailable:
        sys.path.insert(0, str(Path(__file__).parent / "tests" / "fakenvml"))
        sys.modules.pop("pynvml", None)  # the real library, imported by the try above
        module = __import__("pynvml")  # the fake, first on the path
        module.nvmlInit()
        name = "nvidia(fake)"
    collector = GpuCollector(NvidiaSettings(), None, nvml=module)
    module.nvmlShutdown()  # the collector holds its own reference
    try:
        yield [(name, collector)]
    finally:
        collector.close()
