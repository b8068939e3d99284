"""The API keeps its OpenAPI schema: a bounded schemathesis campaign over the sample practice.

Every phase runs (examples, coverage, fuzzing and the stateful phase, which follows the links
between operations: create, then read, change and delete what was created) with every check
(no server error; status codes, content types, headers and bodies as documented; invalid
requests refused and valid ones accepted; methods a path does not take answered 405 with
Allow; nothing answered without a key; deleted records gone, created ones there). The rules
of the campaign are in tools/schemathesis_long.py, which runs the same campaign for longer.

Bounded to fit CI: ``BUDGET_S`` seconds of requests for the examples, coverage and fuzzing
phases and ``STATEFUL_BUDGET_S`` for the stateful phase (on a machine loaded 10-17 deep, the
first three took all of a shared 75 s, and the stateful phase never ran), then the counts are printed (run with ``-s``) and kept in ``$RAPPORT_SCHEMATHESIS_REPORT`` if set.
"""

from __future__ import annotations

import json
import os

from api.helpers import get
from tools.schemathesis_long import campaign, print_report

BUDGET_S = 55
STATEFUL_BUDGET_S = 20
EXAMPLES_PER_OPERATION = 5


def test_the_api_keeps_its_openapi_schema(sample_client, capsys) -> None:
    me = get(sample_client, "/me")
    key = sample_client.headers["Authorization"].removeprefix("Bearer ")
    report = campaign(sample_client.app, key, me, max_examples=EXAMPLES_PER_OPERATION, max_time=BUDGET_S,
                      phases=("examples", "coverage", "fuzzing"))
    campaign(sample_client.app, key, me, max_examples=EXAMPLES_PER_OPERATION, max_time=STATEFUL_BUDGET_S, max_steps=8,
             phases=("stateful",), report=report)

    with capsys.disabled():
        print_report(report)
    if os.environ.get("RAPPORT_SCHEMATHESIS_REPORT"):
        with open(os.environ["RAPPORT_SCHEMATHESIS_REPORT"], "w") as out:
            json.dump({**report.summary(), "examples": report.examples, "error_texts": report.errors}, out, indent=2)
    assert report.operations >= 90, "the schema lost operations"
    assert report.requests["coverage"] and report.requests["fuzzing"] and report.requests["stateful"], report.requests
    assert report.server_errors == 0
    assert report.schema_violations == 0
    assert not report.failures, "\n\n".join(report.examples.values())
    assert not report.errors, report.errors
