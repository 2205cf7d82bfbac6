"""The installed plugin: its entry point, the no-driver case, a snapshot through the fake NVML."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sysagent_nvidia import plugin

from sysagent import Registry

FAKE_DIR = Path(__file__).parent / "fakenvml"


def run(*args: str, fake: bool, tmp_path: Path, config: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD", None)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    if fake:
        env["PYTHONPATH"] = os.pathsep.join([str(FAKE_DIR), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, "-m", "sysagent", *args]
    if config is not None:
        path = tmp_path / "sysagent.yaml"
        path.write_text(config)
        cmd += ["-c", str(path)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def test_no_driver_registers_nothing_and_logs_one_line(fake_nvml: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    fake_nvml.INIT_ERROR = fake_nvml.NVML_ERROR_LIBRARY_NOT_FOUND
    registry = Registry()
    with caplog.at_level(logging.INFO, logger="sysagent.nvidia"):
        plugin.sysagent_collectors(registry)
        plugin.sysagent_started(agent=None)
        plugin.sysagent_started(agent=None)  # once per load
    assert registry.collectors() == {}
    assert [r.getMessage() for r in caplog.records] == [
        "nvidia: not collecting GPU metrics: no NVIDIA driver (NVML Shared Library Not Found)"
    ]


def test_a_driver_without_gpus_registers_nothing(fake_nvml: ModuleType, caplog: pytest.LogCaptureFixture) -> None:
    fake_nvml.GPUS.clear()
    registry = Registry()
    with caplog.at_level(logging.INFO, logger="sysagent.nvidia"):
        plugin.sysagent_collectors(registry)
        plugin.sysagent_started(agent=None)
    assert registry.collectors() == {}
    assert len(caplog.records) == 1 and "reports no GPU" in caplog.records[0].getMessage()
    assert fake_nvml._initialised == 0


def test_this_machine_without_a_driver_runs_unchanged(tmp_path: Path) -> None:
    """The real nvidia-ml-py on this (GPU-less) host: listed, registers nothing, snapshot works."""
    listed = run("plugins", fake=False, tmp_path=tmp_path)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("nvidia"))
    assert "entry point (sysagent-nvidia 0.1.0)" in line
    if "collector nvidia" in line:  # a GPU machine: the real-GPU test covers it
        return
    assert "hooks only" in line
    snap = run("snapshot", "--format", "json", fake=False, tmp_path=tmp_path)
    assert snap.returncode == 0, snap.stderr
    assert not [m for m in json.loads(snap.stdout)["metrics"] if m["name"].startswith("hw.gpu")]
    assert "Traceback" not in snap.stderr


def test_snapshot_through_the_fake_nvml(tmp_path: Path) -> None:
    listed = run("plugins", fake=True, tmp_path=tmp_path)
    line = next(x for x in listed.stdout.splitlines() if x.startswith("nvidia"))
    assert "[collector nvidia]" in line
    snap = run("snapshot", "--format", "json", fake=True, tmp_path=tmp_path)
    assert snap.returncode == 0, snap.stderr
    metrics = {m["name"]: m for m in json.loads(snap.stdout)["metrics"] if m["scope"] == "sysagent_nvidia.plugin"}
    assert set(metrics) == {s.name for s in plugin.GpuCollector.metrics}
    limit = metrics["hw.gpu.memory.limit"]
    assert (limit["unit"], limit["kind"]) == ("By", "updowncounter")
    assert sorted(p["value"] for p in limit["points"]) == [12884901888, 42949672960]


def test_bad_settings_are_one_line_at_validation(tmp_path: Path) -> None:
    bad = run("snapshot", fake=True, tmp_path=tmp_path, config="collectors:\n  nvidia:\n    gpus: first\n")
    assert bad.returncode == 2
    [line] = bad.stderr.strip().splitlines()
    assert line.startswith("sysagent: error: ") and "collectors.nvidia.gpus" in line
