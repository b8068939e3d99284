"""Dependencies the routes ask for, as ``Annotated`` aliases.

The providers only assemble objects (no I/O), so they are ``async def``: FastAPI runs them
on the event loop instead of sending each through the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.relationships import RelationshipService


async def get_store(request: Request) -> GraphStore:
    return request.app.state.opened.store


StoreDep = Annotated[GraphStore, Depends(get_store)]


async def get_repository(store: StoreDep) -> PracticeRepository:
    return PracticeRepository(store)


RepositoryDep = Annotated[PracticeRepository, Depends(get_repository)]


async def get_catalogue(repository: RepositoryDep) -> CatalogueService:
    return CatalogueService(repository)


CatalogueDep = Annotated[CatalogueService, Depends(get_catalogue)]


async def get_entities(repository: RepositoryDep, catalogue: CatalogueDep) -> EntityService:
    return EntityService(repository, catalogue)


EntitiesDep = Annotated[EntityService, Depends(get_entities)]


async def get_relationships(repository: RepositoryDep, catalogue: CatalogueDep) -> RelationshipService:
    return RelationshipService(repository, catalogue)


RelationshipsDep = Annotated[RelationshipService, Depends(get_relationships)]

#: Cursor pagination: pass a page's ``next_cursor`` as ``after``.
AfterQuery = Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=500)]
