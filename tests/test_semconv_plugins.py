"""The first-party plugins under plugins/ against the semantic conventions, like the built-ins.

Each installed plugin's collectors run once on this host through the real
framework; their declared metrics and the points they emit are checked with
:func:`sysagent.semconv.check`. Attributes the conventions do not define are
allowed only where the plugin's README names them (``allowed`` below).
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from sysagent import semconv
from sysagent.agent import Agent

ROOT = Path(__file__).parent.parent
FIRST_PARTY = sorted(p.name for p in (ROOT / "plugins").glob("sysagent-*"))
#: extension attributes each plugin's README documents ("Names chosen")
ALLOWED = {
    # the conventions put these on a per-process resource; one agent has one resource, so
    # they are point attributes here (plugins/sysagent-process/README.md says so)
    "sysagent-process": {"process.pid", "process.command", "process.executable.name", "process.owner"},
    "sysagent-containers": {"linux.cgroup.path", "k8s.pod.uid", "container.runtime.name"},
    "sysagent-linux-extra": {"system.linux.pressure.stall_type"},
    "sysagent-nvidia": set(),
    "sysagent-oci": set(),
}


def installed() -> dict[str, str]:
    """First-party distribution -> its entry-point name."""
    return {ep.dist.name: ep.name for ep in entry_points(group="sysagent") if ep.dist and ep.dist.name in FIRST_PARTY}


def test_every_first_party_plugin_is_installed() -> None:
    assert sorted(installed()) == FIRST_PARTY, "scripts/setup.d/30-plugins.sh installs every plugins/sysagent-*"


@pytest.mark.parametrize("dist", FIRST_PARTY)
def test_plugin_metrics_follow_the_conventions(dist: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    name = installed()[dist]
    others = [n for d, n in installed().items() if d != dist]
    agent = Agent.from_config(
        {
            "agent": {"state_dir": str(tmp_path)},
            "plugins": {"disable": others},
            "sinks": {},
            "alerts": {"enabled": False},
        }
    )
    try:
        runners = {n: r for n, (r, _, _) in agent.runners.items() if agent.registry.collectors()[n].plugin == name}
        specs = [s for r in runners.values() for s in r.specs.values()]
        batches = [b for b in agent.collect_once(prime=0.2).batches if b.collector in runners]
    finally:
        agent.stop(0.1)
    # defaults=False: installing a plugin is the opt-in the conventions ask for
    problems = semconv.check(specs, points=batches, defaults=False, allow_attributes=ALLOWED.get(dist, set()))
    print(f"\n{dist}:\n" + semconv.report(specs, batches, problems))
    assert problems == [], problems
    if os.environ.get("CI") and dist not in ("sysagent-nvidia", "sysagent-oci"):
        assert specs, f"{dist} registered no collector here"
