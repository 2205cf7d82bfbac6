"""Fixtures for the nvidia plugin's tests: a fresh fake NVML module per test."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

import pytest

FAKE_DIR = Path(__file__).parent / "fakenvml"
_serial = itertools.count()


def load_fake() -> ModuleType:
    """A new copy of the fake ``pynvml`` (its own GPUS and call counts)."""
    name = f"_fake_pynvml_{next(_serial)}"
    spec = importlib.util.spec_from_file_location(name, FAKE_DIR / "pynvml.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake_nvml(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The fake NVML, also installed as ``pynvml`` for code that imports the library."""
    module = load_fake()
    monkeypatch.setitem(sys.modules, "pynvml", module)
    return module
