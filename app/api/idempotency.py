"""``Idempotency-Key`` on every POST: a retry gets the first answer and creates nothing new.

Plain ASGI middleware (Starlette's ``BaseHTTPMiddleware`` costs every request a task and a
stream); requests without the header pass straight through. The rules live in
``app.services.idempotency``. The request gate (``app.api.gate``, outside this one) has
authenticated the caller, so a key is scoped by the caller's API key id and nobody can
replay another caller's response.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import CALLER_SCOPE_KEY
from app.api.problems import error_problem
from app.domain.access import Caller
from app.domain.errors import InvalidInput, RapportError
from app.bootstrap import Services
from app.services.idempotency import Claim, IdempotencyService, KeptResponse, RequestInProgress, request_fingerprint

log = logging.getLogger("rapport.idempotency")

HEADER = "Idempotency-Key"
_HEADER = HEADER.lower().encode()


#: How often this process deletes records whose time is over (at most 1,000 at a time).
SWEEP_EVERY_S = 60.0


class IdempotentPosts:
    def __init__(self, app: ASGIApp, ttl_s: float) -> None:
        self.app = app
        self.ttl_s = ttl_s
        self._next_sweep = 0.0  # time.monotonic() at which the next sweep is due

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope["headers"] if name == _HEADER]
        if not keys:
            await self.app(scope, receive, send)
            return
        caller: Caller | None = scope.get(CALLER_SCOPE_KEY)
        if caller is None:  # a public path (no POST there): nothing to scope a key by
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        application: FastAPI = scope["app"]
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        service = Services.over(application.state.opened.store, caller).idempotency(self.ttl_s)
        try:
            if len(keys) > 1:
                raise InvalidInput(f"send one {HEADER} header, not {len(keys)}", field=HEADER)
            started = await run_in_threadpool(
                service.begin, caller.key_id or caller.team_member_id, keys[0].decode("latin-1"),
                _fingerprint(scope, body),
            )
        except RapportError as error:
            response = error_problem(request, error)
            if isinstance(error, RequestInProgress):
                response.headers["Retry-After"] = "1"
            await response(scope, receive, send)
            return
        if isinstance(started, KeptResponse):
            replay = Response(started.body, status_code=started.status, headers=dict(started.headers))
            replay.headers["Idempotent-Replayed"] = "true"
            await replay(scope, receive, send)
            return
        await self._run(scope, _replaying(body, receive), send, service, started)
        await self._sweep_when_due(service)

    async def _sweep_when_due(self, service: IdempotencyService) -> None:
        """Delete expired records now and then, after a keyed request has had its answer."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        try:
            await run_in_threadpool(service.sweep_expired)
        except Exception:  # the next sweep tries again; the request itself is done
            log.exception("could not delete expired idempotency records")

    async def _run(self, scope: Scope, receive: Receive, send: Send, service: IdempotencyService, claim: Claim) -> None:
        """Run the request that holds the key; keep its answer (or release the key) before
        the last byte goes out, so a retry that follows the answer finds the record done."""
        start: dict[str, Any] = {}
        parts: list[bytes] = []
        finished = False

        async def keep_and_send(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if not message.get("more_body", False) and not finished:
                    finished = True
                    headers = [(n.decode("latin-1").lower(), v.decode("latin-1")) for n, v in start.get("headers", [])]
                    await _finish(service, claim, KeptResponse(start["status"], headers, b"".join(parts)))
            await send(message)

        try:
            await self.app(scope, receive, keep_and_send)
        finally:
            if not finished:  # an exception, or no response at all: let a retry run
                await _finish(service, claim, KeptResponse(500, [], b""))


async def _finish(service: IdempotencyService, claim: Claim, response: KeptResponse) -> None:
    try:
        await run_in_threadpool(service.finish, claim, response)
    except Exception:
        # The write is done and its answer goes out; the key stays "in progress" until it
        # expires, so a retry is refused (409) rather than run twice.
        log.exception("could not keep the response for an idempotency key")


async def _read_body(receive: Receive) -> bytes | None:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The request's body, read once already, handed to the route as if it were arriving."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _fingerprint(scope: Scope, body: bytes) -> str:
    return request_fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)


#: The header as the OpenAPI schema shows it on every POST.
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the first request with a key runs; a retry with the same key and the same "
        "request (method, path, body) gets the first response again (with `Idempotent-Replayed: true`) and "
        "creates nothing new. Only successful (2xx) responses are kept, for 24 hours by default; a failed "
        "request frees the key. The same key with a different request is a 422; a retry while the first "
        "request still runs is a 409 with `Retry-After`. Keys are per API key."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x20-\\x7e]+$"},
}


def install(app: FastAPI, *, ttl_s: float) -> None:
    """Add the middleware, and the header to every POST of the OpenAPI schema."""
    app.add_middleware(IdempotentPosts, ttl_s=ttl_s)
    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build_schema()
            for path in schema.get("paths", {}).values():
                operation = path.get("post")
                if operation is not None:
                    operation.setdefault("parameters", []).append(PARAMETER)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
