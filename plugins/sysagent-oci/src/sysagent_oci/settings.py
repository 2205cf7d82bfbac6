"""The ``collectors.oci`` settings, checked when the config is validated.

A bad auth mode, a missing config file, profile or key file, or resource
principals without their environment are one line at validation time, so
whatever ``sysagent config validate`` accepts starts.
"""

from __future__ import annotations

import configparser
import os
from typing import Literal

from pydantic import Field, model_validator

from sysagent import CollectorSettings, Duration

AuthMode = Literal["auto", "config_file", "instance_principal", "resource_principal"]

#: The instance metadata service (IMDS) v2 base; the SDK's instance principals use the same.
DEFAULT_METADATA_URL = "http://169.254.169.254/opc/v2"
DEFAULT_CONFIG_FILE = "~/.oci/config"
RESOURCE_PRINCIPAL_ENV = "OCI_RESOURCE_PRINCIPAL_VERSION"


class OciSettings(CollectorSettings):
    """How to reach the Core API (Compute and Block Volume) and which instance to look at."""

    auth: AuthMode = "auto"
    config_file: str = DEFAULT_CONFIG_FILE
    profile: str = "DEFAULT"
    #: Service endpoint for Compute and Block Volume (both the Core API); default: from the region.
    endpoint: str | None = None
    region: str | None = None
    metadata_url: str = DEFAULT_METADATA_URL
    #: Set all three to skip the metadata service.
    instance_id: str | None = None
    compartment_id: str | None = None
    availability_domain: str | None = None
    #: At most this many Core API requests per collection (list pages and volume reads).
    max_api_calls: int = Field(default=20, ge=2)
    api_timeout: Duration = 10.0

    @model_validator(mode="after")
    def _check_auth(self) -> OciSettings:
        if self.auth == "config_file" or (self.auth == "auto" and config_file_exists(self.config_file)):
            check_config_file(self.config_file, self.profile)
        elif self.auth == "resource_principal" and not os.environ.get(RESOURCE_PRINCIPAL_ENV):
            raise ValueError(f"auth resource_principal needs {RESOURCE_PRINCIPAL_ENV} in the environment")
        return self


def config_file_exists(path: str) -> bool:
    return os.path.isfile(os.path.expanduser(path))


def check_config_file(path: str, profile: str) -> None:
    """Raise ValueError (one line, no secrets) unless the SDK can sign with this file and profile."""
    import oci.config
    import oci.exceptions

    full = os.path.expanduser(path)
    if not os.path.isfile(full):
        raise ValueError(f"OCI config file {path} not found (or set auth: instance_principal)")
    try:
        config = oci.config.from_file(full, profile)
        oci.config.validate_config(config)
    except oci.exceptions.ProfileNotFound:
        raise ValueError(f"profile {profile!r} not found in {path}") from None
    except oci.exceptions.InvalidKeyFilePath:
        raise ValueError(f"{path} [{profile}]: key_file {_key_file(full, profile)} not found") from None
    except oci.exceptions.InvalidConfig as e:
        errors = e.args[0] if e.args and isinstance(e.args[0], dict) else None
        detail = ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) if errors else _first_line(e)
        raise ValueError(f"{path} [{profile}]: invalid: {detail}") from None
    except (OSError, ValueError) as e:
        raise ValueError(f"{path} [{profile}]: cannot read it: {_first_line(e)}") from None
    key_file = config.get("key_file")
    if key_file and not os.path.isfile(os.path.expanduser(str(key_file))):
        raise ValueError(f"{path} [{profile}]: key_file {key_file} not found")


def _key_file(path: str, profile: str) -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser.get(profile, "key_file", fallback="?")


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
