"""What is attached to this instance, read from the Core API within a bound on calls.

One cycle: list the volume attachments and boot volume attachments of the instance
(Compute API, one call per page), then read each attached volume (Block Volume
API, one call each), stopping at ``max_api_calls``. Volumes not read this cycle
(budget spent, throttled, an error) keep their last known details. Every API
failure is one log line per kind until the next good cycle, never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger("sysagent.oci")

GIB = 1024**3  # OCI's "GB" sizes are binary: sizeInMBs = sizeInGBs * 1024
_ATTACHED = ("ATTACHING", "ATTACHED")
_HINTS = {
    401: "not authenticated: check the user, fingerprint and key",
    404: "not found or not authorized: check the OCIDs and the IAM policy",
    429: "throttled: keeping the last values until the next cycle",
}


def describe(e: Exception) -> str:
    """One short line for any SDK or network error (the SDK's ServiceError str is a dict dump)."""
    status, message = getattr(e, "status", None), getattr(e, "message", None)
    if isinstance(status, int) and isinstance(message, str):
        return f"{type(e).__name__}: HTTP {status}: {message.splitlines()[0][:200] if message else ''}"
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0][:200]}" if text else type(e).__name__


class BudgetSpent(Exception):
    """This cycle's API calls are used up."""


class ApiFailed(Exception):
    """An API call failed; already logged."""


@dataclass(frozen=True)
class Volume:
    """An attached volume as the API describes it. ``device`` / ``iscsi`` locate it on the host."""

    id: str
    type: str  # "block" or "boot"
    name: str = ""
    size_bytes: int | None = None
    vpus_per_gb: int | None = None
    state: str | None = None
    device: str | None = None
    iscsi: tuple[str, int, str] | None = None  # ipv4, port, iqn


class VolumeApi:
    """Reads attachments and volumes through ``clients`` (see :mod:`sysagent_oci.auth`)."""

    def __init__(self, compute: Any, blockstorage: Any, max_calls: int) -> None:
        self.compute = compute
        self.blockstorage = blockstorage
        self.max_calls = max_calls
        self.calls = 0
        self.known: dict[str, Volume] = {}
        self._logged: set[object] = set()
        self._failed = False

    def refresh(self, instance_id: str, compartment_id: str, availability_domain: str) -> list[Volume]:
        """This cycle's attached volumes; the last known list when the API fails."""
        self.calls = 0
        self._failed = False
        try:
            attached = self._attachments(instance_id, compartment_id, availability_domain)
        except (BudgetSpent, ApiFailed) as e:
            if isinstance(e, BudgetSpent):
                self._once("budget", f"the {self.max_calls} API calls per cycle do not cover the attachment lists")
            return list(self.known.values())
        fresh: dict[str, Volume] = {}
        skipped = 0
        for vol in attached:
            old = self.known.get(vol.id)
            try:
                fresh[vol.id] = self._details(vol)
            except (BudgetSpent, ApiFailed) as e:
                skipped += isinstance(e, BudgetSpent)
                fresh[vol.id] = replace(old, device=vol.device, iscsi=vol.iscsi) if old else vol
        if skipped:
            self._once("budget", f"API call budget ({self.max_calls} per cycle) spent: {skipped} volume(s) not re-read")
        elif not self._failed:
            self._logged.clear()  # a clean cycle: the next failure is news again
        self.known = fresh
        return list(fresh.values())

    def _call(self, op: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import oci.exceptions

        if self.calls >= self.max_calls:
            raise BudgetSpent
        self.calls += 1
        try:
            return fn(*args, **kwargs)
        except oci.exceptions.ServiceError as e:
            hint = _HINTS.get(e.status, e.message if isinstance(e.message, str) else "")
            self._once((op, e.status), f"{op}: HTTP {e.status} {e.code}: {hint}")
        except Exception as e:  # connection refused, timeouts, TLS: the SDK's and requests' own types
            self._once((op, type(e).__name__), f"{op}: {describe(e)}")
        raise ApiFailed

    def _pages(self, op: str, fn: Callable[..., Any], **kwargs: Any) -> list[Any]:
        items: list[Any] = []
        page = None
        while True:
            response = self._call(op, fn, page=page, **kwargs) if page else self._call(op, fn, **kwargs)
            items.extend(response.data)
            page = response.next_page
            if not page:
                return items

    def _attachments(self, instance_id: str, compartment_id: str, ad: str) -> list[Volume]:
        blocks = self._pages(
            "ListVolumeAttachments",
            self.compute.list_volume_attachments,
            compartment_id=compartment_id,
            instance_id=instance_id,
        )
        boots = self._pages(
            "ListBootVolumeAttachments",
            self.compute.list_boot_volume_attachments,
            availability_domain=ad,
            compartment_id=compartment_id,
            instance_id=instance_id,
        )
        volumes = [Volume(b.boot_volume_id, "boot") for b in boots if b.lifecycle_state in _ATTACHED]
        for a in blocks:
            if a.lifecycle_state not in _ATTACHED:
                continue
            iscsi = None
            if getattr(a, "iqn", None) and getattr(a, "ipv4", None):
                iscsi = (a.ipv4, int(a.port or 3260), a.iqn)
            volumes.append(Volume(a.volume_id, "block", device=a.device, iscsi=iscsi))
        return volumes

    def _details(self, vol: Volume) -> Volume:
        if vol.type == "boot":
            data = self._call("GetBootVolume", self.blockstorage.get_boot_volume, vol.id).data
        else:
            data = self._call("GetVolume", self.blockstorage.get_volume, vol.id).data
        size = data.size_in_gbs * GIB if data.size_in_gbs is not None else None
        state = str(data.lifecycle_state).lower() if data.lifecycle_state else None
        return replace(vol, name=data.display_name or "", size_bytes=size, vpus_per_gb=data.vpus_per_gb, state=state)

    def _once(self, key: object, message: str) -> None:
        self._failed = True
        if key not in self._logged:
            self._logged.add(key)
            log.warning("oci: %s", message)
