"""``${VAR}`` and ``${VAR:-default}`` substitution in the string values of a parsed config.

Substitution runs on parsed YAML scalars, not on the raw text, so a variable's
value can never change the document's structure. ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sysagent.errors import ConfigError

_VAR = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def substitute(value: Any, env: Mapping[str, str], path: str = "") -> Any:
    """Return ``value`` with variables replaced in every string, recursively."""
    if isinstance(value, str):
        return _substitute_str(value, env, path)
    if isinstance(value, dict):
        return {k: substitute(v, env, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, env, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def _substitute_str(text: str, env: Mapping[str, str], path: str) -> str:
    if "$" not in text:
        return text

    def replace(m: re.Match[str]) -> str:
        if m.group(0) == "$${":
            return "${"
        name, default = m.group(1), m.group(2)
        found = env.get(name)
        if found is not None and (found != "" or default is None):
            return found
        if default is not None:
            return default
        raise ConfigError(f"${{{name}}} is not set and has no default (write ${{{name}:-value}})", field=path or None)

    return _VAR.sub(replace, text)
