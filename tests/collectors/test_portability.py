"""The built-in collectors import and run off Linux: a subprocess that looks like Windows or macOS.

The interpreter is made to look like another OS before sysagent is imported:
``sys.platform`` is changed and the Linux/POSIX-only parts of ``os`` and
``select`` that the procfs helpers use are removed (after the standard library and the
dependencies are imported, which would look for that OS's own files) (Windows has no
``O_CLOEXEC``, ``pread``, ``sysconf``, ``statvfs`` or ``select.poll``). Then every
built-in collector is built with ``agent.backend: auto``, which must pick the
psutil backend, and collected once with the fake psutil. Nothing Linux-only may
be needed on the way, and the collectors must not import psutil's Linux module.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent

SCRIPT = r"""
import json, os, select, sys
import importlib, logging, mmap, queue, threading  # the standard library and dependencies as that OS has them
import pluggy, yaml, zoneinfo
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
sys.path[:0] = [HERE]
from psutil_fake import FakePsutil  # the fake of the machine is made on this (Linux) host
assert not [m for m in sys.modules if m.startswith("sysagent.collectors")]
sys.platform = PLATFORM
if PLATFORM == "win32":
    for name in ("O_CLOEXEC", "pread", "sysconf", "statvfs"):
        if hasattr(os, name):
            delattr(os, name)
    if hasattr(select, "poll"):
        del select.poll
from sysagent import config
from sysagent.collectors import BUILTIN_COLLECTORS
from sysagent.hostfs import HostFS
from sysagent.model import Resource, Scope
from sysagent.registry import PluginContext, Registry
from sysagent.runner import CollectorRunner

reg = Registry()
for module in BUILTIN_COLLECTORS:
    importlib.import_module(module).sysagent_collectors(reg)
ctx = PluginContext(config=config.from_dict({}), host=HostFS("/"), resource=Resource(), state_dir="/x")
out = {}
for name, entry in reg.collectors().items():
    collector = entry.factory(entry.settings(), ctx, psutil=FakePsutil())
    batch = CollectorRunner(name, collector, Scope(name), Resource()).run()
    getattr(collector, "close", lambda: None)()
    out[name] = [type(collector).__module__, sorted(m.spec.name for m in batch.metrics)]
out["_linux_modules"] = sorted(m for m in sys.modules if m.startswith("psutil._psl"))
print(json.dumps(out))
"""


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_collectors_import_and_run_on_another_os(platform: str) -> None:
    code = SCRIPT.replace("PLATFORM", repr(platform)).replace("HERE", repr(str(HERE)))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out.pop("_linux_modules") == []
    for name, (module, metrics) in out.items():
        assert module == f"sysagent.collectors.psutil.{name}", name
        assert metrics or name in ("connections", "load"), name  # each reports (summary/Windows notes aside)
    assert "system.cpu.load_average.1m" not in out["load"][1] if platform == "win32" else out["load"][1]
    assert out["filesystem"][1], "the filesystem collector reported nothing"
    assert "system.memory.linux.available" not in out["memory"][1]
    if platform == "win32":
        assert out["connections"][1] == ["system.network.connection.count"]  # one system call there
