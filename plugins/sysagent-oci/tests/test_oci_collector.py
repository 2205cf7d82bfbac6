"""The oci collector against the local Core API server and a fake host tree."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ociserver as srv
import pytest
from ociserver import BOOT, DATA, GIB, LOGS, settings, used
from sysagent_oci.collector import OciVolumeCollector
from sysagent_oci.settings import OciSettings

from sysagent.testing import Harness, make_context

HarnessFactory = Callable[..., Harness]
Statvfs = Callable[[str], os.statvfs_result]
API = {"source": "block-volume-api"}
FS = {"source": "statvfs"}


def collector(host: Path | str, statvfs: Statvfs = os.statvfs, **values: Any) -> OciVolumeCollector:
    return OciVolumeCollector(OciSettings.model_validate(values), make_context(str(host)), statvfs=statvfs)


def test_volumes_joined_with_the_mounts_on_them(
    sysagent_harness: HarnessFactory,
    oci_server: srv.Server,
    oci_config: Path,
    fake_host: Path,
    fake_statvfs: Statvfs,
) -> None:
    h = sysagent_harness(collector(fake_host, fake_statvfs, **settings(oci_server, oci_config)))
    h.collect()
    boot = {"oci.volume.id": BOOT, "oci.volume.type": "boot", "oci.volume.name": "test-instance (Boot Volume)"}
    data = {"oci.volume.id": DATA, "oci.volume.type": "block", "oci.volume.name": "data"}
    logs = {"oci.volume.id": LOGS, "oci.volume.type": "block", "oci.volume.name": "logs"}
    h.assert_metric("oci.volume.limit", 50 * GIB, {**boot, **API, "system.device": "sda"})
    h.assert_metric("oci.volume.limit", 1024 * GIB, {**data, **API, "system.device": "sdb"})
    h.assert_metric("oci.volume.limit", 2048 * GIB, {**logs, **API, "system.device": "sdc"})
    h.assert_metric("oci.volume.limit", count=3)
    h.assert_metric("oci.volume.vpus_per_gb", 20, {**data, **API})
    h.assert_metric("oci.volume.vpus_per_gb", 10, {**boot, **API})
    h.assert_metric("oci.volume.status", 1, {**data, "oci.volume.state": "available"})
    h.assert_metric("oci.volume.status", 0, {**data, "oci.volume.state": "faulty"})
    status = h.assert_metric("oci.volume.status", count=18)  # 3 volumes x 6 states
    assert sorted(p.value for p in status) == [0] * 15 + [1] * 3  # one state each
    mount = {"system.filesystem.mountpoint": "/"}
    h.assert_metric(
        "oci.volume.usage", used(13_107_200, 9_000_000), {**boot, **FS, **mount, "system.device": "/dev/sda1"}
    )
    h.assert_metric("oci.volume.usage", used(26_000, 24_000), {**boot, "system.filesystem.mountpoint": "/boot/efi"})
    h.assert_metric(
        "oci.volume.usage",
        used(268_435_456, 200_000_000),
        {**data, **FS, "system.filesystem.mountpoint": "/data", "system.filesystem.type": "xfs"},
    )
    h.assert_metric(
        "oci.volume.usage", used(536_870_912, 536_000_000), {**logs, "system.device": "/dev/mapper/vg-logs"}
    )
    points = h.assert_metric("oci.volume.usage", count=4)  # /scratch is a local disk, not a volume
    assert "/scratch" not in {dict(p.attributes)["system.filesystem.mountpoint"] for p in points}
    h.assert_all_metrics_covered()
    # the detached volume is ignored; 2 list calls + 3 reads, and the metadata service once
    assert sorted(oci_server.state.requests) == sorted(
        ["metadata", "ListVolumeAttachments", "ListBootVolumeAttachments", "GetBootVolume", "GetVolume", "GetVolume"]
    )


def test_a_key_the_server_does_not_know_is_one_line(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_key: srv.Key, tmp_path: Path,
    fake_host: Path, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    other = srv.Key.make(tmp_path / "other.pem")  # signs, but not with the key the server holds
    config = srv.write_config(tmp_path / "config", other.path, oci_key.fingerprint)
    h = sysagent_harness(collector(fake_host, **settings(oci_server, config)))
    with caplog.at_level(logging.INFO, logger="sysagent.oci"):
        batch = h.collect(times=3)
    assert batch.metrics == ()
    assert [r.getMessage() for r in caplog.records] == [
        "oci: ListVolumeAttachments: HTTP 401 NotAuthenticated: not authenticated: check the user, fingerprint and key"
    ]
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize(("op", "status"), [("GetVolume", 429), ("ListBootVolumeAttachments", 404)])
def test_errors_keep_the_last_values_and_log_one_line(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_config: Path, fake_host: Path,
    fake_statvfs: Statvfs, caplog: pytest.LogCaptureFixture, op: str, status: int,
) -> None:  # fmt: skip
    h = sysagent_harness(collector(fake_host, fake_statvfs, **settings(oci_server, oci_config)))
    h.collect()
    oci_server.state.volumes[DATA]["sizeInGBs"] = 1500  # resized, but the API now fails
    oci_server.state.faults[op] = status
    with caplog.at_level(logging.WARNING, logger="sysagent.oci"):
        h.collect(times=3)
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"oci: {op}: HTTP {status} ")
    assert ("throttled" in line) if status == 429 else ("not authorized" in line)
    assert "Traceback" not in caplog.text
    h.assert_metric("oci.volume.limit", 1024 * GIB, {"oci.volume.id": DATA})  # the last known size
    h.assert_metric("oci.volume.usage", count=4)  # statvfs goes on
    del oci_server.state.faults[op]
    h.collect()
    h.assert_metric("oci.volume.limit", 1500 * GIB, {"oci.volume.id": DATA})
    oci_server.state.faults[op] = status
    with caplog.at_level(logging.WARNING, logger="sysagent.oci"):
        h.collect()
    assert len(caplog.records) == 2  # after a clean cycle, a new failure is logged again


def test_api_calls_per_cycle_are_bounded(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_config: Path, fake_host: Path,
    fake_statvfs: Statvfs, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    oci_server.state.page_size = 1  # one call per attachment: 3 + 1 list calls, then 2 of the 3 reads
    h = sysagent_harness(collector(fake_host, fake_statvfs, **settings(oci_server, oci_config, max_api_calls=6)))
    with caplog.at_level(logging.WARNING, logger="sysagent.oci"):
        h.collect()
        first = len([r for r in oci_server.state.requests if r != "metadata"])
        h.collect()
    assert first == 6
    assert len([r for r in oci_server.state.requests if r != "metadata"]) == 12
    assert [r.getMessage() for r in caplog.records] == [
        "oci: API call budget (6 per cycle) spent: 1 volume(s) not re-read"
    ]
    h.assert_metric("oci.volume.limit", count=2)  # the third was never read: no size yet


def test_paged_attachment_lists_are_followed(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_config: Path, fake_host: Path,
    fake_statvfs: Statvfs,
) -> None:  # fmt: skip
    oci_server.state.page_size = 1
    h = sysagent_harness(collector(fake_host, fake_statvfs, **settings(oci_server, oci_config)))
    h.collect()
    assert oci_server.state.requests.count("ListVolumeAttachments") == 3
    h.assert_metric("oci.volume.limit", count=3)


def test_instance_named_in_settings_skips_the_metadata_service(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_config: Path, fake_host: Path,
    fake_statvfs: Statvfs,
) -> None:  # fmt: skip
    ids = {"instance_id": srv.INSTANCE, "compartment_id": srv.COMPARTMENT, "availability_domain": srv.AD}
    h = sysagent_harness(collector(fake_host, fake_statvfs, **settings(oci_server, oci_config, **ids)))
    h.collect()
    assert "metadata" not in oci_server.state.requests
    h.assert_metric("oci.volume.limit", count=3)


def test_metadata_service_failure_is_one_line_and_retried(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_config: Path, fake_host: Path,
    fake_statvfs: Statvfs, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    oci_server.state.faults["metadata"] = 500
    h = sysagent_harness(collector(fake_host, fake_statvfs, **settings(oci_server, oci_config)))
    with caplog.at_level(logging.WARNING, logger="sysagent.oci"):
        assert h.collect(times=2).metrics == ()
    assert [r.getMessage() for r in caplog.records] == [
        f"oci: instance metadata at {oci_server.url}/opc/v2/instance/: HTTP 500"
    ]
    del oci_server.state.faults["metadata"]
    h.collect()
    h.assert_metric("oci.volume.limit", count=3)


def test_auto_mode_off_oci_stays_idle_without_network(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, fake_host: Path, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    with caplog.at_level(logging.INFO, logger="sysagent.oci"):
        c = collector(fake_host, config_file=str(tmp_path / "none"), metadata_url=oci_server.url + "/opc/v2")
        h = sysagent_harness(c)
        assert h.collect(times=2).metrics == ()
    assert c.mode is None
    assert oci_server.state.requests == []
    assert [r.getMessage() for r in caplog.records] == [
        "oci: no OCI config file and not an OCI instance: not collecting volumes"
    ]


def test_auto_mode_on_an_oci_instance_uses_instance_principals(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, fake_host: Path, tmp_path: Path,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    (fake_host / "sys" / "class" / "dmi" / "id").mkdir(parents=True)
    (fake_host / "sys" / "class" / "dmi" / "id" / "chassis_asset_tag").write_text("OracleCloud.com\n")
    monkeypatch.setenv("OCI_METADATA_BASE_URL", "restored-by-monkeypatch")  # the collector points it at the server
    c = collector(fake_host, config_file=str(tmp_path / "none"), metadata_url=oci_server.url + "/opc/v2")
    assert c.mode == "instance_principal"
    h = sysagent_harness(c)
    with caplog.at_level(logging.WARNING, logger="sysagent.oci"):
        assert h.collect(times=2).metrics == ()  # the local server has no instance certificate
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("oci: cannot set up instance_principal auth: ")
    assert "metadata" in oci_server.state.requests  # it asked the configured metadata service, nothing else


def test_live_host_root_is_the_boot_volume(
    sysagent_harness: HarnessFactory, oci_server: srv.Server, oci_config: Path
) -> None:
    """This machine's real mount table and statvfs: the boot volume is the disk under /."""
    h = sysagent_harness(collector("/", **settings(oci_server, oci_config)))
    h.collect()
    root_device = next(x.split()[0] for x in Path("/proc/self/mounts").read_text().splitlines() if x.split()[1] == "/")
    st = os.statvfs("/")
    if not root_device.startswith("/dev/"):
        pytest.fail(f"this test needs / on a block device, not {root_device}")
    [point] = h.assert_metric(
        "oci.volume.usage", attributes={"oci.volume.id": BOOT, "system.filesystem.mountpoint": "/"}
    )
    assert point.value == pytest.approx((st.f_blocks - st.f_bfree) * st.f_frsize, rel=0.01)
    assert dict(point.attributes)["system.device"] == root_device
