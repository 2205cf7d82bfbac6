"""Errors a user can cause, reported as one line naming the file and the field."""

from __future__ import annotations


class ConfigError(Exception):
    """Bad input: invalid YAML, a wrong type, an unknown key or plugin, an unset variable.

    ``str(error)`` is the one line the CLI prints before exiting with status 2.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.message])

    def with_source(self, source: str) -> ConfigError:
        """The same error, naming ``source`` (the config file) if it named none."""
        if self.source:
            return self
        return ConfigError(self.message, source=source, field=self.field)


class PluginError(Exception):
    """A plugin's hook raised. ``str(error)`` names the plugin and the hook in one line;
    the original exception (and its traceback, shown with ``--debug``) is ``error``."""

    def __init__(self, plugin: str, hook: str, error: BaseException) -> None:
        super().__init__(f"plugin {plugin!r}: {hook} failed: {type(error).__name__}: {error}")
        self.plugin, self.hook, self.error = plugin, hook, error
