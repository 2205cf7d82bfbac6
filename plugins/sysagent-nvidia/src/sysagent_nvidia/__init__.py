"""sysagent-nvidia: NVIDIA GPU metrics through NVML, as a separately installed sysagent plugin."""

__version__ = "0.1.0"
