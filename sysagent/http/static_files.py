"""The live page's files (HTML, CSS, JS), served from the package: no build step, no CDN."""

from __future__ import annotations

from importlib import resources

from sysagent.http.routes import HttpError, Request, Response

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
_SECURITY = (
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"),
)


class StaticFiles:
    """Files of ``sysagent/http/static``, read once and kept (about 20 KB)."""

    def __init__(self) -> None:
        self._cache: dict[str, bytes] = {}

    def _read(self, name: str) -> bytes:
        data = self._cache.get(name)
        if data is None:
            try:
                data = resources.files("sysagent.http").joinpath("static", name).read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                raise HttpError(404, f"no such file: {name}") from None
            self._cache[name] = data
        return data

    def index(self, req: Request) -> Response:
        return Response(200, self._read("index.html"), _TYPES[".html"], _SECURITY)

    def file(self, req: Request) -> Response:
        name = req.path.removeprefix("/static/")
        ext = name[name.rfind(".") :] if "." in name else ""
        if "/" in name or name.startswith(".") or ext not in _TYPES:
            raise HttpError(404, f"no such file: {name[:80]}")
        return Response(200, self._read(name), _TYPES[ext], _SECURITY)
