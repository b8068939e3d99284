"""The ASGI app: ``app.main:app``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import idempotency, problems
from app.api.deps import check_query_parameters, get_caller
from app.api.gate import RequestGate
from app.api.routes import access, analytics, catalogue, entities, groups, health, relationships, tiers, work
from app.api.routing import each_route, fixed_paths
from app.bootstrap import open_practice, prepare_store
from app.core.config import Settings, get_settings
from app.repositories.factory import OpenStore
from app.services.access import CallerCache
from app.services.practice_graph import GraphSnapshots
from app import workspace


class RefreshGraphAfterWrites:
    """Paths and chains read a cached graph, and callers are cached by key; a successful
    write through this process makes both stale. Plain ASGI, so reads pass straight through (Starlette's ``@app.middleware`` costs
    every request a task and a stream)."""

    def __init__(self, app: ASGIApp, snapshots: GraphSnapshots, callers: CallerCache) -> None:
        self.app = app
        self.snapshots = snapshots
        self.callers = callers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return

        async def send_and_refresh(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.snapshots.invalidate()
                # A write may have changed a role, a reports-to line or a key.
                self.callers.clear()
            await send(message)

        await self.app(scope, receive, send_and_refresh)


def create_app(settings: Settings | None = None, *, opened: OpenStore | None = None) -> FastAPI:
    """Build the API. Pass ``opened`` to serve a store the caller opened (and will close)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = opened or open_practice(settings)
        app.state.opened = store
        try:
            prepare_store(store, settings)
            if getattr(app.state, "served", False):
                tune_served_process()
            yield
        finally:
            if opened is None:
                store.close()

    app = FastAPI(
        title="Rapport",
        summary="Relationship intelligence for financial-advice practices",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(check_query_parameters)],
    )
    app.state.snapshots = GraphSnapshots(settings.analytics_snapshot_max_age_s)
    app.state.callers = CallerCache(settings.auth_cache_s)
    app.add_middleware(RefreshGraphAfterWrites, snapshots=app.state.snapshots, callers=app.state.callers)
    # Outside the refresh: a replayed answer wrote nothing.
    idempotency.install(app, ttl_s=settings.idempotency_ttl_s)

    problems.install(app)
    app.include_router(health.router)
    # Everything but the health check (and the API's documents) needs an API key.
    authenticated = [Depends(get_caller)]
    for router in (*entities.routers, relationships.router, catalogue.router, analytics.router, tiers.router, access.router,
                   work.router, groups.router):
        app.include_router(router, dependencies=authenticated)
    workspace.install(app)
    # Outermost: the key and the body's size are checked before anything reads the body.
    app.add_middleware(
        RequestGate, max_body_bytes=settings.max_body_bytes, public_paths=public_paths(app), fixed_paths=fixed_paths(app),
        public_tree=workspace.is_workspace_path,
    )
    return app


def public_paths(app: FastAPI) -> set[str]:
    """The paths that take no API key: every route that does not depend on ``get_caller``
    (the health check, the OpenAPI schema and the documentation pages)."""
    return {route.path for route in each_route(app) if not _needs_key(route)}


def _needs_key(route: Any) -> bool:
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        if dependant.call is get_caller:
            return True
        pending.extend(dependant.dependencies)
    return False


def tune_served_process() -> None:
    """Runtime settings for the process that serves ``app.main:app`` (measured with
    bench/api_bench.py; not applied to apps that tests build, which share one process).

    Garbage collection: a 10,000-relationship batch holds a few hundred thousand objects until
    it is written, so the default thresholds (a young collection every 700 new objects) ran
    ~200 young, ~20 older and one or two full collections per batch, each full one walking
    every object the app holds: 0.10-0.18 s of a batch's ~0.5 s of API CPU. Freezing what
    startup built (it lives as long as the process) and collecting young objects every
    50,000 leaves 0.005-0.02 s. Reads are unaffected: reference counting frees what a read
    allocates, and 2,000 reads trigger about 3 young collections either way.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


def __getattr__(name: str) -> FastAPI:
    # ``app.main:app`` is built on first use, so importing this module reads no settings.
    if name == "app":
        globals()["app"] = application = create_app()
        application.state.served = True
        return application
    raise AttributeError(name)
