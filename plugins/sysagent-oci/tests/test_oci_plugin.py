"""The installed plugin through the CLI: listing, validation errors in one line, a snapshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ociserver as srv
import pytest
from ociserver import BOOT, DATA, GIB
from sysagent_oci import plugin

from sysagent import Agent, ConfigError


def cli(*args: str, tmp_path: Path, config: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("SYSAGENT_DISABLE_PLUGIN_AUTOLOAD", None)
    env.pop("OCI_RESOURCE_PRINCIPAL_VERSION", None)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["HOME"] = str(tmp_path)  # no ~/.oci/config of the developer's
    cmd = [sys.executable, "-m", "sysagent", *args]
    if config is not None:
        path = tmp_path / "sysagent.yaml"
        path.write_text(config)
        cmd += ["-c", str(path)] if args[0] != "config" else [str(path)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=90)


def validate(section: dict[str, object]) -> None:
    Agent.from_config({"plugins": {"autoload": False}, "collectors": {"oci": section}}, builtins=(), plugins=[plugin])


def test_listed_from_its_entry_point(tmp_path: Path) -> None:
    r = cli("plugins", tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("oci "))
    assert "entry point (sysagent-oci 0.1.0)" in line and "[collector oci]" in line


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"auth": "password"}, "collectors.oci.auth: Input should be 'auto', 'config_file', 'instance_principal'"),
        (
            {"auth": "config_file", "config_file": "/nonexistent/config"},
            "OCI config file /nonexistent/config not found",
        ),
        ({"auth": "resource_principal"}, "auth resource_principal needs OCI_RESOURCE_PRINCIPAL_VERSION"),
        ({"max_api_calls": 1}, "collectors.oci.max_api_calls: Input should be greater than or equal to 2"),
    ],
)
def test_config_errors_are_one_line_at_validation(
    section: dict[str, object], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OCI_RESOURCE_PRINCIPAL_VERSION", raising=False)
    with pytest.raises(ConfigError) as e:
        validate(section)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_config_file_problems_name_the_file_not_the_key(tmp_path: Path, oci_key: srv.Key, oci_config: Path) -> None:
    missing_key = srv.write_config(tmp_path / "c1", tmp_path / "gone.pem", oci_key.fingerprint)
    with pytest.raises(ConfigError, match=r"c1 \[DEFAULT\]: key_file .*gone.pem not found"):
        validate({"auth": "config_file", "config_file": str(missing_key)})
    with pytest.raises(ConfigError, match=r"profile 'PROD' not found in .*oci_config"):
        validate({"auth": "config_file", "config_file": str(oci_config), "profile": "PROD"})
    broken = tmp_path / "c2"
    broken.write_text("[DEFAULT]\nuser=someone\n")
    with pytest.raises(ConfigError) as e:
        validate({"auth": "auto", "config_file": str(broken)})  # auto checks a file that exists
    assert "c2 [DEFAULT]" in str(e.value) and "\n" not in str(e.value)
    assert oci_key.path.read_text()[40:80] not in str(e.value)


def test_cli_validate_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    r = cli("config", "validate", tmp_path=tmp_path, config="collectors:\n  oci:\n    auth: config_file\n")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"sysagent: error: {tmp_path / 'sysagent.yaml'}: collectors.oci: "
        "OCI config file ~/.oci/config not found (or set auth: instance_principal)"
    ]


def test_snapshot_against_the_local_api(tmp_path: Path, oci_server: srv.Server, oci_config: Path) -> None:
    config = (
        "collectors:\n  oci:\n    auth: config_file\n"
        f"    config_file: {oci_config}\n    endpoint: {oci_server.url}\n    metadata_url: {oci_server.url}/opc/v2\n"
    )
    valid = cli("config", "validate", tmp_path=tmp_path, config=config)
    assert valid.returncode == 0, valid.stderr
    r = cli("snapshot", "--format", "json", tmp_path=tmp_path, config=config)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    metrics = {m["name"]: m for m in json.loads(r.stdout)["metrics"] if m["scope"] == "sysagent_oci.plugin"}
    limits = {p["attributes"]["oci.volume.id"]: p["value"] for p in metrics["oci.volume.limit"]["points"]}
    assert limits[BOOT] == 50 * GIB and limits[DATA] == 1024 * GIB
    [root] = [p for p in metrics["oci.volume.usage"]["points"] if p["attributes"]["oci.volume.id"] == BOOT]
    assert root["attributes"]["system.filesystem.mountpoint"] == "/" and root["value"] > 0
