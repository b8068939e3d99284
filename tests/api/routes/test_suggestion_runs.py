"""The run routes written once for both kinds of suggestion run (``add_run_routes``): what each
route asks of the kind's service, on a fake service (no store), and the paths and operation
ids each kind keeps. What the services do is tested over the API in test_analytics.py and
test_tiers.py."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from app.api.routes import analytics, tiers
from app.api.routes.suggestion_runs import add_run_routes
from app.main import create_app


class _Recorder:
    """A run service that records each call and answers with what the route's model takes."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def runs(self, *, limit: int) -> list:
        self.calls.append(("runs", limit))
        return []

    def delete(self, run_id: str) -> None:
        self.calls.append(("delete", run_id))

    def suggestions(self, run_id: str, **options: Any) -> dict:
        self.calls.append(("suggestions", run_id, options))
        return {"items": [], "next_cursor": None}

    def apply(self, run_id: str, subject_ids: Any, **options: Any) -> dict:
        self.calls.append(("apply", run_id, subject_ids, options))
        return {"id": "a1", "run_id": run_id, "applied_at": "2026-11-23T00:00:00Z", "requested": 1, "applied": 0,
                "changes": []}

    def applications(self, *, limit: int) -> list:
        self.calls.append(("applications", limit))
        return []


@pytest.mark.parametrize(("routes", "base", "apply_body", "applied"), [
    (analytics.SCORING_ROUTES, "", {"entity_ids": ["e1"]}, ("apply", "r1", ["e1"], {})),
    (tiers.TIER_ROUTES, "/tiers", {"client_ids": ["c1"], "applied_by": "t1"}, ("apply", "r1", ["c1"], {"applied_by": "t1"})),
])
def test_each_route_asks_the_kinds_service(routes, base, apply_body, applied):
    recorder = _Recorder()
    router = APIRouter()
    add_run_routes(router, replace(routes, service=Annotated[_Recorder, Depends(lambda: recorder)]))
    app = FastAPI()
    app.include_router(router)
    client = TestClient(app)

    assert client.get(f"{base}/runs", params={"limit": 5}).status_code == 200
    assert client.delete(f"{base}/runs/r1").status_code == 204
    assert client.get(f"{base}/runs/r1/{routes.suggestions}", params={"after": 2, "limit": 3}).status_code == 200
    assert client.get(f"{base}/runs/r1/differences").status_code == 200
    assert client.post(f"{base}/runs/r1/apply", json=apply_body).status_code == 201
    assert client.get(f"{base}/applications").status_code == 200
    assert recorder.calls == [
        ("runs", 5), ("delete", "r1"), ("suggestions", "r1", {"after": 2, "limit": 3, "differing_only": False}),
        ("suggestions", "r1", {"after": 0, "limit": 50, "differing_only": True}), applied, ("applications", 100),
    ]


def test_each_kind_keeps_its_paths_and_operation_ids():
    operations = {
        (path, method): operation["operationId"]
        for path, methods in create_app().openapi()["paths"].items() for method, operation in methods.items()
    }
    for base, names in (
        ("/analytics", ("list_runs", "read_run", "delete_run", "run_scores", "run_differences", "apply_suggestions",
                        "list_applications")),
        ("/tiers", ("list_tier_runs", "read_tier_run", "delete_tier_run", "tier_suggestions", "tier_differences",
                    "apply_tiers", "list_tier_applications")),
    ):
        suggestions = "scores" if base == "/analytics" else "suggestions"
        paths = [("/runs", "get"), ("/runs/{run_id}", "get"), ("/runs/{run_id}", "delete"),
                 (f"/runs/{{run_id}}/{suggestions}", "get"), ("/runs/{run_id}/differences", "get"),
                 ("/runs/{run_id}/apply", "post"), ("/applications", "get")]
        for (path, method), name in zip(paths, names, strict=True):
            suffix = f"{base}{path}".replace("/", "_").replace("{", "_").replace("}", "_").replace("-", "_")
            assert operations[(f"{base}{path}", method)] == f"{name}{suffix}_{method}"
