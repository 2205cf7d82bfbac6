"""The file sink: NDJSON lines, size-based rotation that loses nothing."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from sysagent.model import Batch, ExportResult, Observation
from sysagent.registry import Registry
from sysagent.sinks import file as file_sink
from sysagent.sinks._json import batch_to_line, batch_to_obj
from sysagent.sinks.file import FileSettings, FileSink

from .builders import LOAD_1M, Machine, context, cpu_machine, cpu_times


def make(tmp_path: Path, **settings: object) -> FileSink:
    return FileSink(FileSettings.model_validate(settings), context(tmp_path, sinks={"file": settings}))


def load_batches(n: int) -> list[Batch]:
    """``n`` batches of one point each, value i, so that lines can be told apart."""
    m = Machine()
    m.add("load", LOAD_1M)
    return [m.tick("load", i, [Observation("system.cpu.load_average.1m", float(i))]) for i in range(n)]


def values(path: Path) -> list[float]:
    return [json.loads(line)["metrics"][0]["points"][0]["value"] for line in path.read_text().splitlines()]


def test_writes_one_json_line_per_batch_and_flushes_each(tmp_path: Path) -> None:
    m = cpu_machine()
    batches = [m.tick("cpu", 0, cpu_times(10, 5, 1)), m.tick("cpu", 5, cpu_times(13, 5.5, 1.5))]
    s = make(tmp_path, path=str(tmp_path / "out.ndjson"))
    for b in batches:
        assert s.export(b) is ExportResult.SUCCESS
        # Flushed per batch: another reader sees the line before shutdown.
        assert (tmp_path / "out.ndjson").read_text().endswith(batch_to_line(b))
    lines = (tmp_path / "out.ndjson").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [batch_to_obj(b) for b in batches]
    second = json.loads(lines[1])
    assert second["time"] == "2024-05-01T12:00:05.000Z"
    util = {tuple(p["attributes"].values()): p["value"] for p in second["metrics"][1]["points"]}
    assert second["metrics"][1]["name"] == "system.cpu.utilization"
    assert util == {("idle",): 0.75, ("user",): 0.125, ("system",): 0.125}
    rates = [p["rate"] for p in second["metrics"][0]["points"]]
    assert rates == [0.6, 0.1, 0.1]
    s.shutdown()


def test_default_path_is_in_the_state_dir_which_is_created(tmp_path: Path) -> None:
    s = make(tmp_path)
    s.export(load_batches(1)[0])
    s.shutdown()
    assert values(tmp_path / "state" / "metrics.ndjson") == [0.0]


def test_rotation_keeps_the_configured_number_of_backups(tmp_path: Path) -> None:
    batches = load_batches(40)
    line_size = len(batch_to_line(batches[0]).encode())
    path = tmp_path / "m.ndjson"
    s = make(tmp_path, path=str(path), max_bytes=3 * line_size + 10, backups=2)
    for b in batches:
        s.export(b)
    s.shutdown()
    assert sorted(os.listdir(tmp_path)) == ["m.ndjson", "m.ndjson.1", "m.ndjson.2"]
    # RotatingFileHandler order: path.1 is the newest backup. Each file holds 3 whole lines.
    assert values(path) == [39.0]
    assert values(tmp_path / "m.ndjson.1") == [36.0, 37.0, 38.0]
    assert values(tmp_path / "m.ndjson.2") == [33.0, 34.0, 35.0]
    for name in os.listdir(tmp_path):
        assert (tmp_path / name).stat().st_size <= 3 * line_size + 10


def test_rotation_loses_no_line(tmp_path: Path) -> None:
    batches = load_batches(200)
    path = tmp_path / "m.ndjson"
    s = make(tmp_path, path=str(path), max_bytes=1000, backups=1000)
    for b in batches:
        s.export(b)
    s.shutdown()
    files = sorted(os.listdir(tmp_path), key=lambda n: -int(n.rsplit(".", 1)[1]) if n[-1].isdigit() else 0)
    assert len(files) > 20
    got = [v for name in files for v in values(tmp_path / name)]
    assert got == [float(i) for i in range(200)]


def test_concurrent_exports_interleave_whole_lines_and_lose_none(tmp_path: Path) -> None:
    batches = load_batches(400)
    path = tmp_path / "m.ndjson"
    s = make(tmp_path, path=str(path), max_bytes=2000, backups=1000)

    def writer(part: list[Batch]) -> None:
        for b in part:
            assert s.export(b) is ExportResult.SUCCESS

    threads = [threading.Thread(target=writer, args=(batches[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s.shutdown()
    got = sorted(v for name in os.listdir(tmp_path) for v in values(tmp_path / name))
    assert got == [float(i) for i in range(400)]


def test_existing_file_is_appended_to_and_counts_towards_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "m.ndjson"
    path.write_text("x" * 900 + "\n")
    batches = load_batches(2)
    s = make(tmp_path, path=str(path), max_bytes=1000, backups=3)
    s.export(batches[0])
    s.export(batches[1])
    s.shutdown()
    assert (tmp_path / "m.ndjson.1").read_text() == "x" * 900 + "\n"
    assert values(path) == [0.0, 1.0]


def test_a_line_larger_than_max_bytes_is_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "m.ndjson"
    batches = load_batches(3)
    s = make(tmp_path, path=str(path), max_bytes=10, backups=5)
    for b in batches:
        s.export(b)
    s.shutdown()
    assert [values(path), values(tmp_path / "m.ndjson.1"), values(tmp_path / "m.ndjson.2")] == [[2.0], [1.0], [0.0]]


@pytest.mark.parametrize("settings", [{"max_bytes": 0, "backups": 3}, {"max_bytes": 10, "backups": 0}])
def test_zero_max_bytes_or_backups_never_rotates(tmp_path: Path, settings: dict[str, int]) -> None:
    path = tmp_path / "m.ndjson"
    s = make(tmp_path, path=str(path), **settings)
    for b in load_batches(5):
        s.export(b)
    s.shutdown()
    assert os.listdir(tmp_path) == ["m.ndjson"]
    assert values(path) == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_an_unusable_path_is_reported_at_start(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    with pytest.raises(OSError, match=r"cannot open .*plain/sub/m\.ndjson"):
        make(tmp_path, path=str(tmp_path / "plain" / "sub" / "m.ndjson"))


def test_after_shutdown_exports_fail(tmp_path: Path) -> None:
    s = make(tmp_path, path=str(tmp_path / "m.ndjson"))
    s.shutdown()
    assert s.export(load_batches(1)[0]) is ExportResult.FAILURE
    assert s.force_flush() is True


def test_settings_and_registration() -> None:
    registry = Registry()
    file_sink.sysagent_sinks(registry)
    entry = registry.sinks()["file"]
    assert (entry.default_enabled, entry.settings) == (False, FileSettings)
    with pytest.raises(ValueError, match="max_bytes"):
        FileSettings.model_validate({"max_bytes": -1})
    with pytest.raises(ValueError, match="extra"):
        FileSettings.model_validate({"max_size": 10})
