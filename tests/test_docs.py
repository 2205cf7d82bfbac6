"""docs/plugins.md runs as written: its collector and its test, through the real harness."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_plugin_guide_example_and_its_test_pass(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "plugins.md").read_text(), re.S)
    collector = next(b for b in blocks if "def sysagent_collectors" in b)
    test = next(b for b in blocks if "def test_" in b)
    (tmp_path / "test_guide.py").write_text(collector + "\n\n" + test)
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_guide.py")],
        cwd=tmp_path,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout
