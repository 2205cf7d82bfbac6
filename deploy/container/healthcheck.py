"""The image's health check: the agent's own /healthz answers 200 (exit 0) or not (exit 1).

Run by the container runtime as ``python3 /etc/sysagent/healthcheck.py``; the
image has no shell or curl. The port is the status endpoint's
(``SYSAGENT_STATUS_PORT``, 9465 by default).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

url = f"http://127.0.0.1:{os.environ.get('SYSAGENT_STATUS_PORT') or 9465}/healthz"
try:
    with urllib.request.urlopen(url, timeout=4) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except (urllib.error.URLError, OSError) as e:
    print(f"healthcheck: {url}: {e}", file=sys.stderr)
    sys.exit(1)
