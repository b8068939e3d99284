"""The app's routes one by one, whichever way FastAPI keeps included routers, and the methods
each path takes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

try:  # FastAPI >= 0.160 keeps an included router as one entry of app.routes
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI copies each route into app.routes
    iter_route_contexts = None


def each_route(app: FastAPI) -> Iterator[Any]:
    """Every route of ``app``: each has ``path``, ``path_regex`` and ``methods``; the API's
    own routes have ``dependant`` too."""
    if iter_route_contexts is None:
        yield from app.routes
    else:
        yield from iter_route_contexts(app.routes)


def fixed_paths(app: FastAPI) -> dict[str, frozenset[str]]:
    """The methods of each path without parameters. Such a path names one resource: the
    router would read /relationships/batch as a relationship's id for GET, but it is the
    batch action, which takes POST only (see ``RequestGate``)."""
    methods: defaultdict[str, set[str]] = defaultdict(set)
    for route in each_route(app):
        if "{" not in route.path and route.methods:
            methods[route.path] |= route.methods
    return {path: frozenset(taken) for path, taken in methods.items()}


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route takes at ``path`` (a fixed path's own, if it is one), for the
    Allow header of a 405; Starlette names only the first route's."""
    fixed = fixed_paths(app).get(path)
    if fixed is not None:
        return sorted(fixed)
    return sorted({method for route in each_route(app) if route.methods and route.path_regex.match(path)
                   for method in route.methods})
