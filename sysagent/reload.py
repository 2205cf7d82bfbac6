"""SIGHUP: a new agent takes over from the running one, built first, swapped second.

The new agent is complete before this runs (see :mod:`sysagent.build`): its
config validated, every factory called, unchanged sinks and collectors lent by
the old agent. So a reload that fails fails before anything here happens, and
the old agent keeps running. The swap stops the old scheduler and starts the new
one at once; only then are the replaced sinks flushed and shut down, so
collection never waits for a flush.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sysagent import build

if TYPE_CHECKING:
    from sysagent.agent import Agent

log = logging.getLogger("sysagent")


def take_over(new: Agent, old: Agent, timeout: float = 10.0) -> None:
    """Stop ``old``'s collection, start ``new``, then retire what ``new`` did not carry over.

    Carried-over collectors keep their counters' start times and carried-over
    sinks their queues. A replaced sink's durable queue persists on disk and the
    new sink of the same name reopens it.
    """
    if old._scheduler is not None:
        old._scheduler.stop(min(5.0, timeout))
    if old._status is not None:
        new._live_history = old._status.live  # the live page keeps its 15 minutes across a reload
        old._status.close()
        old._status = None
    old.started = False
    kept_sinks = {id(s) for s in new.sinks.values()}
    retired = {n: s for n, s in old.sinks.items() if id(s) not in kept_sinks}
    kept_runners = {id(r) for r, _, _ in new.runners.values()}
    for runner, _, _ in old.runners.values():
        if id(runner) not in kept_runners:
            build.close(runner.collector)
    old.sinks, old.runners = {}, {}
    new.start()

    def retire() -> None:
        for name, sink in retired.items():
            try:
                sink.force_flush(timeout)
                sink.shutdown(timeout)
            except Exception as e:
                new.errors.error(f"sink {name!r}", "failed to shut down", e)

    if retired:
        thread = threading.Thread(target=retire, name="sysagent-retire", daemon=True)
        thread.start()
        new.retiring = thread
