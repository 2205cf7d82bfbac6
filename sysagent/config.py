"""The root configuration: YAML in, one validated pydantic model out.

The root model checks the agent's own sections; each plugin's section
(``collectors.<name>``, ``sinks.<name>``, ``alerts``) is checked against the
settings model that plugin registered, by :func:`validate_section`. Every
failure becomes a :class:`~sysagent.errors.ConfigError` naming file and field.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sysagent.envsubst import substitute
from sysagent.errors import ConfigError
from sysagent.model import AttrValue
from sysagent.settings import Duration, PluginSettings


def default_state_dir() -> str:
    """``SYSAGENT_STATE_DIR``, else ``$XDG_STATE_HOME/sysagent`` (``~/.local/state/sysagent``)."""
    if explicit := os.environ.get("SYSAGENT_STATE_DIR"):
        return explicit
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "sysagent")


def default_host_root() -> str:
    """``SYSAGENT_HOST_ROOT`` (the host's / mounted in a container, e.g. ``/hostfs``), else ``/``."""
    return os.environ.get("SYSAGENT_HOST_ROOT") or "/"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HealthSection(_Strict):
    """``agent.health``: when /healthz answers 503."""

    #: Exports failing for longer than this make the agent unhealthy.
    export_failure: Duration = 300.0
    #: A queue fuller than this share of its byte bound makes the agent unhealthy.
    queue_fill: float = Field(default=0.8, gt=0, le=1)
    #: A collector failing this many times in a row makes the agent unhealthy.
    collector_failures: int = Field(default=3, ge=1)


class StatusSection(_Strict):
    """``agent.status``: the local endpoint (/status, /healthz, the live page, /api/v1/)."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=9465, ge=0, le=65535)
    #: A file holding the bearer token every request must carry (required off loopback).
    token_file: str | None = None
    #: Or the environment variable holding it.
    token_env: str | None = None

    @model_validator(mode="after")
    def _token_off_loopback(self) -> StatusSection:
        from sysagent.http.auth import is_loopback, load_token

        if self.enabled and not is_loopback(self.host) and not (self.token_file or self.token_env):
            raise ValueError(f"host {self.host} is not loopback: set token_file or token_env")
        if self.enabled:
            load_token(self.token_file, self.token_env)
        return self


class AgentSection(_Strict):
    """``agent:``: where to read the host, where to keep state, what to call it."""

    host_root: str = Field(default_factory=default_host_root)
    #: Where the built-in collectors read the host: auto (procfs on Linux, psutil elsewhere), procfs or psutil.
    backend: Literal["auto", "procfs", "psutil"] = "auto"
    state_dir: str = Field(default_factory=default_state_dir)
    resource: dict[str, AttrValue] = Field(default_factory=dict)
    log_level: str = "INFO"
    #: Default per-collection timeout; a collector's own ``timeout`` wins. 0 means its interval.
    collection_timeout: Duration = 0.0
    #: On SIGTERM: how long to try to send what is queued; the rest stays on disk for the next start.
    shutdown_timeout: Duration = 10.0
    health: HealthSection = Field(default_factory=HealthSection)
    status: StatusSection = Field(default_factory=StatusSection)

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return v.upper()


class PluginsSection(_Strict):
    """``plugins:``: which plugins load. See :mod:`sysagent.plugins` for the order."""

    #: Plugin names not to load (built-in or entry point).
    disable: list[str] = Field(default_factory=list)
    #: Extra plugin modules to import by dotted name, after the built-ins.
    modules: list[str] = Field(default_factory=list)
    #: Load plugins from the ``sysagent`` entry-point group (also off when
    #: SYSAGENT_DISABLE_PLUGIN_AUTOLOAD is set).
    autoload: bool = True


class Config(BaseModel):
    """The whole config file. Plugin sections stay raw here and are checked later.

    Top-level keys other than the fields below are sections owned by plugins
    (``alerts:``); :func:`sysagent.build.plan` rejects those no plugin owns.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    agent: AgentSection = Field(default_factory=AgentSection)
    plugins: PluginsSection = Field(default_factory=PluginsSection)
    collectors: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    #: None: the sinks registered as enabled by default. A mapping: exactly these sinks.
    sinks: dict[str, dict[str, Any] | None] | None = None
    #: Where this config came from (a file name, or "<defaults>"/"<dict>").
    source: str = "<defaults>"

    def sections(self) -> dict[str, Any]:
        """The plugin-owned top-level sections, raw (``{"alerts": {...}}``)."""
        return dict(self.model_extra or {})


def load(path: str | os.PathLike[str] | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file; None gives the built-in defaults."""
    if path is None:
        return Config()
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read config: {e.strerror or e}", source=source) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"invalid YAML: {where}{problem}", source=source) from None
    if raw is None:
        raw = {}
    return from_dict(raw, source=source, env=env)


def from_dict(raw: Any, *, source: str = "<dict>", env: Mapping[str, str] | None = None) -> Config:
    """Validate an already parsed config (``${VAR}`` substitution included)."""
    if not isinstance(raw, dict):
        raise ConfigError("the config must be a mapping of sections", source=source)
    try:
        data = substitute(raw, os.environ if env is None else env)
    except ConfigError as e:
        raise e.with_source(source) from None
    data = {k: v for k, v in data.items() if k != "source"}
    try:
        return Config.model_validate({**data, "source": source})
    except ValidationError as e:
        raise error_from_validation(e, Config, source) from None


def validate_section(
    model: type[PluginSettings],
    raw: Any,
    *,
    source: str,
    prefix: str,
    context: Mapping[str, Any] | None = None,
) -> Any:
    """Validate one plugin's section against its settings model.

    ``context`` reaches the model's validators as ``info.context``: the plugin
    ``registry`` (to check references to other plugins' registrations) and ``host``.
    """
    if raw is not None and not isinstance(raw, Mapping):
        raise ConfigError(f"must be a mapping, not {type(raw).__name__}", source=source, field=prefix)
    try:
        return model.model_validate(dict(raw or {}), context=dict(context or {}))
    except ConfigError as e:  # a validator that checks against other plugins names its own field
        raise e.with_source(source) from None
    except ValidationError as e:
        raise error_from_validation(e, model, source, prefix) from None


def error_from_validation(err: ValidationError, model: type[BaseModel], source: str, prefix: str = "") -> ConfigError:
    """One line from pydantic's first error, with a suggestion for unknown keys."""
    errors = err.errors()
    # an unknown key first: a typo ('urll') is why its neighbour ('url') is missing
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [str(p) for p in first["loc"]]
    field = ".".join([prefix, *loc] if prefix else loc)
    if first["type"] == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        return ConfigError(f"unknown key {loc[-1]!r}{suggest(loc[-1], known)}", source=source, field=field)
    message = first["msg"].removeprefix("Value error, ")
    return ConfigError(message, source=source, field=field or None)


def _fields_at(model: type[BaseModel], path: list[str]) -> list[str]:
    current: Any = model
    for part in path:
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = info.annotation
    return list(getattr(current, "model_fields", {}))


def suggest(name: str, candidates: list[str] | Any) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
