"""Fixtures for the built-in collector tests: harnesses over a fake host, a copy of it, and this host."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from collector_helpers import FAKEHOST, Harness


@pytest.fixture
def fake() -> Iterator[Harness]:
    """A harness over the committed fake host tree (read-only)."""
    h = Harness(FAKEHOST)
    yield h
    h.close()


@pytest.fixture
def fake_copy(tmp_path: Path) -> Iterator[Harness]:
    """A harness over a writable copy of the fake host tree."""
    shutil.copytree(FAKEHOST, tmp_path / "host")
    h = Harness(tmp_path / "host")
    yield h
    h.close()


@pytest.fixture
def live() -> Iterator[Harness]:
    """A harness over this machine's own /proc and /sys."""
    h = Harness("/")
    yield h
    h.close()
