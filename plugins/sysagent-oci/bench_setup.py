"""For bench/plugins.py: the oci collector against the tests' local Core API server (3 volumes) on this host.

Each collection is the real work: 2 list calls and 3 volume reads, each signed
with RSA and sent over HTTP to 127.0.0.1, then statvfs of the mounts on them.
The server runs in a forked process, so its CPU is not counted as the collector's.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sysagent import HostFS, Resource


@contextlib.contextmanager
def collectors() -> Iterator[list[tuple[str, Any]]]:
    sys.path.insert(0, str(Path(__file__).parent / "tests"))
    import ociserver as srv
    from sysagent_oci.collector import OciVolumeCollector
    from sysagent_oci.settings import OciSettings

    with tempfile.TemporaryDirectory() as tmp:
        key = srv.Key.make(Path(tmp) / "key.pem")
        config = srv.write_config(Path(tmp) / "config", key.path, key.fingerprint)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        child = multiprocessing.get_context("fork").Process(target=_serve, args=(srv, key, port), daemon=True)
        child.start()
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(port)
            settings = OciSettings(
                auth="config_file", config_file=str(config), endpoint=url, metadata_url=url + "/opc/v2"
            )
            ctx: Any = type("Ctx", (), {"host": HostFS("/"), "resource": Resource()})()
            yield [("oci", OciVolumeCollector(settings, ctx))]
        finally:
            child.terminate()
            child.join(5)


def _serve(srv: Any, key: Any, port: int) -> None:
    srv.Server(srv.standard_state(key), port).serve_forever()


def _wait(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.1):
            return
        time.sleep(0.05)
    raise RuntimeError("the local API server did not start")
