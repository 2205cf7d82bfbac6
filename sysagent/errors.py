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
