"""Every error leaves the API as RFC 9457 problem details; this is the only place that maps them."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import Conflict, InvalidInput, NotFound, RapportError, StoreUnavailable

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("rapport.api")

_STATUS: dict[type[RapportError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    StoreUnavailable: 503,
}


def problem(status: int, detail: str, *, request: Request | None = None, title: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _status_of(error: RapportError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


async def _rapport_error(request: Request, error: RapportError) -> JSONResponse:
    return problem(_status_of(error), error.detail, request=request, title=error.title, **error.extra)


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"location": list(e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in error.errors()
    ]
    summary = "; ".join(f"{'.'.join(str(p) for p in e['location'])}: {e['message']}" for e in errors[:5])
    return problem(422, f"invalid request: {summary}", request=request, title="Invalid input", errors=errors)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    response = problem(error.status_code, str(error.detail), request=request)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # Logged with its trace for the operator; the caller gets no internals.
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(500, "an unexpected error occurred; it has been logged", request=request)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RapportError, _rapport_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
