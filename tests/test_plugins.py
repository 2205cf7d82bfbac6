"""Plugin loading: order, disabling, autoload switch, misspelled hooks, docs coverage."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sysagent import Registry, hookimpl, hookspecs
from sysagent import plugins as plugins_mod
from sysagent.config import PluginsSection
from sysagent.errors import ConfigError, PluginError

ROOT = Path(__file__).parent.parent


def test_builtins_load_in_declared_order_then_modules() -> None:
    loaded = plugins_mod.load(PluginsSection(modules=["fakeplugins.counting", "fakeplugins.sinkplug"]))
    names = [p.name for p in loaded.loaded]
    builtin = [plugins_mod.builtin_name(m) for m in plugins_mod.BUILTIN_PLUGINS]
    assert names == [*builtin, "fakeplugins.counting", "fakeplugins.sinkplug"]
    assert loaded.loaded[0].source == "built-in"
    assert loaded.registry.collectors()["counting"].plugin == "fakeplugins.counting"
    # registrations follow load order too
    assert list(loaded.registry.collectors())[-1] == "counting"


def test_disable_by_name_removes_the_plugin_and_what_it_registers() -> None:
    loaded = plugins_mod.load(PluginsSection(disable=["cpu", "fakeplugins.counting"], modules=["fakeplugins.counting"]))
    assert "cpu" not in loaded.registry.collectors()
    assert "counting" not in loaded.registry.collectors()
    assert loaded.disabled == ["cpu", "fakeplugins.counting"]


def test_unknown_plugin_in_disable_is_an_error_with_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"plugins.disable: unknown plugin 'cpux' \(did you mean 'cpu'\?\)"):
        plugins_mod.load(PluginsSection(disable=["cpux"]))


def test_misspelled_hook_fails_loudly() -> None:
    with pytest.raises(ConfigError, match=r"plugin 'fakeplugins.misspelled'.*sysagent_colectors"):
        plugins_mod.load(PluginsSection(modules=["fakeplugins.misspelled"]), builtins=())


def test_module_that_does_not_import_is_a_one_line_error() -> None:
    with pytest.raises(ConfigError, match=r"plugin 'no.such.module' failed to import: ModuleNotFoundError"):
        plugins_mod.load(PluginsSection(modules=["no.such.module"]), builtins=())


def test_autoload_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(plugins_mod.AUTOLOAD_ENV, raising=False)
    assert plugins_mod.autoload_enabled(PluginsSection())
    assert not plugins_mod.autoload_enabled(PluginsSection(autoload=False))
    monkeypatch.setenv(plugins_mod.AUTOLOAD_ENV, "1")
    assert not plugins_mod.autoload_enabled(PluginsSection())


def hook_names() -> list[str]:
    return [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("sysagent_")]


def test_every_hook_is_documented_and_typed() -> None:
    docs = (ROOT / "docs" / "plugins.md").read_text()
    for name in hook_names():
        func = getattr(hookspecs, name)
        assert func.__doc__ and len(func.__doc__.strip()) > 40, f"{name} has no docstring"
        assert "return" in func.__annotations__, f"{name} has no return annotation"
        assert all(a in func.__annotations__ for a in inspect.signature(func).parameters), f"{name} is not typed"
        assert f"`{name}" in docs, f"hook {name} is missing from docs/plugins.md"


class _Wrapper:
    """A new-style hook wrapper around registration, as pluggy documents them."""

    name = "wrapper"

    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl(wrapper=True)
    def sysagent_collectors(self, registry: Registry) -> Any:
        self.seen.append("before")
        result = yield
        self.seen.append(f"after:{len(registry.collectors())}")
        return result


class _Few:
    """Implementations taking fewer arguments than the spec, ordered with tryfirst/trylast."""

    name = "few"

    @hookimpl(trylast=True)
    def sysagent_resource(self) -> dict[str, str]:
        return {"order": "few"}

    @hookimpl
    def sysagent_collectors(self) -> None:
        return None


class _First:
    name = "first"

    @hookimpl(tryfirst=True)
    def sysagent_resource(self, config: Any) -> dict[str, str]:
        return {"order": "first"}


class _Raises:
    name = "raiser"

    @hookimpl
    def sysagent_sinks(self, registry: Registry) -> None:
        raise RuntimeError("boom")


def test_registration_goes_through_pluggy_wrappers_and_fewer_arguments() -> None:
    wrapper = _Wrapper()
    loaded = plugins_mod.load(PluginsSection(modules=["fakeplugins.counting"]), objects=[wrapper, _Few(), _First()])
    assert wrapper.seen == ["before", f"after:{len(loaded.registry.collectors())}"]
    assert loaded.registry.collectors()["counting"].plugin == "fakeplugins.counting"
    assert loaded.registry.collectors()["cpu"].plugin == "cpu"
    results = loaded.call("sysagent_resource", config=None)
    assert results[0] == {"order": "first"} and results[-1] == {"order": "few"}


def test_a_plugin_whose_hook_raises_is_named() -> None:
    with pytest.raises(PluginError, match=r"plugin 'raiser': sysagent_sinks failed: RuntimeError: boom"):
        plugins_mod.load(PluginsSection(), objects=[_Raises()])


def test_a_plugin_crash_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    cfg = tmp_path / "c.yaml"
    cfg.write_text("plugins: {modules: [fakeplugins.crashing]}\n")
    r = subprocess.run(
        [sys.executable, "-m", "sysagent", "snapshot", "-c", str(cfg)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "plugin 'fakeplugins.crashing': sysagent_collectors failed: KeyError" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "sysagent", "--debug", "snapshot", "-c", str(cfg)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" in r.stderr and "crashing.py" in r.stderr
