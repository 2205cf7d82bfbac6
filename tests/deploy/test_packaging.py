"""The wheel and sdist build cleanly, pass ``twine check``, and ``pipx install .`` gives a working ``sysagent``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from buildah_run import ROOT

import sysagent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build``: the sdist, then the wheel built from that sdist (so the sdist must be complete)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(  # not from the checkout, whose build/ folder would shadow the package
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600, cwd=out,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def test_wheel_and_sdist_build_and_pass_twine_check(dist: Path) -> None:
    version = sysagent.__version__
    wheel, sdist = dist / f"sysagent-{version}-py3-none-any.whl", dist / f"sysagent-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file()
    done = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0 and done.stdout.count("PASSED") == 2, done.stdout + done.stderr
    names = zipfile.ZipFile(wheel).namelist()
    assert "sysagent/collectors/_mounts.py" in names and "sysagent/alerts/channels/slack.py" in names
    assert not [n for n in names if n.startswith(("tests/", "deploy/", "bench/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "sysagent = sysagent.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    with tarfile.open(sdist) as tar:
        assert f"sysagent-{version}/README.md" in tar.getnames()


def test_pipx_install_gives_a_working_sysagent(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
        "SYSAGENT_STATE_DIR": str(tmp_path / "state"),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-m", "pipx", "install", str(ROOT)],
                          capture_output=True, text=True, timeout=900, env=env, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    binary = tmp_path / "bin" / "sysagent"
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.stdout.strip() == f"sysagent {sysagent.__version__}"
    snap = subprocess.run([str(binary), "snapshot", "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=120, cwd=tmp_path)  # fmt: skip
    assert snap.returncode == 0, snap.stderr
    names = {m["name"] for m in json.loads(snap.stdout)["metrics"]}
    assert {"system.cpu.time", "system.memory.usage", "system.filesystem.usage"} <= names
    # The installed copy runs, not this checkout.
    python = tmp_path / "pipx" / "venvs" / "sysagent" / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import sysagent; print(sysagent.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)  # fmt: skip
    assert where.stdout.startswith(str(tmp_path / "pipx"))
