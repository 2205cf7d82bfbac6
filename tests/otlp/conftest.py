"""Fixtures for the OTLP tests: loopback receivers, certificates, sample batches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from otlp.certs import Certs, make_certs
from otlp.servers import HttpReceiver


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))
