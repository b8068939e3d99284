"""A bounded schemathesis run against the live OpenAPI schema, over the sample practice.

Every operation of the schema gets generated requests (bodies, parameters and headers
from the schema, and ids of real records half the time, so reads and writes reach stored
records and not only 404s), sent by an admin. Checks: no 5xx, every status code documented,
every JSON body valid against its schema, content types and documented headers as declared.
The counts are printed (run with ``-s``) and kept in ``$RAPPORT_SCHEMATHESIS_REPORT`` if set.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fastapi.testclient import TestClient

from api.helpers import ENTITY_PATHS, everything, get

#: Generated requests per operation, and the time after which the rest get only a few.
EXAMPLES_PER_OPERATION = 15
BUDGET_S = 120.0
CHECKS = [
    not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance,
    response_headers_conformance,
]
#: Path parameters that name a stored record, and where to find real values for them.
ID_PARAMETERS = ("entity_id", "client_id", "relationship_id", "run_id", "code", "list_name", "key_id", "tier")


def _real_values(client: TestClient) -> dict[str, list[str]]:
    """Ids of stored records, less the admin running the test and their key (deleting or
    demoting them would turn the rest of the run into 401s and 403s)."""
    me = get(client, "/me")
    entities = [item["id"] for path in ENTITY_PATHS for item in everything(client, f"/{path}") if item["id"] != me["team_member_id"]]
    clients = [item["id"] for item in everything(client, "/clients")]
    other = next(item["id"] for item in everything(client, "/team-members") if item["id"] != me["team_member_id"])
    client.post("/api-keys", json={"team_member_id": other, "name": "for the run to revoke"})
    return {
        "entity_id": entities,
        "client_id": clients,
        "relationship_id": [item["id"] for item in everything(client, "/relationships", include_ended="true")],
        "code": [item["code"] for item in get(client, "/relationship-types")],
        "list_name": ["stages", "segments", "sources", "influencer-segments"],
        "key_id": [item["id"] for item in everything(client, "/api-keys") if item["id"] != me["key_id"]],
        "tier": ["A", "B", "C", "D"],
        "run_id": [],
    }


def test_the_api_keeps_its_openapi_schema(sample_client, capsys) -> None:
    real = _real_values(sample_client)
    schema = schemathesis.openapi.from_dict(get(sample_client, "/openapi.json"))
    # Requests go to the app in-process; the session is not entered, so it starts no second
    # lifespan: the one the test client started serves them (one store, one sample practice).
    session = asgi.get_client(sample_client.app)
    session.headers["Authorization"] = sample_client.headers["Authorization"]
    report = _run(schema, session, real)

    summary = {k: report[k] for k in ("operations", "cases", "failures", "statuses", "seconds")}
    with capsys.disabled():
        print(f"\nschemathesis: {json.dumps(summary)}")
    if os.environ.get("RAPPORT_SCHEMATHESIS_REPORT"):
        with open(os.environ["RAPPORT_SCHEMATHESIS_REPORT"], "w") as out:
            json.dump(report, out, indent=2)
    assert report["operations"] >= 90, "the schema lost operations"
    assert report["cases"] >= report["operations"] * 3
    assert not report["failed"], "\n\n".join(f"{op}:\n{text}" for op, text in report["failed"].items())


def _run(schema: Any, session: Any, real: dict[str, list[str]]) -> dict[str, Any]:
    started = time.monotonic()
    report: dict[str, Any] = {"operations": 0, "cases": 0, "failures": 0, "statuses": {}, "failed": {}}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        # Past the budget (a slow machine), every remaining operation still gets a few cases.
        examples = EXAMPLES_PER_OPERATION if time.monotonic() - started < BUDGET_S else 3
        report["operations"] += 1
        try:
            _exercise(operation, session, real, report, examples)
        except (Exception, BaseExceptionGroup) as error:  # a check failed: hypothesis raises its first case
            report["failures"] += 1
            report["failed"][operation.label] = str(error)[:4000]
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def _exercise(operation: Any, session: Any, real: dict[str, list[str]], report: dict[str, Any], examples: int) -> None:
    names = [p for p in ID_PARAMETERS if "{" + p + "}" in operation.path]
    choices = st.fixed_dictionaries({n: st.one_of(st.none(), st.sampled_from(real[n])) if real[n] else st.none() for n in names})

    @settings(
        max_examples=examples, deadline=None, database=None, derandomize=True,
        phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), ids=choices)
    def check(case: Any, ids: dict[str, str | None]) -> None:
        for name, value in ids.items():
            if value is not None:
                case.path_parameters[name] = value
        response = case.call(base_url="http://testserver", session=session)
        report["cases"] += 1
        report["statuses"][str(response.status_code)] = report["statuses"].get(str(response.status_code), 0) + 1
        case.validate_response(response, checks=CHECKS)

    check()
