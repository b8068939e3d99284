"""Routes for relationships between entities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ETAG_HEADER, AfterQuery, IfMatchDep, LimitQuery, RelationshipsDep, etag
from app.domain.fields import DEFAULT_PAGE_SIZE
from app.domain.model import RelationshipCategory
from app.schemas.common import Page
from app.schemas.relationships import (
    RelationshipCreate,
    RelationshipPublic,
    RelationshipsBatchCreate,
    RelationshipsBatchPublic,
    RelationshipUpdate,
)

router = APIRouter(prefix="/relationships", tags=["relationships"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RelationshipPublic, responses={201: {"headers": ETAG_HEADER}})
def create_relationship(body: RelationshipCreate, service: RelationshipsDep, response: Response) -> Any:
    relationship = service.create(body.model_dump(mode="json"))
    response.headers["Location"] = f"/relationships/{relationship['id']}"
    response.headers["ETag"] = etag(relationship["version"])
    return relationship


@router.post(
    "/batch", status_code=status.HTTP_201_CREATED, response_model=RelationshipsBatchPublic,
    summary="Create many relationships at once: all are checked, then all or none are created",
)
def create_relationships(body: RelationshipsBatchCreate, service: RelationshipsDep) -> Any:
    # One dump of the whole batch: pydantic-core then walks the 10,000 items in Rust, not one call each.
    ids = service.create_batch(body.model_dump(mode="json")["relationships"])
    return {"created": len(ids), "ids": ids}


@router.get("", response_model=Page[RelationshipPublic])
def list_relationships(
    service: RelationshipsDep, after: AfterQuery = None, limit: LimitQuery = DEFAULT_PAGE_SIZE,
    type: Annotated[str | None, Query(max_length=63)] = None,
    category: RelationshipCategory | None = None,
    include_ended: bool = False,
) -> Any:
    items, next_cursor = service.list(
        after=after, limit=limit, type_code=type, category=category, include_ended=include_ended
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{relationship_id}", response_model=RelationshipPublic, responses={200: {"headers": ETAG_HEADER}})
def read_relationship(relationship_id: str, service: RelationshipsDep, response: Response) -> Any:
    relationship = service.get(relationship_id)
    response.headers["ETag"] = etag(relationship["version"])
    return relationship


@router.patch(
    "/{relationship_id}", response_model=RelationshipPublic, summary="Change dates, strength or notes; set until to end it",
    responses={200: {"headers": ETAG_HEADER}},
)
def update_relationship(
    relationship_id: str, body: RelationshipUpdate, service: RelationshipsDep, if_match: IfMatchDep, response: Response,
) -> Any:
    expected = if_match.expected_version(lambda: service.get(relationship_id)["version"])
    relationship = service.update(relationship_id, body.model_dump(mode="json", exclude_unset=True), expected_version=expected)
    response.headers["ETag"] = etag(relationship["version"])
    return relationship


@router.delete("/{relationship_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_relationship(relationship_id: str, service: RelationshipsDep, if_match: IfMatchDep) -> Response:
    expected = if_match.expected_version(lambda: service.get(relationship_id)["version"])
    service.delete(relationship_id, expected_version=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
