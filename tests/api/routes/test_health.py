"""GET /health, and the generated documentation."""

from __future__ import annotations

from api.helpers import ENTITY_PATHS, get, ok


def test_health_reports_ok_and_the_store(client, store):
    body = get(client, "/health")
    assert body["status"] == "ok"
    assert body["store"] == store.dialect.value


def test_docs_page_is_served(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def test_openapi_document_lists_every_route(client):
    paths = ok(client.get("/openapi.json"))["paths"]
    expected = {"/health", "/relationships", "/relationships/batch", "/relationships/{relationship_id}",
                "/relationship-types", "/relationship-types/{code}", "/categories/{list_name}",
                "/categories/{list_name}/{code}", "/people/{entity_id}/memberships"}
    for path in ENTITY_PATHS:
        expected |= {f"/{path}", f"/{path}/{{entity_id}}", f"/{path}/{{entity_id}}/relationships",
                     f"/{path}/{{entity_id}}/network"}
    assert expected <= paths.keys()
    assert {"get", "post"} <= paths["/clients"].keys()
    assert {"get", "patch", "delete"} <= paths["/clients/{entity_id}"].keys()
