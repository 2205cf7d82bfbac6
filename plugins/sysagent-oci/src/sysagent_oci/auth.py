"""Core API clients (Compute, Block Volume) for the configured auth mode.

``auto`` picks the config file when it exists, else instance principals on an
OCI instance (the DMI chassis asset tag reads ``OracleCloud.com``), else nothing:
the collector stays idle with one log line, and never calls the network.
SDK retries and circuit breakers are off: the collector's own (slow) interval is
the retry, and each cycle is bounded in API calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sysagent import HostFS
from sysagent_oci.settings import DEFAULT_METADATA_URL, OciSettings, config_file_exists

OCI_ASSET_TAG = "OracleCloud.com"


@dataclass
class Clients:
    compute: Any
    blockstorage: Any
    region: str | None


def resolve_mode(settings: OciSettings, host: HostFS) -> str | None:
    """The auth mode to use, or None when ``auto`` finds neither a config file nor an OCI instance."""
    if settings.auth != "auto":
        return settings.auth
    if config_file_exists(settings.config_file):
        return "config_file"
    try:
        tag = host.read("sys", "class", "dmi", "id", "chassis_asset_tag").strip()
    except OSError:
        return None
    return "instance_principal" if tag == OCI_ASSET_TAG else None


def make_clients(settings: OciSettings, mode: str, region: str | None) -> Clients:
    """Build both clients. May raise (network for principals; bad key): callers log one line."""
    import oci

    kwargs: dict[str, Any] = {
        "retry_strategy": oci.retry.NoneRetryStrategy(),
        "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
        "timeout": (min(settings.api_timeout, 5.0), settings.api_timeout),
    }
    if settings.endpoint:
        kwargs["service_endpoint"] = settings.endpoint
    if mode == "config_file":
        config = oci.config.from_file(os.path.expanduser(settings.config_file), settings.profile)
    else:
        if mode == "instance_principal":
            if settings.metadata_url != DEFAULT_METADATA_URL:
                # the SDK's only way to move the metadata service (its certificates live there)
                os.environ["OCI_METADATA_BASE_URL"] = settings.metadata_url
            # no SDK retries here either: its default retries the certificate fetch for minutes
            no_retry = oci.retry.NoneRetryStrategy()
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner(
                retry_strategy=no_retry, federation_client_retry_strategy=no_retry
            )
        else:
            signer = oci.auth.signers.get_resource_principals_signer()
        kwargs["signer"] = signer
        config = {"region": getattr(signer, "region", None)}
    region = settings.region or region or config.get("region")
    if region:
        config["region"] = region
    return Clients(oci.core.ComputeClient(config, **kwargs), oci.core.BlockstorageClient(config, **kwargs), region)
