"""How ``rapport serve`` runs the app under uvicorn: its HTTP protocols, answering requests
they cannot read with problem details too.

A request the HTTP parser refuses (not HTTP/1.1, or a request line or headers past its limit:
64 KB with httptools) never reaches the app; uvicorn answers it with a text/plain 400. These
subclasses answer the same 400 as ``application/problem+json``, so every error a client can
get from the API has one shape. (``uvicorn app.main:app --http app.serving:HttpToolsProtocol``
serves with them too.)
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol as _H11Protocol

from app.api.problems import PROBLEM_JSON

_UNREADABLE = json.dumps({
    "type": "about:blank", "title": "Bad Request", "status": 400,
    "detail": "the request could not be read as HTTP/1.1: it is malformed, or its request line or headers are too long",
}).encode()


def _answer_unreadable(protocol: Any) -> None:
    """The 400 as the connection's last answer: it is closed after (the parser cannot go on)."""
    head = [b"HTTP/1.1 400 Bad Request\r\n"]
    head += [name + b": " + value + b"\r\n" for name, value in protocol.server_state.default_headers]
    head += [
        b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
        b"content-length: " + str(len(_UNREADABLE)).encode() + b"\r\n",
        b"connection: close\r\n\r\n",
    ]
    protocol.transport.write(b"".join(head) + _UNREADABLE)
    protocol.transport.close()


class H11Protocol(_H11Protocol):
    def send_400_response(self, msg: str) -> None:
        _answer_unreadable(self)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
    HttpToolsProtocol: type = H11Protocol
else:

    class HttpToolsProtocol(_HttpToolsProtocol):  # type: ignore[no-redef]
        def send_400_response(self, msg: str) -> None:
            _answer_unreadable(self)


#: What uvicorn's ``auto`` would pick: httptools when installed, else h11.
AutoProtocol = HttpToolsProtocol
