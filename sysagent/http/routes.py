"""What the HTTP server dispatches: requests, responses, streams and the route table.

A handler takes a :class:`Request` and returns a :class:`Response` (or a
:class:`Stream` for Server-Sent Events); raising :class:`HttpError` answers with
its status and a one-line JSON reason. Plugins add handlers through the
``sysagent_http_routes`` hook.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = "application/json"


@dataclass(frozen=True)
class Request:
    """One GET request. ``query`` keeps the last value of each parameter; header names are lower case."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    #: The running agent for the status endpoint; None for a sink's own server.
    agent: Any = None


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Stream:
    """A response whose body is written as ``chunks`` yields them (the connection stays open)."""

    chunks: Iterator[bytes]
    content_type: str = "text/event-stream"
    headers: tuple[tuple[str, str], ...] = (("Cache-Control", "no-store"),)


class HttpError(Exception):
    """Answer ``status`` with ``{"error": reason}``; the reason is one line a user can act on."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def json_response(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data, separators=(",", ":")).encode())


def error_response(status: int, reason: str) -> Response:
    return Response(status, json.dumps({"error": reason}).encode())


Handler = Callable[[Request], "Response | Stream"]


@dataclass
class Routes:
    """Exact paths and path prefixes (a prefix ends with ``/``), each to one handler."""

    exact: dict[str, Handler] = field(default_factory=dict)
    prefixes: dict[str, Handler] = field(default_factory=dict)

    def add(self, path: str, handler: Handler) -> None:
        """Serve ``path`` with ``handler``; a path ending in ``/`` (other than ``/``) serves everything under it.

        Adding a path twice is an error: two plugins must not answer the same URL.
        """
        table = self.prefixes if path.endswith("/") and path != "/" else self.exact
        if not path.startswith("/"):
            raise ValueError(f"route {path!r} must start with /")
        if path in table:
            raise ValueError(f"route {path} is already served")
        table[path] = handler

    def find(self, path: str) -> Handler | None:
        found = self.exact.get(path)
        if found is not None:
            return found
        best = ""
        for prefix in self.prefixes:
            if path.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return self.prefixes.get(best)

    def paths(self) -> list[str]:
        return sorted([*self.exact, *self.prefixes])
