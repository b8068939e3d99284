"""Helpers for the API tests: create things, read problem details, snapshot the whole practice.

Every helper asserts the happy-path status it expects, so a test reads as a list of steps and
fails at the step that went wrong.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

PROBLEM_JSON = "application/problem+json"
ENTITY_PATHS = ("clients", "people", "team-members", "providers", "divisions")
CATEGORY_LISTS = ("stages", "segments", "sources", "influencer-segments")
#: The smallest valid body of each entity kind.
MINIMAL = {
    "clients": {"name": "Elliott Household", "kind": "household"},
    "people": {"first_name": "John", "last_name": "Elliott"},
    "team-members": {"name": "Anna Shaw", "role": "adviser"},
    "providers": {"name": "Harper & Cole Solicitors", "kind": "law_firm"},
    "divisions": {"name": "London Office"},
}
#: The 19 relationship types of a new practice.
DEFAULT_TYPE_CODES = {
    "PRIMARY_CONTACT_AT", "PARTNER_CONTACT_AT", "DEPENDANT_IN", "DIRECTOR_AT", "EMPLOYEE_AT", "MEMBER_OF",
    "REFERRER_OF", "INTRODUCER_OF", "ADVISER_OF", "PARAPLANNER_FOR", "CLIENT_SERVICE_LEAD_FOR", "SOLICITOR_FOR",
    "ACCOUNTANT_FOR", "WORKS_AT",
    "MEMBER_OF_DIVISION", "SPOUSE_OF", "PARENT_OF", "SIBLING_OF", "RELATED_HOUSEHOLD_OF",
    "BUSINESS_GROUP_WITH", "ACQUAINTANCE_OF",
}
#: The sample practice holds 31 active relationships and one ended one (Ben Carter, accountant),
#: and lists 5 more: its 5 clients' ownerships (each owner_id, read as OWNER_OF; not stored).
SAMPLE_OWNERSHIPS = 5
SAMPLE_ACTIVE_RELATIONSHIPS = 31 + SAMPLE_OWNERSHIPS
SAMPLE_ALL_RELATIONSHIPS = 32 + SAMPLE_OWNERSHIPS


# -- reading responses ------------------------------------------------------------------------
def ok(response: Response, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json()


def problem(response: Response, status: int) -> dict[str, Any]:
    """The body of an RFC 9457 problem response with ``status``; checks its shape."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys(), body
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def get(client: TestClient, url: str, **params: Any) -> Any:
    return ok(client.get(url, params=params))


# -- creating things --------------------------------------------------------------------------
def create(client: TestClient, path: str, **fields: Any) -> dict[str, Any]:
    """POST one entity; checks the 201 and its Location header."""
    response = client.post(f"/{path}", json=fields)
    body = ok(response, 201)
    assert response.headers["location"] == f"/{path}/{body['id']}"
    return body


def create_minimal(client: TestClient, path: str, **overrides: Any) -> dict[str, Any]:
    return create(client, path, **{**MINIMAL[path], **overrides})


def create_client(client: TestClient, name: str = "Elliott Household", kind: str = "household", **fields: Any) -> dict[str, Any]:
    return create(client, "clients", name=name, kind=kind, **fields)


def create_person(client: TestClient, first_name: str = "John", last_name: str = "Elliott", **fields: Any) -> dict[str, Any]:
    return create(client, "people", first_name=first_name, last_name=last_name, **fields)


def create_team_member(client: TestClient, name: str = "Anna Shaw", role: str = "adviser", **fields: Any) -> dict[str, Any]:
    return create(client, "team-members", name=name, role=role, **fields)


def create_provider(client: TestClient, name: str = "Brightside Accountants", kind: str = "accountancy", **fields: Any) -> dict[str, Any]:
    return create(client, "providers", name=name, kind=kind, **fields)


def create_division(client: TestClient, name: str = "London Office", **fields: Any) -> dict[str, Any]:
    return create(client, "divisions", name=name, **fields)


def relate(client: TestClient, type_code: str, from_id: str, to_id: str, **fields: Any) -> dict[str, Any]:
    """POST one relationship; checks the 201 and its Location header."""
    response = client.post("/relationships", json={"type": type_code, "from_id": from_id, "to_id": to_id, **fields})
    body = ok(response, 201)
    assert response.headers["location"] == f"/relationships/{body['id']}"
    return body


def create_relationship_type(client: TestClient, code: str = "TRUSTEE_FOR", **fields: Any) -> dict[str, Any]:
    body = {
        "code": code, "phrase": "a Trustee for", "reverse_phrase": "has Trustee", "category": "professional",
        "from_kinds": ["person"], "to_kinds": ["client"], **fields,
    }
    return ok(client.post("/relationship-types", json=body), 201)


# -- reading state ----------------------------------------------------------------------------
def walk(client: TestClient, url: str, limit: int, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list, following ``next_cursor`` until it is null."""
    items: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):
        query = {**params, "limit": limit, **({"after": after} if after is not None else {})}
        page = get(client, url, **query)
        assert len(page["items"]) <= limit
        items += page["items"]
        after = page["next_cursor"]
        if after is None:
            return items
        assert len(page["items"]) == limit, "only the last page may be short"
    raise AssertionError("pagination never ended")


def everything(client: TestClient, url: str, **params: Any) -> list[dict[str, Any]]:
    """A whole list in one page (the tests hold far fewer than 500 items)."""
    page = get(client, url, limit=500, **params)
    assert page["next_cursor"] is None
    return page["items"]


def snapshot(client: TestClient) -> dict[str, Any]:
    """The whole practice as the API shows it: compare two to prove nothing changed."""
    state: dict[str, Any] = {path: everything(client, f"/{path}") for path in ENTITY_PATHS}
    state["relationships"] = everything(client, "/relationships", include_ended="true")
    state["relationship-types"] = get(client, "/relationship-types")
    for name in CATEGORY_LISTS:
        state[f"categories/{name}"] = get(client, f"/categories/{name}")
    return state


def ids(client: TestClient, path: str) -> dict[str, str]:
    """Entity ids of one kind by name (names are unique within a kind in the sample)."""
    return {item["name"]: item["id"] for item in everything(client, f"/{path}")}


def sample_id(client: TestClient, path: str, name: str) -> str:
    return ids(client, path)[name]


def names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["name"] for item in items)


def sentences(client: TestClient, url: str, **params: Any) -> list[str]:
    """The sentences of an entity's relationships, phrased from that entity."""
    return sorted(item["sentence"] for item in get(client, url, **params))


def category_codes(client: TestClient, list_name: str) -> list[str]:
    return [item["code"] for item in get(client, f"/categories/{list_name}")]


def relationship_type_codes(client: TestClient) -> list[str]:
    return sorted(item["code"] for item in get(client, "/relationship-types"))


# -- callers ---------------------------------------------------------------------------------------
def issue_key(admin: TestClient, team_member_id: str, name: str = "test key") -> str:
    """A new API key for a team member, issued by ``admin``'s client."""
    return ok(admin.post("/api-keys", json={"team_member_id": team_member_id, "name": name}), 201)["key"]


def as_caller(admin: TestClient, key: str) -> TestClient:
    """A client on the same app that sends ``key`` instead of the admin's."""
    return TestClient(admin.app, headers={"Authorization": f"Bearer {key}"})


def client_for_role(admin: TestClient, role: str, name: str | None = None, **fields: Any) -> tuple[TestClient, dict[str, Any]]:
    """A new team member with ``role`` and a client calling as them; returns (client, team member)."""
    member = create_team_member(admin, name=name or f"Test {role.replace('_', ' ').title()}", role=role, **fields)
    return as_caller(admin, issue_key(admin, member["id"])), member


# -- the audit trail ---------------------------------------------------------------------------------
def audit_trail(client: TestClient, **filters: Any) -> list[dict[str, Any]]:
    """Every audit record matching ``filters``, oldest first, read page by page by ``client``
    (an admin or practice manager)."""
    return walk(client, "/audit-records", 500, **filters)


def audit_ids(client: TestClient) -> set[str]:
    return {record["id"] for record in audit_trail(client)}


def added_records(client: TestClient, before: set[str]) -> list[dict[str, Any]]:
    """The audit records written since ``before`` (the ids ``audit_ids`` gave), oldest first."""
    return [record for record in audit_trail(client) if record["id"] not in before]
