"""Every error leaves the API as RFC 9457 problem details; this is the only place that maps them."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.routing import allowed_methods
from app.domain.errors import (
    Conflict,
    ContentTooLarge,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    RapportError,
    StoreUnavailable,
    Unauthenticated,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("rapport.api")

_STATUS: dict[type[RapportError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    StoreUnavailable: 503,
    Unauthenticated: 401,
    Forbidden: 403,
    PreconditionFailed: 412,
    ContentTooLarge: 413,
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


def error_problem(request: Request, error: RapportError) -> JSONResponse:
    """The response to a refusal; also for code that runs outside the routes (ASGI middleware)."""
    response = problem(_status_of(error), error.detail, request=request, title=error.title, **error.extra)
    if isinstance(error, Unauthenticated):
        response.headers["WWW-Authenticate"] = 'Bearer realm="rapport"'
    return response


async def _rapport_error(request: Request, error: RapportError) -> JSONResponse:
    return error_problem(request, error)


async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    errors = [
        {"location": list(e["loc"]), "message": e["msg"], "type": e["type"]}
        for e in error.errors()
    ]
    return _invalid(request, errors)


def _invalid(request: Request, errors: list[dict[str, Any]]) -> JSONResponse:
    summary = "; ".join(f"{'.'.join(str(p) for p in e['location'])}: {e['message']}" for e in errors[:5])
    return problem(422, f"invalid request: {summary}", request=request, title="Invalid input", errors=errors)


async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 400 and isinstance(error.__cause__, ValueError | RecursionError):
        # FastAPI's "error parsing the body" for what json.loads refused other than by a
        # JSONDecodeError: a body that is not UTF-8, or nested past the recursion limit. The
        # same answer as for any other body that is not JSON.
        return _invalid(request, [{"location": ["body"], "message": _unreadable(error.__cause__), "type": "json_invalid"}])
    if error.status_code == 405:
        return method_not_allowed(request)
    response = problem(error.status_code, str(error.detail), request=request)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


def method_not_allowed(request: Request) -> JSONResponse:
    """405 for a method the path does not take, with every method it does take in Allow."""
    response = problem(405, f"{request.method} is not a method of {request.scope['path']}", request=request)
    response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope["path"]))
    return response


def _unreadable(cause: BaseException) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not UTF-8 text (byte {cause.start}: {cause.reason})"
    if isinstance(cause, RecursionError):
        return "the body nests arrays or objects too deeply"
    return f"the body is not JSON ({cause})"


async def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # Logged with its trace for the operator; the caller gets no internals.
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return problem(500, "an unexpected error occurred; it has been logged", request=request)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RapportError, _rapport_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    _document(app)


#: What each refusal means, as the OpenAPI schema documents it.
_DOCUMENTED = {
    401: "No API key, or one that is unknown, malformed or revoked",
    403: "The caller's role does not allow this",
    404: "No such record (or one the caller may not see)",
    409: "The request contradicts the current state (a duplicate, a record still in use, a request still running)",
    412: "If-Match names a version that is no longer current; nothing was changed",
    413: "The body is larger than the API reads (`RAPPORT_MAX_BODY_BYTES`); refused before the rest was read, nothing was changed",
    422: "Invalid input: fields, parameters or headers, or a body that is not JSON; nothing was changed",
    503: "The graph store is not reachable",
}


def _document(app: FastAPI) -> None:
    """Document the problem responses in the OpenAPI schema: every error is
    ``application/problem+json`` (FastAPI's own 422 entry describes another body)."""
    from app.schemas.common import Problem

    build_schema = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build_schema()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Problem"] = Problem.model_json_schema()
            body = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            for operations in schema.get("paths", {}).values():
                for method, operation in operations.items():
                    for status in sorted(_statuses(method, operation)):
                        operation.setdefault("responses", {})[str(status)] = {"description": _DOCUMENTED[status], "content": body}
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _statuses(method: str, operation: dict[str, Any]) -> list[int]:
    # Any request: a body over the limit (whether the operation reads one or not), an unknown
    # query parameter, the store down.
    statuses = [413, 422, 503]
    if not operation.get("security"):  # the health check
        return statuses
    statuses += [401, 403, 404]
    if method != "get":
        statuses.append(409)
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in operation.get("parameters", [])):
        statuses.append(412)
    return statuses
