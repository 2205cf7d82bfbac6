"""What validates, runs: mutate the example config and check that ``config validate`` and a short run agree.

Each mutation is one of: a value of the wrong type, a removed key, a typo'd key,
or damaged YAML. ``config validate`` (the CLI, in-process) and a short ``run``
(an Agent built, started and stopped) must both accept or both reject it, and
every rejection must be one line naming the file.
"""

from __future__ import annotations

import contextlib
import io
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import free_port

from sysagent import cli
from sysagent import config as config_mod
from sysagent.agent import Agent
from sysagent.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "examples" / "sysagent.yaml"
WRONG = ("x", -1, 3.5, [], {}, None, True, "5q", {"a": 1}, ["y"])
N = 150


def base_config(tmp: Path) -> dict[str, Any]:
    """The example, with its ports on free loopback ports and its state under ``tmp``."""
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    raw["agent"]["state_dir"] = str(tmp / "state")
    raw["agent"]["status"]["port"] = free_port()
    raw["sinks"]["prometheus"]["port"] = free_port()
    raw["sinks"]["otlp"]["endpoint"] = f"http://127.0.0.1:{free_port()}"
    raw["sinks"]["file"]["path"] = str(tmp / "metrics.ndjson")
    raw["sinks"]["console"]["stream"] = "stderr"
    raw["agent"]["shutdown_timeout"] = "0.2s"
    return raw


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        out.append((*prefix, k))
        out += paths(v, (*prefix, k))
    return out


def typo(key: str, rng: random.Random) -> str:
    if len(key) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(key) - 1)
        return key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    return key + rng.choice("sxe_")


def mutate(raw: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    """One mutation of ``raw`` as YAML text, and what kind it was."""
    doc = yaml.safe_load(yaml.safe_dump(raw))
    kind = rng.choice(["type", "remove", "typo", "yaml"])
    if kind == "yaml":
        text = yaml.safe_dump(doc, sort_keys=False)
        i = rng.randrange(len(text))
        damage = rng.choice(["truncate", ":", "\t", "[", "'", "- x\n"])
        return (text[:i] if damage == "truncate" else text[:i] + damage + text[i:]), kind
    path = rng.choice(paths(doc))
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    last = path[-1]
    if kind == "type":
        parent[last] = rng.choice(WRONG)
    elif kind == "remove":
        del parent[last]
    elif isinstance(parent, dict) and isinstance(last, str):
        parent[typo(last, rng)] = parent.pop(last)
    else:
        parent[last] = rng.choice(WRONG)
        kind = "type"
    return yaml.safe_dump(doc, sort_keys=False), kind


def validate(path: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["config", "validate", str(path)])
    return code, err.getvalue()


def short_run(path: Path) -> tuple[bool, str]:
    """Build, start and stop an agent from ``path`` as ``sysagent run`` does; (started, error line)."""
    try:
        agent = Agent(config_mod.load(path))
    except ConfigError as e:
        return False, str(e)
    agent.start()
    agent.stop(0.2)
    return True, ""


def test_validate_and_run_agree_on_mutated_configs(tmp_path: Path) -> None:
    rng = random.Random(20261202)
    raw = base_config(tmp_path)
    counts: Counter[str] = Counter()
    for i in range(N):
        text, kind = mutate(raw, rng)
        path = tmp_path / f"m{i}.yaml"
        path.write_text(text)
        code, err = validate(path)
        started, run_err = short_run(path)
        assert code in (0, 2), f"{kind}: validate exited {code}: {err}"
        assert (code == 0) == started, f"{kind} mutation #{i}: validate {code} {err!r} but run {run_err!r}\n{text}"
        if code == 2:
            assert err.count("\n") == 1 and err.startswith(f"sysagent: error: {path}"), err
            assert "Traceback" not in err
            counts[f"{kind} rejected"] += 1
        else:
            counts[f"{kind} accepted"] += 1
    print("\nmutations:", dict(sorted(counts.items())))
    assert sum(counts.values()) == N
    assert sum(v for k, v in counts.items() if k.endswith("rejected")) > N // 3
    assert sum(v for k, v in counts.items() if k.endswith("accepted")) > 5


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_commands_agree_as_processes(tmp_path: Path, subprocess_env: dict[str, str], seed: int) -> None:
    """The real commands: a rejected config exits 2 with one line; an accepted one keeps running."""
    rng = random.Random(seed)
    raw = base_config(tmp_path)
    for i in range(4):
        text, kind = mutate(raw, rng)
        path = tmp_path / f"p{i}.yaml"
        path.write_text(text)
        v = subprocess.run(
            [sys.executable, "-m", "sysagent", "config", "validate", str(path)],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "sysagent", "run", "-c", str(path)],
            env=subprocess_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            proc.wait(4)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        running = proc.returncode == 0
        assert (v.returncode == 0) == running, f"{kind}: validate {v.returncode} {v.stderr!r}, run: {stderr[-500:]}"
        if v.returncode:
            assert v.returncode == proc.returncode == 2
            assert v.stderr.count("\n") == 1 and "Traceback" not in stderr
