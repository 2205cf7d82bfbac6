"""The ``sysagent`` command line: run, snapshot, plugins, config validate, alerts."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from sysagent._version import __version__
from sysagent.errors import ConfigError, PluginError

EXIT_BAD_INPUT = 2


def _config_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-c",
        "--config",
        default=os.environ.get("SYSAGENT_CONFIG"),
        help="YAML config file (default: $SYSAGENT_CONFIG, else built-in defaults)",
    )


#: Sub-commands sysagent defines itself: with one of them named, plugins' commands are not loaded
#: (``sysagent run`` then imports nothing of a plugin it does not run, e.g. the alerts CLI).
OWN_COMMANDS = frozenset({"run", "snapshot", "plugins", "config", "status"})


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; plugins' sub-commands only when ``argv`` does not name one of sysagent's own."""
    parser = argparse.ArgumentParser(prog="sysagent", description="A pluggable host-metrics agent that speaks OTLP.")
    parser.add_argument("--version", action="version", version=f"sysagent {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a plugin's crash")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="collect and export until SIGINT or SIGTERM")
    _config_arg(run)
    run.add_argument("--format", choices=("text", "json"), help="console sink format (json: JSON lines)")
    run.set_defaults(func=cmd_run)

    snap = sub.add_parser("snapshot", help="collect once and print")
    _config_arg(snap)
    snap.add_argument("--format", choices=("table", "json"), default="table")
    snap.set_defaults(func=cmd_snapshot)

    plugins = sub.add_parser("plugins", help="list loaded plugins and what each registers")
    _config_arg(plugins)
    plugins.set_defaults(func=cmd_plugins)

    cfg = sub.add_parser("config", help="config file tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    validate = cfg_sub.add_parser("validate", help="check a config file: exit 0 if valid, 2 if not")
    validate.add_argument("file")
    validate.set_defaults(func=cmd_validate)

    from sysagent import status

    status.add_cli(sub)
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    if not words or words[0] not in OWN_COMMANDS:
        _plugin_commands(sub)
    return parser


def _plugin_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Sub-commands plugins add with ``sysagent_commands`` (the plugins of the default config)."""
    from sysagent import plugins as plugins_mod
    from sysagent.config import PluginsSection

    try:
        loaded = plugins_mod.load(PluginsSection())
    except ConfigError:
        return  # the command that loads the config will report it
    loaded.call("sysagent_commands", subparsers=sub)


def _agent(path: str | None) -> Any:
    """An agent of the config's collectors only: a snapshot sends nothing anywhere."""
    from sysagent import config as config_mod
    from sysagent.agent import Agent

    return Agent(config_mod.load(path), sinks=False)


def _run_config(args: argparse.Namespace) -> Any:
    """The config for ``run``: the file, with ``--format`` applied to the console sink."""
    from sysagent import config as config_mod

    cfg = config_mod.load(args.config)
    if args.format:
        sinks: dict[str, dict[str, Any] | None] = (
            dict(cfg.sinks) if cfg.sinks is not None else {"console": None, "otlp": None}
        )
        sinks["console"] = {**(sinks.get("console") or {}), "format": args.format}
        cfg = cfg.model_copy(update={"sinks": sinks})
    return cfg


def cmd_run(args: argparse.Namespace) -> int:
    from sysagent.agent import Agent

    cfg = _run_config(args)
    _setup_logging(cfg.agent.log_level)  # before building: sinks log while they open (a damaged queue)
    agent = Agent(cfg)
    logger = logging.getLogger("sysagent")
    wake = threading.Event()
    pending: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        pending.append(signum)
        wake.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    agent.start()
    logger.info(
        "sysagent %s running: %d collectors, sinks: %s",
        __version__,
        len(agent.runners),
        ", ".join(agent.sinks) or "none",
    )
    while True:
        wake.wait(3600)
        wake.clear()
        while pending:
            signum = pending.pop(0)
            if signum == signal.SIGHUP:
                agent = _reload(agent, args, logger)
                continue
            logger.info("received %s, shutting down", signal.Signals(signum).name)
            agent.stop(agent.config.agent.shutdown_timeout)
            return 0


def _reload(agent: Any, args: argparse.Namespace, logger: logging.Logger) -> Any:
    """SIGHUP: a bad new config is reported in one line and the old one keeps running."""
    from sysagent.agent import Agent

    try:
        new = Agent(_run_config(args), previous=agent)
    except (ConfigError, PluginError) as e:
        logger.error("reload rejected, keeping the running config: %s", e)
        return agent
    except Exception as e:  # a plugin's factory crashed: still keep the running agent
        logger.error("reload rejected, keeping the running config: %s: %s", type(e).__name__, e, exc_info=args.debug)
        return agent
    new.take_over(agent)
    logger.info("reloaded %s: %d collectors, sinks: %s", new.config.source, len(new.runners), ", ".join(new.sinks))
    return new


def cmd_snapshot(args: argparse.Namespace) -> int:
    agent = _agent(args.config)
    try:
        snap = agent.collect_once()
    finally:
        agent.discard()
    if args.format == "json":
        json.dump(snap.to_json_obj(), sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
        return 0
    rows: list[tuple[str, str, str]] = []
    for batch in snap.batches:
        for metric in batch.metrics:
            for p in metric.points:
                attrs = ",".join(f"{k}={v}" for k, v in p.attributes)
                value = f"{p.value:.4g}" if isinstance(p.value, float) else str(p.value)
                rows.append((metric.spec.name, attrs, f"{value} {metric.spec.unit}"))
    width = max((len(r[0]) for r in rows), default=10)
    awidth = min(max((len(r[1]) for r in rows), default=10), 72)  # a long command line does not push every value off
    for name, attrs, value in rows:
        print(f"{name:<{width}}  {attrs:<{awidth}}  {value}")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from sysagent import config as config_mod
    from sysagent import plugins as plugins_mod

    cfg = config_mod.load(args.config)
    loaded = plugins_mod.load(cfg.plugins, source=cfg.source)
    for info in loaded.loaded:
        regs = ", ".join(f"{e.kind} {e.name}" for e in loaded.registry.by_plugin(info.name)) or "hooks only"
        print(f"{info.name:<14} {info.source:<28} {info.module}  [{regs}]")
    for name in loaded.disabled:
        print(f"{name:<14} disabled")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Everything ``run`` checks before it builds anything: plugins, every section, files, extras."""
    from sysagent import build
    from sysagent import config as config_mod
    from sysagent.plugins import BUILTIN_PLUGINS

    build.plan(config_mod.load(args.file), builtins=BUILTIN_PLUGINS)
    print(f"{args.file}: ok")
    return 0


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except ConfigError as e:
        print(f"sysagent: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PluginError as e:
        if args.debug or logging.getLogger("sysagent").isEnabledFor(logging.DEBUG):
            import traceback

            traceback.print_exception(e.error, file=sys.stderr)
        print(f"sysagent: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sysagent snapshot | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
