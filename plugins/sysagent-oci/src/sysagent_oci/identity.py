"""This instance's identity (OCID, compartment, availability domain, region) from the metadata service.

``GET {metadata_url}/instance/`` with ``Authorization: Bearer Oracle`` (IMDS v2). The
URL is a setting so tests serve it from 127.0.0.1; settings that name all three
OCIDs skip it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from sysagent_oci.settings import OciSettings


class MetadataError(Exception):
    """The metadata service did not answer usefully; ``str()`` is one line."""


@dataclass(frozen=True)
class Instance:
    id: str
    compartment_id: str
    availability_domain: str
    region: str | None = None


def from_settings(settings: OciSettings) -> Instance | None:
    """The instance named in the settings, if all three of its OCIDs are set."""
    if settings.instance_id and settings.compartment_id and settings.availability_domain:
        return Instance(settings.instance_id, settings.compartment_id, settings.availability_domain, settings.region)
    return None


def fetch(metadata_url: str, timeout: float = 2.0, attempts: int = 2) -> Instance:
    """Ask the instance metadata service who we are (a dropped connection is tried once more)."""
    url = metadata_url.rstrip("/") + "/instance/"
    request = urllib.request.Request(url, headers={"Authorization": "Bearer Oracle"})
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                doc = json.loads(response.read())
            break
        except urllib.error.HTTPError as e:
            raise MetadataError(f"instance metadata at {url}: HTTP {e.code}") from None
        except (urllib.error.URLError, OSError) as e:
            if attempt + 1 < attempts:
                time.sleep(0.2)
                continue
            reason = getattr(e, "reason", e)
            raise MetadataError(f"instance metadata at {url} unreachable ({reason})") from None
        except ValueError:
            raise MetadataError(f"instance metadata at {url}: not JSON") from None
    try:
        return Instance(
            str(doc["id"]),
            str(doc["compartmentId"]),
            str(doc["availabilityDomain"]),
            str(doc.get("canonicalRegionName") or doc.get("region") or "") or None,
        )
    except (KeyError, TypeError):
        raise MetadataError(f"instance metadata at {url}: no id/compartmentId/availabilityDomain") from None
