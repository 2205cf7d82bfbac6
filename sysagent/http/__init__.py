"""sysagent's one HTTP server: the status endpoint (/healthz, /status, the live page, /api/v1/) and /metrics.

Plugins add routes with the ``sysagent_http_routes`` hook (see :mod:`sysagent.hookspecs`).
"""

from __future__ import annotations

from sysagent.http.endpoint import StatusServer
from sysagent.http.routes import HttpError, Request, Response, Routes, Stream, json_response
from sysagent.http.server import Server

__all__ = ["HttpError", "Request", "Response", "Routes", "Server", "StatusServer", "Stream", "json_response"]
