"""Print the requirements to pre-install in the image's build stage, one per line.

Read from pyproject.toml so that the list never drifts from the package's own:
the build system's requirements, the runtime dependencies and the extras named
on the command line. Installing them in a layer of their own, before the
package's source is copied, lets podman reuse that layer while only the code
changes.

    python3 requirements.py pyproject.toml grpc prometheus
"""

from __future__ import annotations

import sys
import tomllib


def requirements(pyproject: str, extras: list[str]) -> list[str]:
    with open(pyproject, "rb") as f:
        data = tomllib.load(f)
    project = data["project"]
    reqs = list(data.get("build-system", {}).get("requires", []))
    reqs += project.get("dependencies", [])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return list(dict.fromkeys(reqs))


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1], sys.argv[2:])))
