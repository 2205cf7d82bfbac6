"""sysagent-oci: Oracle Cloud block and boot volumes beside the space the host sees on them."""

__version__ = "0.1.0"
