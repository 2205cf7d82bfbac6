"""Config loading: YAML, ${VAR} substitution, and one-line errors naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sysagent import build, config
from sysagent.errors import ConfigError
from sysagent.plugins import BUILTIN_PLUGINS
from sysagent.settings import parse_duration


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sysagent.yaml"
    p.write_text(text)
    return p


def test_no_file_gives_defaults() -> None:
    cfg = config.load(None)
    assert cfg.agent.host_root == "/"
    assert cfg.sinks is None
    assert cfg.source == "<defaults>"


def test_env_substitution_with_and_without_default(tmp_path: Path) -> None:
    p = write(tmp_path, "agent:\n  host_root: ${ROOT}\n  log_level: ${LEVEL:-debug}\n  state_dir: $${literal}\n")
    cfg = config.load(p, env={"ROOT": "/hostfs"})
    assert cfg.agent.host_root == "/hostfs"
    assert cfg.agent.log_level == "DEBUG"
    assert cfg.agent.state_dir == "${literal}"


def test_unset_variable_without_default_names_file_and_field(tmp_path: Path) -> None:
    p = write(tmp_path, "agent:\n  host_root: ${NOPE_NOT_SET}\n")
    with pytest.raises(ConfigError) as e:
        config.load(p, env={})
    assert (
        str(e.value)
        == f"{p}: agent.host_root: ${{NOPE_NOT_SET}} is not set and has no default (write ${{NOPE_NOT_SET:-value}})"
    )


def test_invalid_yaml_is_one_line_with_position(tmp_path: Path) -> None:
    p = write(tmp_path, "agent:\n  host_root: [unclosed\n")
    with pytest.raises(ConfigError) as e:
        config.load(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}: invalid YAML: line ")
    assert "\n" not in msg


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    p = write(tmp_path, "agent:\n  hostroot: /\n")
    with pytest.raises(ConfigError) as e:
        config.load(p)
    assert str(e.value) == f"{p}: agent.hostroot: unknown key 'hostroot' (did you mean 'host_root'?)"


def test_unknown_top_level_section(tmp_path: Path) -> None:
    p = write(tmp_path, "colectors: {}\n")
    with pytest.raises(ConfigError, match=r"unknown section 'colectors' \(did you mean 'collectors'\?\)"):
        build.plan(config.load(p), builtins=BUILTIN_PLUGINS)


def test_wrong_type_names_field(tmp_path: Path) -> None:
    p = write(tmp_path, "plugins:\n  autoload: maybe\n")
    with pytest.raises(ConfigError, match=r"plugins\.autoload: Input should be a valid boolean"):
        config.load(p)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match=r"^/nonexistent/x.yaml: cannot read config"):
        config.load("/nonexistent/x.yaml")


@pytest.mark.parametrize(("text", "seconds"), [("5s", 5.0), ("2m", 120.0), ("500ms", 0.5), (3, 3.0), ("1h", 3600.0)])
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["-5s", "soon", -1, True])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_agent_backend_accepts_auto_procfs_psutil_and_rejects_others(tmp_path: Path) -> None:
    assert config.load(None).agent.backend == "auto"
    for value in ("auto", "procfs", "psutil"):
        assert config.load(write(tmp_path, f"agent:\n  backend: {value}\n")).agent.backend == value
    with pytest.raises(ConfigError) as e:
        config.load(write(tmp_path, "agent:\n  backend: wmi\n"))
    assert "agent.backend" in str(e.value) and "\n" not in str(e.value)
