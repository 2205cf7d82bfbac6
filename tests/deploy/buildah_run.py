"""Run commands in the sysagent image with buildah, the runtime that works on this project's machines.

FACTS §5: ``podman run`` fails here (crun cannot raise RLIMIT_NOFILE/NPROC without
CAP_SYS_RESOURCE, and refuses the hybrid cgroup layout); ``buildah from`` then
``buildah run --isolation=chroot --network=host`` runs the image's own files, as
the image's user, with bind mounts. The image is built (or reused) by deploy/build.sh.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_image() -> str:
    """deploy/build.sh: the image reference (built once per change of its inputs)."""
    out = subprocess.run([str(ROOT / "deploy" / "build.sh")], capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, f"deploy/build.sh failed:\n{out.stderr[-4000:]}"
    return out.stdout.strip().splitlines()[-1]


class Container:
    """A working container of ``image`` (``buildah from``); removed by :func:`container`."""

    def __init__(self, image: str) -> None:
        self.name = f"sysagent-test-{uuid.uuid4().hex[:10]}"
        subprocess.run(["buildah", "from", "--quiet", "--name", self.name, image], check=True, capture_output=True)

    def command(
        self,
        args: Sequence[str],
        *,
        volumes: Sequence[str] = (),
        binds: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        user: str | None = None,
    ) -> list[str]:
        """The ``buildah run`` command line for ``args`` (the image's default user unless ``user``).

        ``binds`` maps a container path to a host folder, mounted read-write with
        ``--mount``: buildah 1.28 puts its own anonymous volume over an image
        VOLUME given with ``--volume`` when another ``--volume`` is also given.
        """
        cmd = ["buildah", "run", "--isolation=chroot", "--network=host"]
        for v in volumes:
            cmd += ["--volume", v]
        for dst, src in (binds or {}).items():
            cmd += ["--mount", f"type=bind,src={src},dst={dst},rw=true"]
        for k, v in (env or {}).items():
            cmd += ["--env", f"{k}={v}"]
        if user:
            cmd += ["--user", user]
        return [*cmd, self.name, "--", *args]

    def run(self, args: Sequence[str], timeout: float = 120, **kw: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(args, **kw), capture_output=True, text=True, timeout=timeout)  # type: ignore[arg-type]

    def diff(self) -> list[str]:
        """What changed in the container's own layer (``podman diff``)."""
        out = subprocess.run(["podman", "diff", self.name], capture_output=True, text=True, check=True)
        return out.stdout.split("\n")

    def remove(self) -> None:
        subprocess.run(["buildah", "rm", self.name], capture_output=True, check=False)


@contextmanager
def container(image: str) -> Iterator[Container]:
    c = Container(image)
    try:
        yield c
    finally:
        c.remove()
