"""The CLI end to end, as a user runs it: a subprocess, its output and exit status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from helpers import free_port, wait_for

from sysagent import __version__

PY = sys.executable


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "sysagent", *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_version(subprocess_env: dict[str, str]) -> None:
    r = run(["--version"], subprocess_env)
    assert r.returncode == 0 and r.stdout.strip() == f"sysagent {__version__}"


def test_snapshot_json_shape_and_live_values(subprocess_env: dict[str, str]) -> None:
    r = run(["snapshot", "--format", "json"], subprocess_env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"resource", "metrics"}
    assert data["resource"]["service.name"] == "sysagent"
    assert "system.cpu.logical.count" not in data["resource"]  # a metric, as the conventions define it
    by_name = {m["name"]: m for m in data["metrics"]}
    assert by_name["system.cpu.logical.count"]["points"][0]["value"] == os.cpu_count()
    assert "system.cpu.utilization" not in by_name  # opt-in
    for name in (
        "system.cpu.time",
        "system.memory.usage",
        "system.filesystem.usage",
        "system.network.io",
        "system.cpu.load_average.1m",
        "system.uptime",
    ):
        assert name in by_name, name
        assert set(by_name[name]) >= {"name", "unit", "kind", "points"}
    assert all("cpu.logical_number" not in p["attributes"] for p in by_name["system.cpu.time"]["points"])
    assert by_name["system.memory.usage"]["kind"] == "updowncounter"
    assert by_name["system.memory.usage"]["unit"] == "By"


def test_snapshot_table(subprocess_env: dict[str, str]) -> None:
    r = run(["snapshot"], subprocess_env)
    assert r.returncode == 0, r.stderr
    assert any(line.startswith("system.uptime") and line.rstrip().endswith(" s") for line in r.stdout.splitlines())


def test_plugins_lists_sources_and_registrations(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("plugins:\n  modules: [fakeplugins.counting]\n  disable: [connections]\n")
    r = run(["plugins", "-c", str(cfg)], subprocess_env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(line.split()[:2] == ["cpu", "built-in"] and "[collector cpu]" in line for line in lines)
    assert any(
        line.startswith("fakeplugins.counting") and "module" in line and "collector counting" in line for line in lines
    )
    assert "connections    disabled" in lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agent: {host_root: [1, 2}\n", "invalid YAML: line 1"),
        ("collectors:\n  cpu: {per_cpu: sometimes}\n", "collectors.cpu.per_cpu: Input should be a valid boolean"),
        ("collectors:\n  cpu: {interval: -5}\n", "collectors.cpu.interval: must not be negative"),
        ("plugins:\n  disable: [cpuu]\n", "plugins.disable: unknown plugin 'cpuu' (did you mean 'cpu'?)"),
        (
            "sinks:\n  otlp: {endpoint: '${SYSAGENT_TEST_UNSET}'}\n",
            "sinks.otlp.endpoint: ${SYSAGENT_TEST_UNSET} is not set",
        ),
        (
            "collectors:\n  cpu: {percpu: true}\n",
            "collectors.cpu.percpu: unknown key 'percpu' (did you mean 'per_cpu'?)",
        ),
    ],
)
def test_config_validate_bad_input_exits_2_with_one_line(
    subprocess_env: dict[str, str], tmp_path: Path, text: str, expected: str
) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text)
    r = run(["config", "validate", str(cfg)], subprocess_env)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"sysagent: error: {cfg}: ")
    assert expected in r.stderr
    assert "Traceback" not in r.stderr


def test_config_validate_good_file(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    cfg = tmp_path / "good.yaml"
    cfg.write_text("collectors:\n  cpu: {interval: 10s, per_cpu: false}\n")
    r = run(["config", "validate", str(cfg)], subprocess_env)
    assert (r.returncode, r.stdout.strip()) == (0, f"{cfg}: ok")


def test_run_writes_json_lines_reloads_on_sighup_and_stops_on_sigterm(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "metrics.ndjson"
    status_port = free_port()
    cfg = tmp_path / "run.yaml"
    base = (
        f"agent: {{state_dir: {tmp_path / 'state'}, status: {{port: {status_port}}}}}\n"
        "plugins: {modules: [fakeplugins.counting]}\n"
        f"sinks: {{file: {{path: {out}}}}}\n"
    )
    cfg.write_text(base + "collectors: {counting: {interval: 0.2s, step: 1}}\n")
    proc = subprocess.Popen(
        [PY, "-m", "sysagent", "run", "-c", str(cfg)],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def ticks() -> list[int]:
            if not out.exists():
                return []
            values = []
            for line in out.read_text().splitlines():
                for m in json.loads(line)["metrics"]:
                    if m["name"] == "test.ticks":
                        values += [p["value"] for p in m["points"]]
            return values

        assert wait_for(lambda: len(ticks()) >= 3), proc.stderr
        status = json.load(urllib.request.urlopen(f"http://127.0.0.1:{status_port}/status", timeout=5))
        assert status["healthy"] is True and "counting" in status["collectors"]
        # a bad reload is refused and the agent keeps running the old config
        cfg.write_text(base + "collectors: {counting: {interval: -1}}\n")
        proc.send_signal(signal.SIGHUP)
        seen = len(ticks())
        assert wait_for(lambda: len(ticks()) >= seen + 3)
        # a good reload of another collector keeps this collector's counter going
        cfg.write_text(base + "collectors: {counting: {interval: 0.2s, step: 1}, cpu: {interval: 1s}}\n")
        proc.send_signal(signal.SIGHUP)
        seen = len(ticks())
        assert wait_for(lambda: len(ticks()) >= seen + 3)
        values = ticks()
        assert values == list(range(len(values))), "the counter restarted on reload"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "reload rejected, keeping the running config" in stderr
    assert "collectors.counting.interval: must not be negative" in stderr
    assert "received SIGTERM, shutting down" in stderr
    assert "Traceback" not in stderr


def test_snapshot_with_the_psutil_backend(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("agent:\n  backend: psutil\ncollectors:\n  system: {process_states: all}\n")
    r = run(["snapshot", "--format", "json", "-c", str(cfg)], subprocess_env)
    assert r.returncode == 0, r.stderr
    names = {m["name"] for m in json.loads(r.stdout)["metrics"]}
    assert {"system.cpu.time", "system.memory.usage", "system.filesystem.usage", "system.process.count"} <= names
    # what only the procfs backend reports on Linux: proof that psutil's collectors ran
    assert not names & {"system.memory.linux.slab.usage", "system.paging.faults", "system.process.created"}


def test_own_commands_do_not_load_plugins_commands() -> None:
    code = (
        "import sys; from sysagent.cli import build_parser; build_parser([sys.argv[1], '-c', 'x.yaml']); "
        "print('sysagent.alerts.cli' in sys.modules)"
    )
    env = {**os.environ, "SYSAGENT_DISABLE_PLUGIN_AUTOLOAD": "1"}
    loaded = {
        cmd: subprocess.run([sys.executable, "-c", code, cmd], capture_output=True, text=True, env=env, check=True)
        for cmd in ("run", "alerts")
    }
    assert loaded["run"].stdout.strip() == "False"  # `sysagent run` never imports the alerts CLI
    assert loaded["alerts"].stdout.strip() == "True"  # a plugin's command still parses
