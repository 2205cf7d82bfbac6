"""Loading NVML and calling it: the only module that knows the library's shape.

``load()`` imports ``pynvml`` (from nvidia-ml-py) and initialises it, or says in one
line why not (no library, no driver, no GPU). Tests put a fake ``pynvml`` module
first on the path, or pass a fake object to the collector; nothing else changes.
"""

from __future__ import annotations

import importlib
from typing import Any

#: NVML's status codes this plugin treats specially (values from nvml.h).
NOT_SUPPORTED = 3
DRIVER_NOT_LOADED = 9
LIBRARY_NOT_FOUND = 12


class Unavailable(Exception):
    """NVML cannot be used on this machine; ``str()`` is the one line to log."""


def load(module: str = "pynvml") -> tuple[Any, int]:
    """Import and initialise NVML; return the module and the number of GPUs.

    Raises :class:`Unavailable` with a one-line reason when there is nothing to collect.
    """
    try:
        nvml = importlib.import_module(module)
    except ImportError as e:
        raise Unavailable(f"nvidia-ml-py is not importable ({e})") from None
    try:
        nvml.nvmlInit()
    except nvml.NVMLError as e:
        code = getattr(e, "value", None)
        if code in (LIBRARY_NOT_FOUND, DRIVER_NOT_LOADED):
            raise Unavailable(f"no NVIDIA driver ({e})") from None
        raise Unavailable(f"NVML did not start ({e})") from None
    try:
        count = int(nvml.nvmlDeviceGetCount())
    except nvml.NVMLError as e:
        nvml.nvmlShutdown()
        raise Unavailable(f"NVML cannot count GPUs ({e})") from None
    if count == 0:
        nvml.nvmlShutdown()
        raise Unavailable("the NVIDIA driver reports no GPU")
    return nvml, count


def text(value: object) -> str:
    """NVML strings are bytes in old bindings and str in new ones."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
