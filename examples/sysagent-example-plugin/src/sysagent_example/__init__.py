"""An example sysagent plugin, installed as its own distribution."""

__version__ = "0.1.0"
