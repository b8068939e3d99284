"""The ASGI app: ``app.main:app``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import problems
from app.api.deps import reject_unknown_query_parameters
from app.api.routes import analytics, catalogue, entities, health, relationships, tiers
from app.core.config import Settings, get_settings
from app.repositories.factory import OpenStore, open_store
from app.repositories.practice import PracticeRepository
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.practice_graph import GraphSnapshots
from app.services.relationships import RelationshipService
from app.services.sample import load_sample_practice

log = logging.getLogger("rapport")


def prepare_store(opened: OpenStore, settings: Settings) -> None:
    """Default catalogue into a new store; the sample practice into an empty one if wanted."""
    repository = PracticeRepository(opened.store)
    catalogue = CatalogueService(repository)
    catalogue.seed_defaults()
    wanted = settings.sample_data == "yes" or (settings.sample_data == "auto" and opened.kind == "embedded")
    if wanted and repository.count_entities() == 0:
        load_sample_practice(EntityService(repository, catalogue), RelationshipService(repository, catalogue))
        log.info("loaded the sample practice")


class RefreshGraphAfterWrites:
    """Paths and chains read a cached graph; a successful write through this process makes it
    stale. Plain ASGI, so reads pass straight through (Starlette's ``@app.middleware`` costs
    every request a task and a stream)."""

    def __init__(self, app: ASGIApp, snapshots: GraphSnapshots) -> None:
        self.app = app
        self.snapshots = snapshots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return

        async def send_and_refresh(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.snapshots.invalidate()
            await send(message)

        await self.app(scope, receive, send_and_refresh)


def create_app(settings: Settings | None = None, *, opened: OpenStore | None = None) -> FastAPI:
    """Build the API. Pass ``opened`` to serve a store the caller opened (and will close)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = opened or open_store(settings)
        app.state.opened = store
        try:
            prepare_store(store, settings)
            yield
        finally:
            if opened is None:
                store.close()

    app = FastAPI(
        title="Rapport",
        summary="Relationship intelligence for financial-advice practices",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    app.state.snapshots = GraphSnapshots(settings.analytics_snapshot_max_age_s)
    app.add_middleware(RefreshGraphAfterWrites, snapshots=app.state.snapshots)

    problems.install(app)
    app.include_router(health.router)
    for router in entities.routers:
        app.include_router(router)
    app.include_router(relationships.router)
    app.include_router(catalogue.router)
    app.include_router(analytics.router)
    app.include_router(tiers.router)
    return app


def __getattr__(name: str) -> FastAPI:
    # ``app.main:app`` is built on first use, so importing this module reads no settings.
    if name == "app":
        globals()["app"] = application = create_app()
        return application
    raise AttributeError(name)
