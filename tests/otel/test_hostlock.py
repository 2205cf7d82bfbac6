"""One process per host emits host metrics: real worker processes (gunicorn, and a plain pre-forking parent).

Each worker runs an SDK app with the bridge and reports how many host points
its reader holds; exactly one live worker may report any. When that one is
killed (SIGKILL: no clean-up runs), another takes over within seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port, wait_for

WORKER = Path(__file__).with_name("_worker.py")
TESTS = Path(__file__).resolve().parents[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours has not been reaped yet
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def reports(status: Path, max_age: float = 1.0) -> dict[int, int]:
    """pid -> host points, for live workers whose report is fresh."""
    out: dict[int, int] = {}
    now = time.time()
    for f in status.glob("*.json"):
        try:
            r = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if now - r["t"] < max_age and alive(r["pid"]):
            out[r["pid"]] = r["points"]
    return out


def one_emitter(status: Path, workers: int, exclude: set[int] = frozenset()) -> int | None:  # type: ignore[assignment]
    r = {pid: n for pid, n in reports(status).items() if pid not in exclude}
    emitting = [pid for pid, n in r.items() if n > 0]
    return emitting[0] if len(r) >= workers and len(emitting) == 1 else None


def stays_one(status: Path, workers: int, seconds: float) -> int:
    """The single emitter, checked over ``seconds``: never two at once."""
    holder = None
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r = reports(status)
        emitting = [pid for pid, n in r.items() if n > 0]
        assert len(emitting) <= 1, f"several processes emit host metrics: {r}"
        holder = emitting[0] if emitting else holder
        time.sleep(0.1)
    assert holder is not None
    return holder


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "status").mkdir()
    return tmp_path / "status", tmp_path / "state"


def env(status: Path, state: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(TESTS.parent), str(TESTS), e.get("PYTHONPATH", "")])
    e.update(BRIDGE_TEST_STATUS=str(status), BRIDGE_TEST_STATE=str(state), BRIDGE_TEST_BIND=f"127.0.0.1:{free_port()}")
    return e


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        # the whole session: a pre-forking parent killed by the test leaves its children in it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)


def test_gunicorn_workers_elect_one_emitter(dirs: tuple[Path, Path], procs: list[subprocess.Popen[bytes]]) -> None:
    status, state = dirs
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(WORKER), "otel._worker:application"]
    log = open(status.parent / "gunicorn.log", "wb")  # noqa: SIM115
    procs.append(subprocess.Popen(cmd, env=env(status, state), stdout=log, stderr=log, start_new_session=True))
    assert wait_for(lambda: one_emitter(status, 3), timeout=30), (
        reports(status),
        (status.parent / "gunicorn.log").read_text(),
    )
    holder = stays_one(status, 3, 2.0)
    assert (state / "otel-host.lock").read_text().strip() == str(holder)

    os.kill(holder, signal.SIGKILL)  # gunicorn starts a new worker; someone takes over
    assert wait_for(lambda: one_emitter(status, 3, {holder}), timeout=20), reports(status)
    successor = stays_one(status, 3, 1.5)
    assert successor != holder
    assert (state / "otel-host.lock").read_text().strip() == str(successor)


def test_children_forked_after_instrument(dirs: tuple[Path, Path], procs: list[subprocess.Popen[bytes]]) -> None:
    status, state = dirs
    cmd = [sys.executable, str(WORKER), "prefork", "2", str(status), str(state)]
    log = open(status.parent / "prefork.log", "wb")  # noqa: SIM115
    parent = subprocess.Popen(cmd, env=env(status, state), stdout=log, stderr=log, start_new_session=True)
    procs.append(parent)
    assert wait_for(lambda: one_emitter(status, 3), timeout=30), (
        reports(status),
        (status.parent / "prefork.log").read_text(),
    )
    assert stays_one(status, 3, 1.5) == parent.pid  # the lock taken before the fork stays the parent's

    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(10)
    assert wait_for(lambda: one_emitter(status, 2, {parent.pid}), timeout=20), reports(status)
    successor = stays_one(status, 2, 1.5)
    assert successor != parent.pid
    assert (state / "otel-host.lock").read_text().strip() == str(successor)


def test_a_waiting_bridge_emits_nothing_then_takes_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two bridges on one state dir (one process: a flock is per open file): one emits; stop it, the other does."""
    import sysagent.otel.bridge as bridge_mod
    from otel._bridgehelp import app, fake_config, points

    monkeypatch.setattr(bridge_mod, "LEASE_POLL", 0.1)
    (p1, r1), (p2, r2) = app(), app()
    first = bridge_mod.Bridge(p1, fake_config(tmp_path / "state")).start()
    try:
        assert first.ready.wait(10) and first.emitting
        second = bridge_mod.Bridge(p2, fake_config(tmp_path / "state")).start()
        try:
            time.sleep(0.5)
            assert not second.emitting and points(r2.get_metrics_data()) == []
            assert points(r1.get_metrics_data())
            first.stop()
            assert not first.emitting and points(r1.get_metrics_data()) == []
            assert second.ready.wait(10)
            assert points(r2.get_metrics_data())
        finally:
            second.stop()
    finally:
        first.stop()
