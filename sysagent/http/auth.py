"""Where the status endpoint's bearer token comes from: a file or an environment variable.

Loopback needs none. Any other address needs one; config validation refuses a
non-loopback ``agent.status.host`` without ``token_file`` or ``token_env``.
The token itself is never logged or put in an error.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_token(token_file: str | None, token_env: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The token (surrounding whitespace removed), or None when neither source is configured.

    Raises ValueError with a one-line reason when a configured source is unreadable or empty.
    """
    env = os.environ if environ is None else environ
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError as e:
            raise ValueError(f"cannot read token_file {token_file}: {e.strerror or e}") from None
        if not token:
            raise ValueError(f"token_file {token_file} is empty")
        return token
    if token_env:
        token = env.get(token_env, "").strip()
        if not token:
            raise ValueError(f"token_env: the environment variable {token_env} is unset or empty")
        return token
    return None
