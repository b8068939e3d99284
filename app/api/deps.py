"""Dependencies the routes ask for, as ``Annotated`` aliases.

The providers only assemble objects (no I/O), so they are ``async def``: FastAPI runs them
on the event loop instead of sending each through the thread pool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.domain.errors import InvalidInput

from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.analytics import AnalyticsService
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.relationships import RelationshipService
from app.services.service_cycle import ServiceCycleService
from app.services.tiers import TierService


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

async def get_analytics(request: Request, repository: RepositoryDep, catalogue: CatalogueDep) -> AnalyticsService:
    return AnalyticsService(repository, catalogue, request.app.state.snapshots)


AnalyticsDep = Annotated[AnalyticsService, Depends(get_analytics)]

async def get_tiers(repository: RepositoryDep) -> TierService:
    return TierService(repository)


TiersDep = Annotated[TierService, Depends(get_tiers)]


async def get_service_cycle(repository: RepositoryDep) -> ServiceCycleService:
    return ServiceCycleService(repository)


ServiceCycleDep = Annotated[ServiceCycleService, Depends(get_service_cycle)]

#: Cursor pagination: pass a page's ``next_cursor`` as ``after``.
AfterQuery = Annotated[str | None, Query(max_length=100, description="next_cursor of the previous page")]
LimitQuery = Annotated[int, Query(ge=1, le=500)]
#: Cursor of pages in rank order (runs' scores and suggestions): the last position seen.
PositionQuery = Annotated[int, Query(ge=0, description="next_cursor of the previous page")]


async def reject_unknown_query_parameters(request: Request) -> None:
    """A misspelt filter must not silently return everything: unknown parameters are a 422."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _DECLARED_QUERY_NAMES.get(route.unique_id)
    if allowed is None:
        allowed = _DECLARED_QUERY_NAMES[route.unique_id] = _declared_query_names(route)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise InvalidInput(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"this endpoint takes {', '.join(sorted(allowed)) or 'none'}",
            allowed=sorted(allowed),
            errors=[{"location": ["query", name], "message": "unknown query parameter", "type": "extra_forbidden"} for name in unknown],
        )


_DECLARED_QUERY_NAMES: dict[str, frozenset[str]] = {}


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for field in dependant.query_params:
            model = field.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):  # a query-parameter model
                names.update(info.alias or name for name, info in model.model_fields.items())
            else:
                names.add(field.alias)
    return frozenset(names)
