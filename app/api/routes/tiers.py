"""Routes for client tiers and the cycle of service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ServiceCycleDep, TiersDep
from app.api.routes.suggestion_runs import RunRoutes, add_run_routes
from app.domain.model import PracticeRecordKind
from app.domain.service_cycle import DEFAULT_UPCOMING_DAYS, MAX_DAYS_AHEAD
from app.domain.tiers import Tier
from app.schemas.common import IsoDate
from app.schemas.tiers import (
    ApplyTiers,
    ClientServicePublic,
    HouseholdRollupPublic,
    ImportantDateCreate,
    ImportantDatePublic,
    OwnerOverduePublic,
    ServiceRequestCreate,
    ServiceRequestPublic,
    ServiceTemplatePublic,
    ServiceTemplateUpdate,
    TierApplicationPublic,
    TierRunCreate,
    TierRunPublic,
    TierSuggestionPage,
    TouchCreate,
    TouchPublic,
    UpcomingDatePublic,
)
from app.services.service_cycle import ServiceCycleService
from app.services.tiers import TIERS, settings_from

Today = Annotated[IsoDate | None, Query(description="the day the report is for (default today)")]

router = APIRouter(tags=["tiers and cycle of service"])


# -- tier runs ------------------------------------------------------------------------------------
@router.post("/tiers/runs", status_code=status.HTTP_201_CREATED, response_model=TierRunPublic,
             summary="Suggest a tier for every client, with reasons; the run is stored")
def create_tier_run(body: TierRunCreate, service: TiersDep) -> Any:
    values = body.model_dump(exclude_unset=True)
    as_of = values.pop("as_of", None)
    return service.run(settings_from(values), as_of=as_of)


TIER_ROUTES = RunRoutes(
    kind=TIERS, service=TiersDep, base="/tiers", suggestions="suggestions", values="tiers",
    run=TierRunPublic, page=TierSuggestionPage, application=TierApplicationPublic, apply_body=ApplyTiers,
    summaries=("A run's suggested tiers with their reasons, in client-name order",
               "Where a run's suggested tier differs from the tier assigned when it ran"),
    names=("list_tier_runs", "read_tier_run", "delete_tier_run", "tier_suggestions", "tier_differences", "apply_tiers",
           "list_tier_applications"),
)
add_run_routes(router, TIER_ROUTES)


# -- service-level templates ------------------------------------------------------------------------
@router.get("/service/templates", response_model=list[ServiceTemplatePublic],
            summary="The level of service of each tier")
def list_templates(service: ServiceCycleDep) -> Any:
    return service.templates()


@router.get("/service/templates/{tier}", response_model=ServiceTemplatePublic)
def read_template(tier: Tier, service: ServiceCycleDep) -> Any:
    return service.template(tier)


@router.patch("/service/templates/{tier}", response_model=ServiceTemplatePublic,
              summary="Change some fields of a tier's level of service")
def update_template(tier: Tier, body: ServiceTemplateUpdate, service: ServiceCycleDep) -> Any:
    return service.set_template(tier, body.model_dump(mode="json", exclude_none=True))


# -- touches and service requests ------------------------------------------------------------------
@router.post("/clients/{client_id}/touches", status_code=status.HTTP_201_CREATED, response_model=TouchPublic,
             summary="Record a personal touch with a client")
def create_touch(client_id: str, body: TouchCreate, service: ServiceCycleDep) -> Any:
    return service.record(PracticeRecordKind.touch, client_id, body.model_dump(mode="json"))


@router.get("/clients/{client_id}/touches", response_model=list[TouchPublic], summary="A client's touches, newest first")
def list_touches(client_id: str, service: ServiceCycleDep,
                 year: Annotated[int | None, Query(ge=1900, le=2999)] = None) -> Any:
    return service.records(PracticeRecordKind.touch, client_id, year=year)


@router.post("/clients/{client_id}/service-requests", status_code=status.HTTP_201_CREATED,
             response_model=ServiceRequestPublic, summary="Record a service request from a client")
def create_service_request(client_id: str, body: ServiceRequestCreate, service: ServiceCycleDep) -> Any:
    return service.record(PracticeRecordKind.service_request, client_id, body.model_dump(mode="json"))


@router.get("/clients/{client_id}/service-requests", response_model=list[ServiceRequestPublic],
            summary="A client's service requests, newest first")
def list_service_requests(client_id: str, service: ServiceCycleDep,
                          year: Annotated[int | None, Query(ge=1900, le=2999)] = None) -> Any:
    return service.records(PracticeRecordKind.service_request, client_id, year=year)


# -- important dates ---------------------------------------------------------------------------------
def _add_date(entity_id: str, body: ImportantDateCreate, service: ServiceCycleService) -> Any:
    return service.add_important_date(entity_id, body.model_dump(mode="json"))


@router.post("/clients/{entity_id}/important-dates", status_code=status.HTTP_201_CREATED,
             response_model=ImportantDatePublic, summary="Keep an important date on a client")
def create_client_date(entity_id: str, body: ImportantDateCreate, service: ServiceCycleDep) -> Any:
    return _add_date(entity_id, body, service)


@router.post("/people/{entity_id}/important-dates", status_code=status.HTTP_201_CREATED,
             response_model=ImportantDatePublic, summary="Keep an important date on a person")
def create_person_date(entity_id: str, body: ImportantDateCreate, service: ServiceCycleDep) -> Any:
    return _add_date(entity_id, body, service)


@router.get("/clients/{entity_id}/important-dates", response_model=list[ImportantDatePublic])
def list_client_dates(entity_id: str, service: ServiceCycleDep) -> Any:
    return service.important_dates(entity_id)


@router.get("/people/{entity_id}/important-dates", response_model=list[ImportantDatePublic],
            summary="A person's important dates, their birthday from the birth date included")
def list_person_dates(entity_id: str, service: ServiceCycleDep) -> Any:
    return service.important_dates(entity_id)


@router.delete("/service/important-dates/{important_date_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_important_date(important_date_id: str, service: ServiceCycleDep) -> Response:
    service.delete_important_date(important_date_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- reports -------------------------------------------------------------------------------------------
@router.get("/service/report", response_model=list[ClientServicePublic],
            summary="For each client: touches due and done this year, and the next review")
def service_report(service: ServiceCycleDep, today: Today = None,
                   owner_id: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    return service.client_report(today=today, owner_id=owner_id)


@router.get("/service/overdue", response_model=list[OwnerOverduePublic],
            summary="For each owner, their clients behind on touches or due a review")
def overdue_clients(service: ServiceCycleDep, today: Today = None,
                    owner_id: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    return service.overdue_by_owner(today=today, owner_id=owner_id)


@router.get("/service/upcoming-dates", response_model=list[UpcomingDatePublic],
            summary="Birthdays, anniversaries and review dates in the next N days")
def upcoming_dates(service: ServiceCycleDep, days: Annotated[int, Query(ge=0, le=MAX_DAYS_AHEAD)] = DEFAULT_UPCOMING_DAYS,
                   today: Today = None) -> Any:
    return service.upcoming_dates(days=days, today=today)


@router.get("/service/households", response_model=list[HouseholdRollupPublic],
            summary="Each household's revenue and assets with its members")
def household_rollups(service: ServiceCycleDep, client_id: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    return service.household_rollups(client_id=client_id)
