"""The browser workspace: our own small JavaScript and CSS and a vendored, pinned Cytoscape.js
(``static/vendor``, with its licence), served under ``/ui/`` as plain files. No Node at install
or run time: the files ship in the wheel as package data.

The files hold no practice data and need no API key; the page asks the API for data with the
key the user signs in with. Every answer under ``/ui/`` carries a strict Content-Security-Policy
(scripts and styles from this origin only, no inline script, no plugins, no framing), so an
injected name cannot run script where the key is kept.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Where the workspace is served; the gate lets this path and everything below it through without a key.
PATH = "/ui"
STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    # Revalidated on each load (StaticFiles answers 304 to an unchanged file's ETag).
    "cache-control": "no-cache",
}


class WithSecurityHeaders:
    """Plain ASGI: adds ``SECURITY_HEADERS`` to every answer of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def is_workspace_path(path: str) -> bool:
    return path == PATH or path.startswith(PATH + "/")


def install(app: FastAPI) -> None:
    """Serve the workspace under ``/ui/`` (``/ui`` redirects there)."""
    app.mount(PATH, WithSecurityHeaders(StaticFiles(directory=STATIC_DIR, html=True)), name="workspace")
