"""Issue 9's figures: the agent image's size and layers, and how long deploy/build.sh takes.

Usage: ``python bench/image.py [--cold]`` from the repository root (needs podman,
as deploy/build.sh does). Prints, in one run:

1. the image's uncompressed size and layers, beside the debootstrap base it is
   built from (Debian minbase with python3, what a "Python on Debian" image
   weighs); the Collector-contrib image, the issue's yardstick, cannot be
   pulled here;
2. ``deploy/build.sh`` when nothing changed (the inputs' hash matches), median of 5;
3. ``deploy/build.sh --force``: every step again through podman's layer cache
   (what a code change costs at most), median of 3;
4. with ``--cold``: the image and its base removed first, then one full build
   (debootstrap included).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILD = REPO / "deploy" / "build.sh"


def build(*args: str) -> tuple[float, str]:
    """Wall seconds of one deploy/build.sh run, and the image it printed."""
    start = time.monotonic()
    out = subprocess.run([str(BUILD), *args], capture_output=True, text=True, check=True)
    return time.monotonic() - start, out.stdout.strip().splitlines()[-1]


def inspect(image: str) -> tuple[float, int]:
    """(size in MB, number of layers) of a local image."""
    out = subprocess.run(["podman", "image", "inspect", image], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)[0]
    return info["Size"] / 1e6, len(info["RootFS"]["Layers"])


def base_of() -> str:
    """The debootstrap base deploy/build.sh uses (the newest localhost/sysagent-base tag)."""
    out = subprocess.run(["podman", "images", "--format", "{{.Repository}}:{{.Tag}}", "localhost/sysagent-base"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout.split()[0]


def main() -> None:
    if "--cold" in sys.argv[1:]:
        _, image = build()
        for ref in (image, base_of()):
            subprocess.run(["podman", "rmi", "-f", ref], capture_output=True, check=False)
        cold, image = build()
        print(f"cold build (debootstrap base + image):        {cold:7.1f} s")
    _, image = build()
    cached = statistics.median(build()[0] for _ in range(5))
    forced = statistics.median(build("--force")[0] for _ in range(3))
    size, layers = inspect(image)
    base_size, base_layers = inspect(base_of())
    print(f"{image}: {size:.1f} MB uncompressed, {layers} layer(s)")
    print(f"peer: Debian minbase + python3 (the build base): {base_size:.1f} MB, {base_layers} layer(s)")
    print(f"ratio image / base:                           {size / base_size:7.2f}")
    print(f"deploy/build.sh, nothing changed (median of 5): {cached:7.2f} s")
    print(f"deploy/build.sh --force, layer cache (median of 3): {forced:7.1f} s")


if __name__ == "__main__":
    main()
