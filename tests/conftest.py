"""Shared fixtures. Entry-point autoload is off for the whole suite (like datasette's)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ["SYSAGENT_DISABLE_PLUGIN_AUTOLOAD"] = "1"
TESTS = Path(__file__).parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running ``python -m sysagent`` in a subprocess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(TESTS), env.get("PYTHONPATH", "")])
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    return env
