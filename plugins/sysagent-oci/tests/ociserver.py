"""A local stand-in for the OCI Core API and the instance metadata service, on 127.0.0.1.

It speaks the API's JSON (Volume, BootVolume, VolumeAttachment, BootVolumeAttachment,
the ``{"code", "message"}`` error body, ``opc-next-page`` paging) and checks each
request's HTTP signature against the public key of a key pair made for the test,
so a wrong key is a real 401. ``faults`` makes an operation answer with an error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"
USER = "ocid1.user.oc1..aaaaaaaatestuser"
INSTANCE = "ocid1.instance.oc1.iad.anuwcljtestinstance"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaatestcompartment"
AD = "Uocm:US-ASHBURN-AD-1"
BOOT = "ocid1.bootvolume.oc1.iad.abuwcljboot1"
DATA = "ocid1.volume.oc1.iad.abuwcljdata1"
LOGS = "ocid1.volume.oc1.iad.abuwcljlogs1"
OLD = "ocid1.volume.oc1.iad.abuwcljold1"
LOGS_IQN = "iqn.2015-12.com.oracleiaas:logs1"
GIB = 1024**3
ERROR_CODES = {401: "NotAuthenticated", 404: "NotAuthorizedOrNotFound", 429: "TooManyRequests", 500: "InternalError"}


@dataclass
class Key:
    """An RSA key pair written as the OCI SDK's config expects, with its fingerprint."""

    path: Path
    fingerprint: str
    public: rsa.RSAPublicKey

    @classmethod
    def make(cls, path: Path) -> Key:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
            )
        )
        der = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        digest = hashlib.md5(der).hexdigest()
        return cls(path, ":".join(digest[i : i + 2] for i in range(0, 32, 2)), private.public_key())


def write_config(path: Path, key_file: Path, fingerprint: str, profile: str = "DEFAULT") -> Path:
    path.write_text(
        f"[{profile}]\nuser={USER}\nfingerprint={fingerprint}\ntenancy={TENANCY}\n"
        f"region=us-ashburn-1\nkey_file={key_file}\n"
    )
    return path


def volume(ocid: str, name: str, gbs: int, vpus: int, state: str = "AVAILABLE") -> dict[str, Any]:
    return {
        "id": ocid,
        "availabilityDomain": AD,
        "compartmentId": COMPARTMENT,
        "displayName": name,
        "lifecycleState": state,
        "sizeInGBs": gbs,
        "sizeInMBs": gbs * 1024,
        "vpusPerGB": vpus,
        "isHydrated": True,
        "timeCreated": "2026-01-15T10:00:00.000Z",
    }


def attachment(ocid: str, vol: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ocid,
        "attachmentType": kind,
        "availabilityDomain": AD,
        "compartmentId": COMPARTMENT,
        "instanceId": INSTANCE,
        "volumeId": vol,
        "lifecycleState": "ATTACHED",
        "timeCreated": "2026-01-15T10:05:00.000Z",
        "isReadOnly": False,
        **extra,
    }


def boot_attachment(ocid: str, vol: str) -> dict[str, Any]:
    return {
        "id": ocid,
        "availabilityDomain": AD,
        "compartmentId": COMPARTMENT,
        "instanceId": INSTANCE,
        "bootVolumeId": vol,
        "lifecycleState": "ATTACHED",
        "timeCreated": "2026-01-15T10:00:00.000Z",
    }


@dataclass
class State:
    key: Key
    volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    boot_volumes: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    boot_attachments: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)
    page_size: int = 100
    requests: list[str] = field(default_factory=list)  # operation names, in order
    lock: threading.Lock = field(default_factory=threading.Lock)


def standard_state(key: Key) -> State:
    state = State(key)
    state.boot_volumes[BOOT] = volume(BOOT, "test-instance (Boot Volume)", 50, 10)
    state.volumes[DATA] = volume(DATA, "data", 1024, 20)
    state.volumes[LOGS] = volume(LOGS, "logs", 2048, 10)
    state.boot_attachments.append(boot_attachment("ocid1.instance.bva1", BOOT))
    state.attachments += [
        attachment("ocid1.volumeattachment.va1", DATA, "paravirtualized", device="/dev/oracleoci/oraclevdb"),
        attachment(
            "ocid1.volumeattachment.va2", LOGS, "iscsi", ipv4="169.254.2.2", port=3260, iqn=LOGS_IQN, chapUsername=None
        ),
        dict(attachment("ocid1.volumeattachment.va0", OLD, "paravirtualized"), lifecycleState="DETACHED"),
    ]
    return state


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p]
        state = self.server.state
        if parts[:3] == ["opc", "v2", "instance"]:
            return self._imds(state)
        if not parts or parts[0] != "20160918" or len(parts) < 2:
            return self._error(404, "NotFound", "unknown path")
        op = {
            "volumeAttachments": "ListVolumeAttachments",
            "bootVolumeAttachments": "ListBootVolumeAttachments",
            "volumes": "GetVolume",
            "bootVolumes": "GetBootVolume",
        }.get(parts[1], "Unknown")
        with state.lock:
            state.requests.append(op)
        if not self._signed_ok(state.key):
            return self._error(
                401,
                "NotAuthenticated",
                "The required information to complete authentication was not provided or was incorrect.",
            )
        if op in state.faults:
            status = state.faults[op]
            return self._error(status, ERROR_CODES.get(status, "Error"), f"fault injected on {op}")
        if op == "ListVolumeAttachments":
            items = [a for a in state.attachments if a["instanceId"] == query.get("instanceId")]
            return self._page(items, query, state.page_size)
        if op == "ListBootVolumeAttachments":
            if query.get("availabilityDomain") != AD:
                return self._error(400, "InvalidParameter", "availabilityDomain is required")
            items = [a for a in state.boot_attachments if a["instanceId"] == query.get("instanceId")]
            return self._page(items, query, state.page_size)
        table = state.volumes if op == "GetVolume" else state.boot_volumes
        if len(parts) == 3 and parts[2] in table:
            return self._json(200, table[parts[2]])
        return self._error(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found.")

    def _imds(self, state: State) -> None:
        with state.lock:
            state.requests.append("metadata")
        if self.headers.get("Authorization") != "Bearer Oracle":
            return self._error(401, "NotAuthenticated", "IMDS v2 needs Authorization: Bearer Oracle")
        if "metadata" in state.faults:
            return self._error(state.faults["metadata"], "Error", "fault injected")
        self._json(
            200,
            {
                "id": INSTANCE,
                "compartmentId": COMPARTMENT,
                "availabilityDomain": AD,
                "canonicalRegionName": "us-ashburn-1",
                "region": "iad",
                "displayName": "test-instance",
                "shape": "VM.Standard.E4.Flex",
            },
        )

    def _signed_ok(self, key: Key) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Signature "):
            return False
        fields = dict(p.split("=", 1) for p in auth[len("Signature ") :].split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        if fields.get("keyId") != f"{TENANCY}/{USER}/{key.fingerprint}":
            return False
        lines = []
        for name in fields.get("headers", "").split():
            value = f"get {self.path}" if name == "(request-target)" else self.headers.get(name, "")
            lines.append(f"{name}: {value}")
        try:
            key.public.verify(
                base64.b64decode(fields.get("signature", "")),
                "\n".join(lines).encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], size: int) -> None:
        start = int(query.get("page", "0"))
        chunk = items[start : start + size]
        headers = {"opc-next-page": str(start + size)} if start + size < len(items) else {}
        self._json(200, chunk, headers)

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"code": code, "message": message})

    def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("opc-request-id", "test-request")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: State, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.state = state
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


# -- helpers the tests share (not fixtures: imported by name) --


def used(blocks: int, bfree: int) -> int:
    return (blocks - bfree) * 4096


def settings(server: Server, config: Path, **extra: Any) -> dict[str, Any]:
    return {
        "auth": "config_file",
        "config_file": str(config),
        "endpoint": server.url,
        "metadata_url": server.url + "/opc/v2",
        **extra,
    }
