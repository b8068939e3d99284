"""The routes of a kind of suggestion run (``app.services.suggestion_runs``), written once for
every kind: list, read and delete runs, page a run's suggestions and the differences from what
is assigned, apply them, list the applications. Each kind's router adds its own route to make
a run first, then these."""

# No ``from __future__ import annotations``: FastAPI must see the real classes and the
# dependency that each call of ``add_run_routes`` closes over.
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from app.api.deps import LimitQuery, PositionQuery
from app.domain.fields import DEFAULT_PAGE_SIZE
from app.services.suggestion_runs import RunKind


@dataclass(frozen=True)
class RunRoutes:
    """What one kind's routes are called, take and show. The names are the routes' own (each
    operation id is its name with its path and method)."""

    kind: RunKind
    #: The kind's service, as a dependency (``app.api.deps``).
    service: Any
    #: Before ``/runs`` and ``/applications`` in the router's paths.
    base: str
    #: The last part of the path of a run's suggestions ("scores").
    suggestions: str
    #: A stored run, a page of suggestions and an application as shown, and the body applying a run.
    run: type[BaseModel]
    page: type[BaseModel]
    application: type[BaseModel]
    apply_body: type[BaseModel]
    #: What a run suggests, many ("segments"), in summaries.
    values: str
    #: The summaries of a run's suggestions and of its differences.
    summaries: tuple[str, str]
    #: The routes' names, in the order they are added: listing, reading and deleting runs;
    #: paging suggestions and differences; applying; listing applications.
    names: tuple[str, str, str, str, str, str, str]


def add_run_routes(router: APIRouter, routes: RunRoutes) -> None:
    """Add a kind's run routes to its router."""
    service_dep, base = routes.service, routes.base
    list_name, read_name, delete_name, suggestions_name, differences_name, apply_name, applications_name = routes.names
    #: The apply body's list of subjects: "entity_ids" (the rest are the service's keywords).
    subject_ids = f"{routes.kind.storage.subject_id}s"

    @router.get(f"{base}/runs", response_model=list[routes.run], name=list_name,
                summary=f"Stored {routes.kind.name}s, newest first")
    def list_runs(service: service_dep, limit: LimitQuery = 100) -> Any:  # type: ignore[valid-type]
        return service.runs(limit=limit)

    @router.get(f"{base}/runs/{{run_id}}", response_model=routes.run, name=read_name)
    def read_run(run_id: str, service: service_dep) -> Any:  # type: ignore[valid-type]
        return service.get(run_id)

    @router.delete(f"{base}/runs/{{run_id}}", status_code=status.HTTP_204_NO_CONTENT, name=delete_name)
    def delete_run(run_id: str, service: service_dep) -> Response:  # type: ignore[valid-type]
        service.delete(run_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    def add_page(path: str, name: str, summary: str, differing_only: bool) -> None:
        @router.get(f"{base}/runs/{{run_id}}/{path}", response_model=routes.page, name=name, summary=summary)
        def page(
            run_id: str, service: service_dep, after: PositionQuery = 0, limit: LimitQuery = DEFAULT_PAGE_SIZE,  # type: ignore[valid-type]
        ) -> Any:
            return service.suggestions(run_id, after=after, limit=limit, differing_only=differing_only)

    add_page(routes.suggestions, suggestions_name, routes.summaries[0], differing_only=False)
    add_page("differences", differences_name, routes.summaries[1], differing_only=True)

    @router.post(f"{base}/runs/{{run_id}}/apply", status_code=status.HTTP_201_CREATED, response_model=routes.application,
                 name=apply_name,
                 summary=f"Give {routes.kind.subjects} the {routes.values} a run suggested (recorded as an application)")
    def apply(run_id: str, body: routes.apply_body, service: service_dep) -> Any:  # type: ignore[valid-type]
        values = body.model_dump()
        return service.apply(run_id, values.pop(subject_ids), **values)

    @router.get(f"{base}/applications", response_model=list[routes.application],
                name=applications_name, summary=f"Every application of suggested {routes.values}, newest first")
    def list_applications(service: service_dep, limit: LimitQuery = 100) -> Any:  # type: ignore[valid-type]
        return service.applications(limit=limit)
