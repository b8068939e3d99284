"""Bodies and query parameters take their declared types strictly: no number from ``true``,
no integer from ``2.5`` or ``"1"``, no flag from ``0``, no date from ``0``; dates as ISO text
only, within the years the API works with. What is refused changes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from api.helpers import create_client, create_person, get, ok, problem, snapshot


@pytest.fixture
def records(client):
    """A relationship and a client to aim bodies at."""
    jean, john = create_person(client, first_name="Jean"), create_person(client, first_name="John")
    relationship = ok(client.post("/relationships", json={"type": "SPOUSE_OF", "from_id": jean["id"], "to_id": john["id"]}), 201)
    return {"relationship": relationship, "client": create_client(client)}


REFUSED_BODIES = [
    # (method, path, body, the field refused)
    ("PATCH", "/relationships/{relationship}", {"strength": True}, "strength"),  # stored 1.0
    ("PATCH", "/relationships/{relationship}", {"strength": "0.5"}, "strength"),
    ("PATCH", "/relationships/{relationship}", {"since": 0}, "since"),  # 1970-01-01
    ("PATCH", "/relationships/{relationship}", {"since": "0"}, "since"),
    ("PATCH", "/relationships/{relationship}", {"since": "20200101"}, "since"),
    ("PATCH", "/relationships/{relationship}", {"since": "2020-01-01T00:00:00"}, "since"),
    ("PATCH", "/relationships/{relationship}", {"since": "0999-01-01"}, "since"),
    ("PATCH", "/clients/{client}", {"annual_revenue": False}, "annual_revenue"),
    ("PATCH", "/clients/{client}", {"annual_revenue": 1e308}, "annual_revenue"),  # sums of it were inf
    ("PATCH", "/clients/{client}", {"able_to_buy_more": 1}, "able_to_buy_more"),
    ("PATCH", "/clients/{client}", {"able_to_buy_more": "yes"}, "able_to_buy_more"),
    ("PATCH", "/clients/{client}", {"kind": None}, "kind"),  # what a client must have cannot be cleared
    ("PATCH", "/categories/stages/client", {"position": None}, "position"),
    ("PATCH", "/service/templates/A", {"touches_per_year": True}, "touches_per_year"),
    ("PATCH", "/service/templates/A", {"touches_per_year": 2.5}, "touches_per_year"),
    ("PATCH", "/service/templates/A", {"touches_per_year": "2"}, "touches_per_year"),
    ("PATCH", "/service/templates/A", {"birthday_contact": 0}, "birthday_contact"),
    ("POST", "/categories/stages", {"code": "won", "label": "Won", "position": True}, "position"),
    ("POST", "/tiers/runs", {"as_of": "0001-01-10"}, "as_of"),  # was a 500: date value out of range
    ("POST", "/tiers/runs", {"touch_cost": 1e308}, "touch_cost"),  # costs were inf, shown as null
    ("POST", "/tiers/runs", {"min_quality_referrals": "1"}, "min_quality_referrals"),
    ("POST", "/clients/{client}/touches", {"date": "9999-12-31", "kind": "review"}, "date"),
    ("POST", "/analytics/runs", {"seed": True}, "seed"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), REFUSED_BODIES, ids=[f"{m} {p} {f}={b[f]!r}" for m, p, b, f in REFUSED_BODIES])
def test_a_body_field_of_another_type_is_refused(client, records, method, path, body, field):
    before = snapshot(client)
    url = path.format(relationship=records["relationship"]["id"], client=records["client"]["id"])
    error = problem(client.request(method, url, json=body), 422)
    assert [e["location"] for e in error["errors"]] == [["body", field]]
    assert snapshot(client) == before


def test_json_non_numbers_are_refused(client, records):
    for text in (b'{"strength": NaN}', b'{"strength": Infinity}'):  # Python's json reads them
        response = client.patch(f"/relationships/{records['relationship']['id']}", content=text,
                                headers={"content-type": "application/json"})
        assert problem(response, 422)["errors"][0]["location"] == ["body", "strength"]


def test_what_json_gives_is_taken(client, records):
    relationship = records["relationship"]
    changed = ok(client.patch(f"/relationships/{relationship['id']}", json={"strength": 1, "since": "2001-02-03"}), 200)
    assert changed["strength"] == 1.0 and changed["since"] == "2001-02-03"  # a float from an integer is fine
    assert ok(client.patch("/service/templates/B", json={"touches_per_year": 5, "newsletters": False,
                                                      "review_frequency": "quarterly"}), 200)["touches_per_year"] == 5
    # JSON Schema's integer is any number without a fraction: 4.0 is the integer 4.
    assert ok(client.patch("/service/templates/B", json={"touches_per_year": 4.0}), 200)["touches_per_year"] == 4
    assert ok(client.post("/tiers/runs", json={"as_of": "1800-01-01", "touch_cost": 1e15}), 201)["as_of"] == "1800-01-01"


REFUSED_QUERIES = [
    ("/service/report", {"today": "0"}),  # read as 1970-01-01
    ("/service/overdue", {"today": "1700000000"}),
    ("/service/upcoming-dates", {"today": "2024-01-01T00:00:00"}),
    ("/service/upcoming-dates", {"today": "9999-12-31"}),
    ("/audit-records", {"to": "0.5"}),  # accepted
    ("/audit-records", {"from": "2024-01-01"}),
    ("/audit-records", {"from": "2024-01-01T10:00:00"}),  # an instant needs its offset
    ("/clients", {"limit": "5.0"}),
    ("/clients", {"limit": " 5"}),
    ("/clients", {"limit": "1_0"}),
    ("/clients", {"limit": "true"}),
    ("/relationships", {"include_ended": "yes"}),
    ("/relationships", {"include_ended": "1"}),
    ("/analytics/communities", {"resolution": "nan"}),
    ("/analytics/communities", {"resolution": "1_0"}),
    ("/clients", [("limit", "5"), ("limit", "6")]),  # a value given twice: which one?
]


@pytest.mark.parametrize(("path", "params"), REFUSED_QUERIES, ids=[f"{p} {q}" for p, q in REFUSED_QUERIES])
def test_a_query_parameter_of_another_type_is_refused(client, path, params):
    error = problem(client.get(path, params=params), 422)
    name = params[0][0] if isinstance(params, list) else next(iter(params))
    assert [e["location"] for e in error["errors"]] == [["query", name]]


def test_query_parameters_spelt_as_json_are_taken(client):
    assert get(client, "/service/report", today="2024-02-29") == []
    assert get(client, "/audit-records", **{"from": "2024-01-01T10:00:00Z", "to": "2999-01-01T10:00:00.5+01:00"})["items"]
    assert get(client, "/clients", limit="5")["items"] == []
    assert get(client, "/relationships", include_ended="false")["items"] == []
    assert get(client, "/analytics/communities", resolution="1", seed="0")["communities"] == []
    assert get(client, "/analytics/communities", resolution="0.5e1")["communities"] == []


def test_a_tier_run_at_the_largest_costs_answers_numbers(client, records):
    """touch_cost 1e308 with two touches made a service cost of inf, shown as null."""
    client_id = records["client"]["id"]
    ok(client.patch(f"/clients/{client_id}", json={"stage": "client"}), 200)
    for days in (1, 2):
        day = (date.today() - timedelta(days=days)).isoformat()
        ok(client.post(f"/clients/{client_id}/touches", json={"date": day, "kind": "call"}), 201)
    run = ok(client.post("/tiers/runs", json={"touch_cost": 1e15, "service_request_cost": 1e15}), 201)
    [suggestion] = get(client, f"/tiers/runs/{run['id']}/suggestions")["items"]
    assert suggestion["service_cost"] == 2e15 and suggestion["suggested_tier"] == "D"
    assert all(isinstance(reason["value"], float | int) for reason in suggestion["reasons"])


def test_every_bound_the_api_checks_is_in_its_schema(client):
    """Bounds given after a validator (``Annotated[Int, Field(le=...)]``) were checked but
    shown as pydantic's own keys, which no schema reader knows, so valid-looking requests
    were refused (found by schemathesis)."""
    leaked = []

    def walk(node, path):
        if isinstance(node, dict):
            leaked.extend(f"{path}/{k}" for k in node.keys() & {"ge", "gt", "le", "lt", "min_length", "max_length"}
                          if not path.endswith("/properties"))
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, path)

    walk(client.get("/openapi.json").json(), "")
    assert leaked == []


def test_what_the_schema_allows_is_taken(client, records):
    """Requests the schema allows that the API refused (found by schemathesis)."""
    # An address whose parts hold a character "\s" matched in pydantic's regex but not in a schema's.
    ok(client.post("/people", json={"first_name": "Jean", "last_name": "Elliott", "email": "je\u0085an@example.org"}), 201)
    # If-Match as the schema spells it.
    relationship = records["relationship"]
    schema = client.get("/openapi.json").json()
    [parameter] = [p for p in schema["paths"]["/relationships/{relationship_id}"]["patch"]["parameters"] if p["name"] == "if-match"]
    assert parameter["schema"]["pattern"]
    response = client.patch(f"/relationships/{relationship['id']}", json={"notes": "x"},
                            headers={"If-Match": f'W/"9", "{relationship["version"]}"'})
    assert ok(response, 200)["notes"] == "x"
    # A field a PATCH cannot clear has no null in the schema, and null is refused by name.
    kind = schema["components"]["schemas"]["ClientUpdate"]["properties"]["kind"]
    assert "null" not in json.dumps(kind) and "default" not in kind
