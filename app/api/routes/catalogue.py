"""Routes for the relationship-type catalogue and the category lists."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from app.api.deps import CatalogueDep
from app.domain.catalogue import CategoryList, RelationshipTypeSpec
from app.schemas.relationships import (
    CategoryCreate,
    CategoryPublic,
    CategoryUpdate,
    RelationshipTypeCreate,
    RelationshipTypePublic,
    RelationshipTypeUpdate,
)

router = APIRouter()


def _type_public(spec: RelationshipTypeSpec) -> dict[str, Any]:
    return {**spec.to_properties(), "symmetric": spec.symmetric}


@router.get("/relationship-types", response_model=list[RelationshipTypePublic], tags=["relationship types"])
def list_relationship_types(service: CatalogueDep) -> Any:
    return [_type_public(spec) for spec in service.relationship_types()]


@router.post(
    "/relationship-types", status_code=status.HTTP_201_CREATED, response_model=RelationshipTypePublic,
    tags=["relationship types"],
)
def create_relationship_type(body: RelationshipTypeCreate, service: CatalogueDep) -> Any:
    return _type_public(service.create_relationship_type(body.model_dump(mode="json")))


@router.get("/relationship-types/{code}", response_model=RelationshipTypePublic, tags=["relationship types"])
def read_relationship_type(code: str, service: CatalogueDep) -> Any:
    return _type_public(service.relationship_type(code))


@router.patch("/relationship-types/{code}", response_model=RelationshipTypePublic, tags=["relationship types"])
def update_relationship_type(code: str, body: RelationshipTypeUpdate, service: CatalogueDep) -> Any:
    return _type_public(service.update_relationship_type(code, body.model_dump(mode="json", exclude_unset=True)))


@router.delete("/relationship-types/{code}", status_code=status.HTTP_204_NO_CONTENT, tags=["relationship types"])
def delete_relationship_type(code: str, service: CatalogueDep) -> Response:
    service.delete_relationship_type(code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/categories/{list_name}", response_model=list[CategoryPublic], tags=["categories"])
def list_categories(list_name: CategoryList, service: CatalogueDep) -> Any:
    return service.categories(list_name)


@router.post(
    "/categories/{list_name}", status_code=status.HTTP_201_CREATED, response_model=CategoryPublic, tags=["categories"]
)
def create_category(list_name: CategoryList, body: CategoryCreate, service: CatalogueDep) -> Any:
    return service.create_category(list_name, body.model_dump(mode="json"))


@router.patch("/categories/{list_name}/{code}", response_model=CategoryPublic, tags=["categories"])
def update_category(list_name: CategoryList, code: str, body: CategoryUpdate, service: CatalogueDep) -> Any:
    return service.update_category(list_name, code, body.model_dump(mode="json", exclude_unset=True))


@router.delete("/categories/{list_name}/{code}", status_code=status.HTTP_204_NO_CONTENT, tags=["categories"])
def delete_category(list_name: CategoryList, code: str, service: CatalogueDep) -> Response:
    service.delete_category(list_name, code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
