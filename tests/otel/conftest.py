"""Every bridge test leaves no bridge running behind it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sysagent.otel


@pytest.fixture(autouse=True)
def _no_bridge_left() -> Iterator[None]:
    yield
    sysagent.otel.uninstrument()
