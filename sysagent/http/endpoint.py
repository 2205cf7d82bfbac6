"""The agent's status endpoint (127.0.0.1:9465): health, status, the live page and its API, plugins' routes."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sysagent.http.api import Api
from sysagent.http.auth import is_loopback, load_token
from sysagent.http.live import LiveHost
from sysagent.http.routes import Routes
from sysagent.http.server import Server
from sysagent.http.static_files import StaticFiles
from sysagent.model import Batch

if TYPE_CHECKING:
    from sysagent.agent import Agent

log = logging.getLogger("sysagent.http")


class StatusServer:
    """Serves the status endpoint of ``agent``; ``observe`` feeds the live page. Raises OSError if it cannot listen."""

    def __init__(self, agent: Agent, live: LiveHost | None = None) -> None:
        """``live``: the history of the endpoint this one replaces on reload, kept for the page."""
        cfg = agent.config.agent.status
        try:
            token = load_token(cfg.token_file, cfg.token_env)
        except ValueError as e:
            raise OSError(str(e)) from None
        if not is_loopback(cfg.host) and token is None:
            raise OSError(f"listening on {cfg.host} needs agent.status.token_file or token_env")
        self.live = live if live is not None else LiveHost()
        self.api = Api(agent, self.live)
        routes = Routes()
        self.api.add_to(routes)
        static = StaticFiles()
        routes.add("/", static.index)
        routes.add("/static/", static.file)
        agent.plugins.hook.sysagent_http_routes(routes=routes)
        self.server = Server(cfg.host, cfg.port, routes, token=token, agent=agent, name="sysagent-status")
        self.port = self.server.port
        where = self.server.url
        if token is None:
            log.info("status endpoint and live page on %s/ (loopback, no token)", where)
        else:
            log.info("status endpoint and live page on %s/; every request needs its bearer token", where)

    def observe(self, batch: Batch) -> None:
        self.live.observe(batch)

    def close(self) -> None:
        self.api.closed = True
        self.live.wake()
        self.server.close()
