"""deploy/systemd/sysagent.service: ``systemd-analyze verify`` passes and ``security`` rates it OK or better."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from buildah_run import ROOT

UNIT = ROOT / "deploy" / "systemd" / "sysagent.service"
EXEC = "/opt/sysagent/bin/sysagent"


def settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


def test_the_unit_verifies(tmp_path: Path) -> None:
    """verify checks every directive and that ExecStart is executable: the venv path is swapped for a real file."""
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing (scripts/debs.d/deploy.txt installs systemd)"
    binary = tmp_path / "sysagent"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    text = UNIT.read_text()
    assert f"ExecStart={EXEC} " in text
    unit = tmp_path / "sysagent.service"
    unit.write_text(text.replace(f"ExecStart={EXEC} ", f"ExecStart={binary} "))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_unit_has_the_sandbox_the_agent_needs_and_no_more() -> None:
    s = settings()
    for key, value in {
        "DynamicUser": "yes", "StateDirectory": "sysagent", "ProtectSystem": "strict", "ProtectHome": "yes",
        "NoNewPrivileges": "yes", "PrivateTmp": "yes", "Restart": "on-failure", "ExecReload": "/bin/kill -HUP $MAINPID",
        "CapabilityBoundingSet": "",
    }.items():  # fmt: skip
        assert s[key] == [value], key
    assert s["Environment"][0].startswith("SYSAGENT_STATE_DIR=%S/sysagent ")


def test_systemd_analyze_security_rates_it_ok_or_better() -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(UNIT)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    match = re.search(r"Overall exposure level for sysagent.service: ([0-9.]+) (\w+)", done.stdout)
    assert match, done.stdout + done.stderr
    print(f"\n{match.group(0)}")
    assert float(match.group(1)) <= 2.0 and match.group(2) in ("SAFE", "OK")
