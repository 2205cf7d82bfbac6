"""A damaged queue file at start: the agent starts, sets the damage aside in one clear line, sends the rest.

Four agents each fill a queue while no Collector listens, and stop (SIGTERM:
the queue is checkpointed into one file). The file is then damaged four ways
(garbage over the whole file, cut after the middle leaf page of the table, a
leaf page overwritten, an overflow page of one row's payload overwritten) and
each agent is started again with a Collector. The rows the
agent says it kept must arrive whole in Prometheus, and no other row of the
old queue may arrive in part.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from e2e._http import free_ports, wait_for
from e2e._stack import Stack

from faults import _queuefile
from faults._agents import FEW_COLLECTORS, FaultAgent, fault_agent
from faults._gateway import Gateway
from faults._promdata import samples, wait_complete
from faults._truth import Comparison, Samples, count, expected

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
FILL_S = 20.0  # enough rows for three leaf and three overflow pages, one request per tick
PAGE = 4096
DAMAGED = re.compile(r"queue file (\S+) is damaged .*the (\d+) readable items \((\d+) points\)")


def _garbage(path: Path, copy: Path) -> None:
    size = path.stat().st_size
    path.write_bytes(random.Random(1).randbytes(size))


def _truncate(path: Path, copy: Path) -> None:
    """Cut the file after the middle leaf page of the table: the rows after it are gone."""
    os.truncate(path, _middle_page(copy, "leaf") * PAGE)


def _middle_page(copy: Path, kind: str) -> int:
    """The page number (1-based) of a middle page of the items table of this type (dbstat: leaf, overflow)."""
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        query = "SELECT pageno FROM dbstat WHERE name = 'items' AND pagetype = ? ORDER BY pageno"
        pages = [int(n) for (n,) in conn.execute(query, (kind,))]
    finally:
        conn.close()
    assert len(pages) >= 3, f"too few {kind} pages: {pages}"
    return pages[len(pages) // 2]


def _overwrite(kind: str) -> Callable[[Path, Path], None]:
    def damage(path: Path, copy: Path) -> None:
        page = _middle_page(copy, kind)
        with open(path, "r+b") as f:
            f.seek((page - 1) * PAGE)
            f.write(random.Random(2).randbytes(PAGE))

    return damage


DAMAGE: dict[str, Callable[[Path, Path], None]] = {
    "garbage": _garbage,
    "truncated": _truncate,
    "leaf_page": _overwrite("leaf"),  # the rows on it are lost
    "overflow_page": _overwrite("overflow"),  # one row's payload is garbage, its length intact
}


@dataclass
class Case:
    agent: FaultAgent
    rows: list[_queuefile.Row] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)
    kept_items: int = -1
    kept_points: int = -1
    new: Comparison | None = None
    stored: Samples = field(default_factory=dict)
    alive: bool = False


@pytest.fixture(scope="module")
def cases(otelcol_bin: Path, backends: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Case]]:
    tmp = tmp_path_factory.mktemp("corrupt")
    (nobody,) = free_ports(1)
    endpoint = f"http://127.0.0.1:{nobody}"  # no Collector yet: everything stays queued
    collectors = {**FEW_COLLECTORS, "cpu": {"interval": "1s", "per_cpu": True}}
    disable = ["disk", "network", "paging", "filesystem", "connections", "system", "alerts"]
    out = {
        name: Case(fault_agent(tmp / name, endpoint, collectors=collectors, disable=disable, shutdown_timeout="1s"))
        for name in DAMAGE
    }
    gw = Gateway(otelcol_bin, tmp / "gateway", backends.prometheus_url, backends.influxdb_url)
    try:
        for case in out.values():
            case.agent.start()
        time.sleep(FILL_S)
        for name, case in out.items():
            assert case.agent.process is not None and case.agent.process.stop() == 0, case.agent.log()
            queue = case.agent.state_dir / _queuefile.QUEUE_FILE
            assert not Path(f"{queue}-wal").exists() or Path(f"{queue}-wal").stat().st_size == 0
            copy = _queuefile.snapshot(case.agent.state_dir, tmp / f"{name}-copy")
            case.rows = _queuefile.rows(copy)
            DAMAGE[name](queue, copy)
        gw.start()
        started: list[tuple[Case, int]] = []
        for case in out.values():
            case.agent.config["sinks"]["otlp"]["endpoint"] = gw.otlp_http
            case.agent.start()
            started.append((case, len(case.agent.lines())))
        for case, before in started:
            wait_for("the queue drained", case.agent.drained, timeout=60)
            case.alive = bool(case.agent.process and case.agent.process.alive())
            assert case.agent.process is not None and case.agent.process.stop() == 0, case.agent.log()
            log = case.agent.runner.started[-1].log()
            case.log_lines = [line for line in log.splitlines() if "damaged" in line]
            m = DAMAGED.search(log)
            if m:
                case.kept_items, case.kept_points = int(m.group(2)), int(m.group(3))
            fresh = expected(case.agent.lines()[before:])
            case.new = wait_complete(backends.prometheus_url, case.agent.run_id, fresh, timeout=60)
            names = {k[0] for row in case.rows for k in row.samples} | {k[0] for k in fresh}
            case.stored = samples(backends.prometheus_url, case.agent.run_id, names)
        yield out
    finally:
        for case in out.values():
            case.agent.runner.close()
        gw.stop()


def _arrived(row: _queuefile.Row, stored: Samples) -> int:
    """How many of the row's points Prometheus holds."""
    return sum(1 for key, points in row.samples.items() for ts in points if ts in stored.get(key, {}))


def _check(case: Case, name: str) -> tuple[int, int]:
    assert case.alive, case.agent.log()
    assert len(case.log_lines) == 1, f"one clear line about the damage: {case.log_lines}"
    line = case.log_lines[0]
    assert "ERROR" in line and DAMAGED.search(line), line
    aside = list(case.agent.state_dir.glob(f"{_queuefile.QUEUE_FILE}.damaged-*"))
    assert len(aside) == 1 and f"moved it to {aside[0]} " in line, (aside, line)
    new = case.new
    assert new is not None and not new.missing and not new.wrong, new.summary() if new else None
    whole = [r for r in case.rows if _arrived(r, case.stored) == count(r.samples)]
    partial = [r for r in case.rows if 0 < _arrived(r, case.stored) < count(r.samples)]
    print(
        f"{name}: {len(case.rows)} rows ({sum(r.points for r in case.rows)} points) queued; the agent kept "
        f"{case.kept_items} ({case.kept_points} points); {len(whole)} rows arrived whole, {len(partial)} in part"
    )
    assert not partial, [r.id for r in partial]
    assert len(whole) == case.kept_items and sum(r.points for r in whole) == case.kept_points
    return len(whole), len(case.rows)


def test_garbage_file_is_set_aside(cases: dict[str, Case]) -> None:
    kept, total = _check(cases["garbage"], "garbage")
    assert total > 0 and kept == 0


def test_truncated_file_keeps_the_readable_rows(cases: dict[str, Case]) -> None:
    kept, total = _check(cases["truncated"], "truncated")
    assert 0 < kept < total


def test_overwritten_leaf_page_keeps_the_readable_rows(cases: dict[str, Case]) -> None:
    kept, total = _check(cases["leaf_page"], "leaf_page")
    assert 0 < kept < total


def test_overwritten_overflow_page_sets_the_garbled_row_aside(cases: dict[str, Case]) -> None:
    """A row whose payload lies partly on the damaged page reads back garbled: it must not count as kept."""
    kept, total = _check(cases["overflow_page"], "overflow_page")
    assert 0 < kept < total
