"""Every example runs as written: the config validates, embed.py runs, the plugin package loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sysagent import Agent, config

ROOT = Path(__file__).parent.parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module", autouse=True)
def example_plugin_installed() -> None:
    """The suite installs the example plugin package, as a user would (editable, no network)."""
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-e",
            str(EXAMPLES / "sysagent-example-plugin"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr


def test_example_config_is_complete_and_valid(tmp_path: Path) -> None:
    env = {"SYSAGENT_STATE_DIR": str(tmp_path), "OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    cfg = config.load(EXAMPLES / "sysagent.yaml", env=env)
    agent = Agent(cfg)
    agent.discard()
    # every built-in collector and sink is shown in the example (a plugin that owns a
    # top-level section, as alerts does, is configured there)
    owned = {e.plugin for e in agent.registry.sections().values()}
    assert {n for n, e in agent.registry.collectors().items() if e.plugin not in owned} <= set(cfg.collectors)
    assert {n for n, e in agent.registry.sinks().items() if not e.section} <= set(cfg.sinks or {})
    assert set(agent.registry.sections()) <= set(cfg.sections())


def test_embed_example_runs(subprocess_env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "embed.py")], env=subprocess_env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "memory used: " in r.stdout
    assert "batch from cpu:" in r.stdout
    assert "sink received" in r.stdout


def test_installed_plugin_loads_from_its_entry_point(subprocess_env: dict[str, str]) -> None:
    env = dict(subprocess_env)
    env.pop("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD", None)
    r = subprocess.run(
        [sys.executable, "-m", "sysagent", "plugins"], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("filehandles"))
    assert "entry point (sysagent-example-plugin 0.1.0)" in line and "collector filehandles" in line
    snap = subprocess.run(
        [sys.executable, "-m", "sysagent", "snapshot", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    names = {m["name"]: m for m in json.loads(snap.stdout)["metrics"]}
    assert names["system.linux.file_handles.usage"]["points"][0]["value"] > 0
    assert names["system.linux.file_handles.usage"]["scope"] == "sysagent_example.filehandles"


def test_autoload_switch_keeps_the_installed_plugin_out(subprocess_env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "sysagent", "plugins"], env=subprocess_env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0
    assert not any(x.startswith("filehandles") for x in r.stdout.splitlines())


def test_example_plugin_own_tests_pass(subprocess_env: dict[str, str]) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(EXAMPLES / "sysagent-example-plugin" / "tests")],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=str(EXAMPLES),
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout


def test_installed_plugin_reads_the_host_root_it_is_given(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    """A third-party collector that reads "/proc/sys/fs/file-nr" (an absolute path, as plugin authors
    write it) reads the file under ``agent.host_root``, not the agent's own /proc."""
    root = tmp_path / "hostfs"
    (root / "proc" / "sys" / "fs").mkdir(parents=True)
    (root / "proc" / "sys" / "fs" / "file-nr").write_text("4242\t0\t987654\n")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"agent: {{host_root: {root}, state_dir: {tmp_path / 'st'}}}\n"
        "plugins: {disable: [cpu, load, memory, paging, filesystem, disk, network, connections, system]}\n"
    )
    env = dict(subprocess_env)
    env.pop("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD", None)
    snap = subprocess.run(
        [sys.executable, "-m", "sysagent", "snapshot", "-c", str(cfg), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert snap.returncode == 0, snap.stderr
    names = {m["name"]: m for m in json.loads(snap.stdout)["metrics"]}
    assert names["system.linux.file_handles.usage"]["points"][0]["value"] == 4242
    assert names["system.linux.file_handles.limit"]["points"][0]["value"] == 987654
