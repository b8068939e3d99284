"""Routes for the five entity kinds; each kind gets the same CRUD, relationships and network."""

# No ``from __future__ import annotations``: FastAPI must see the real schema classes that
# each call of ``entity_router`` closes over.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from app.api.deps import (
    ETAG_HEADER,
    LIKELY_DUPLICATES_HEADER,
    EntitiesDep,
    IfMatchDep,
    RelationshipsDep,
    etag,
    likely_duplicates_warning,
)
from app.domain.model import MAX_NETWORK_DEPTH, EntityKind, RelationshipCategory
from app.schemas import entities as s
from app.services.merging import MERGEABLE_KINDS
from app.schemas.common import Page
from app.schemas.relationships import EntityRelationshipPublic, MembershipPublic, NetworkPublic



def entity_router(
    kind: EntityKind, create: type[BaseModel], update: type[BaseModel], public: type[BaseModel],
    filters: type[s.ListFilters], detail: type[BaseModel] | None = None, created: type[BaseModel] | None = None,
) -> APIRouter:
    noun = kind.value.replace("_", " ")
    router = APIRouter(prefix=f"/{kind.path}", tags=[kind.path])
    detail = detail or public

    @router.post(
        "", status_code=status.HTTP_201_CREATED, response_model=created or public, summary=f"Create a {noun}",
        responses={201: {"headers": {**ETAG_HEADER, **(LIKELY_DUPLICATES_HEADER if created else {})}}},
    )
    def create_entity(body: create, service: EntitiesDep, response: Response) -> Any:  # type: ignore[valid-type]
        entity = service.create(kind, body.model_dump(mode="json", exclude_unset=True))
        response.headers["Location"] = f"/{kind.path}/{entity['id']}"
        response.headers["ETag"] = etag(entity["version"])
        if entity.get("likely_duplicates"):
            response.headers["Warning"] = likely_duplicates_warning(len(entity["likely_duplicates"]))
        return entity

    @router.get("", response_model=Page[public], summary=f"List {kind.path}")
    def list_entities(query: Annotated[filters, Query()], service: EntitiesDep) -> Any:  # type: ignore[valid-type]
        values = query.model_dump(mode="json")
        after, limit = values.pop("after"), values.pop("limit")
        items, next_cursor = service.list(kind, values, after=after, limit=limit)
        return {"items": items, "next_cursor": next_cursor}

    @router.get("/{entity_id}", response_model=detail, summary=f"Read a {noun}", responses={200: {"headers": ETAG_HEADER}})
    async def read_entity(entity_id: str, service: EntitiesDep, response: Response) -> Any:
        # The store read goes to the thread pool; the answer is checked and written on the
        # event loop (a plain ``def`` route would send that through the pool a second time).
        if kind is EntityKind.client:
            entity = await run_in_threadpool(service.client_detail, entity_id)
        else:
            entity = await run_in_threadpool(service.get, kind, entity_id)
        response.headers["ETag"] = etag(entity["version"])
        return entity

    @router.patch(
        "/{entity_id}", response_model=public, summary=f"Change some fields of a {noun}",
        responses={200: {"headers": ETAG_HEADER}},
    )
    def update_entity(
        entity_id: str, body: update, service: EntitiesDep, if_match: IfMatchDep, response: Response,  # type: ignore[valid-type]
    ) -> Any:
        expected = if_match.expected_version(lambda: service.get(kind, entity_id)["version"])
        entity = service.update(kind, entity_id, body.model_dump(mode="json", exclude_unset=True), expected_version=expected)
        response.headers["ETag"] = etag(entity["version"])
        return entity

    @router.delete("/{entity_id}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete a {noun}")
    def delete_entity(
        entity_id: str, service: EntitiesDep, if_match: IfMatchDep,
        cascade: Annotated[bool, Query(description="also delete its relationships and clear references to it")] = False,
    ) -> Response:
        expected = if_match.expected_version(lambda: service.get(kind, entity_id)["version"])
        service.delete(kind, entity_id, cascade=cascade, expected_version=expected)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.get(
        "/{entity_id}/relationships", response_model=list[EntityRelationshipPublic],
        summary=f"A {noun}'s relationships, phrased with the {noun} first",
    )
    def entity_relationships(
        entity_id: str, service: RelationshipsDep,
        category: RelationshipCategory | None = None,
        include_ended: Annotated[bool, Query(description="include ended relationships (history)")] = False,
    ) -> Any:
        return service.of_entity(kind, entity_id, category=category, include_ended=include_ended)

    @router.get("/{entity_id}/network", response_model=NetworkPublic, summary=f"The {noun}'s ego network")
    def entity_network(
        entity_id: str, service: RelationshipsDep,
        depth: Annotated[int, Query(ge=1, le=MAX_NETWORK_DEPTH)] = 1,
        max_nodes: Annotated[int, Query(ge=1, le=2000)] = 500,
    ) -> Any:
        return service.network(kind, entity_id, depth=depth, max_nodes=max_nodes)

    if kind in MERGEABLE_KINDS:

        @router.post(
            "/{entity_id}/merge", response_model=s.Merged[public], responses={200: {"headers": ETAG_HEADER}},
            summary=f"Merge a duplicate {noun} into this one",
            description=f"In one write: the duplicate's relationships (active and ended) move to this {noun}, "
                        "those between the two are dropped; this one's empty fields take the duplicate's values; "
                        "its touches, service requests and important dates move; the duplicate is deleted. "
                        "Refused (409, nothing changed) where a move would repeat an active relationship or "
                        "give a client two holders of a singular role.",
        )
        def merge_entity(entity_id: str, body: s.MergeBody, service: EntitiesDep, response: Response) -> Any:
            expected = body.expected_versions.model_dump() if body.expected_versions else None
            merged = service.merge(kind, entity_id, body.duplicate_id, expected_versions=expected)
            response.headers["ETag"] = etag(merged["kept"]["version"])
            return merged

    if kind is EntityKind.person:

        @router.get(
            "/{entity_id}/memberships", response_model=list[MembershipPublic],
            summary="The clients a person belongs to, each once, with every role the person holds there",
        )
        def person_memberships(
            entity_id: str, service: RelationshipsDep, include_ended: bool = False
        ) -> Any:
            return service.memberships(entity_id, include_ended=include_ended)

    return router


routers = [
    entity_router(EntityKind.client, s.ClientCreate, s.ClientUpdate, s.ClientPublic, s.ClientFilters, s.ClientDetailPublic,
                  s.ClientCreated),
    entity_router(EntityKind.person, s.PersonCreate, s.PersonUpdate, s.PersonPublic, s.PersonFilters,
                  created=s.PersonCreated),
    entity_router(EntityKind.team_member, s.TeamMemberCreate, s.TeamMemberUpdate, s.TeamMemberPublic, s.TeamMemberFilters),
    entity_router(EntityKind.provider, s.ProviderCreate, s.ProviderUpdate, s.ProviderPublic, s.ProviderFilters),
    entity_router(EntityKind.division, s.DivisionCreate, s.DivisionUpdate, s.DivisionPublic, s.DivisionFilters),
]
