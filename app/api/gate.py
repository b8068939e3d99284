"""What a request must pass before its body is read: its API key, then the size of its body.

Plain ASGI and the outermost layer, so it runs before the idempotency middleware reads a
POST's body and before FastAPI parses one:

* every path but the public ones (the health check, the API's documents and the browser
  workspace's static files under /ui/, which hold no data) needs a valid key; without one the answer is 401 from the headers alone. The caller found is kept in the
  scope, where ``get_caller`` and the idempotency middleware take it (one check a request);
* a body declared (``Content-Length``) larger than ``max_body_bytes`` is refused with 413 at
  once; one sent in chunks is counted as it arrives and refused once it passes the limit,
  so no more than the limit is ever held. A body FastAPI has not asked for is never read.

An answer given before the body was read says ``Connection: close``: the server then drops
the connection instead of reading the rest of the body to reach the next request.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import CALLER_SCOPE_KEY, authenticate
from app.api.problems import error_problem, method_not_allowed
from app.domain.access import Caller
from app.domain.errors import ContentTooLarge, RapportError


class RequestGate:
    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, public_paths: Collection[str], fixed_paths: Mapping[str, Collection[str]],
        public_tree: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.public_paths = frozenset(public_paths)
        self.public_tree = public_tree
        self.fixed_paths = fixed_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        length, chunked = _declared_body(scope)
        try:
            if scope["path"] not in self.public_paths and not self.public_tree(scope["path"]):
                scope[CALLER_SCOPE_KEY] = await _caller(request)
            if length is not None and length > self.max_body_bytes:
                raise self._too_large(f"the body is {length:,} bytes")
        except RapportError as error:
            await _refuse(error_problem(request, error), bool(length or chunked), scope, receive, send)
            return
        taken = self.fixed_paths.get(scope["path"])
        if taken is not None and scope["method"] not in taken:
            # A fixed path is a resource of its own, never a value of a templated route's parameter.
            await _refuse(method_not_allowed(request), bool(length or chunked), scope, receive, send)
            return
        if not chunked:
            # The server delivers no more than Content-Length says, and it is within the limit.
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app on a chunked body, counted as it arrives. Past the limit, the read that
        went over raises; whatever the app then makes of that (FastAPI calls it a body it
        could not parse), the answer is the 413."""
        received = 0
        refused: ContentTooLarge | None = None
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    refused = self._too_large(f"more than {self.max_body_bytes:,} bytes were sent")
                    raise refused
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused is not None and not started:
                return  # the app's answer to the refused read; the 413 goes out instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if refused is None or started:
                raise
        if refused is not None and not started:
            await _refuse(error_problem(Request(scope), refused), True, scope, receive, send)

    def _too_large(self, what: str) -> ContentTooLarge:
        return ContentTooLarge(
            f"{what}; the largest body this API reads is {self.max_body_bytes:,} bytes "
            "(split a batch into smaller ones)",
            max_body_bytes=self.max_body_bytes,
        )


async def _refuse(response: Response, body_pending: bool, scope: Scope, receive: Receive, send: Send) -> None:
    if body_pending:  # a body is on its way that nobody will read: the server drops the connection
        response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _declared_body(scope: Scope) -> tuple[int | None, bool]:
    """The body's declared length (None if not declared or unreadable) and whether it comes
    in chunks (no length: counted as it arrives)."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            length = int(value)
        elif name in (b"content-length", b"transfer-encoding"):
            chunked = True  # (a server refuses a malformed length; counting covers one that did not)
    return length, chunked and length is None


async def _caller(request: Request) -> Caller:
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    return await authenticate(request, token if scheme.lower() == "bearer" else None)
