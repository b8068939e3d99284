"""A schemathesis campaign against the API's own OpenAPI schema: every phase (examples,
coverage, fuzzing, stateful) and every check, over the sample practice, by an admin.

    .venv/bin/python tools/schemathesis_long.py                       # 10 minutes
    .venv/bin/python tools/schemathesis_long.py --max-time 3600 --max-examples 200 --seed 7

It serves the app in-process on a fresh embedded store, prints the counts (requests by phase
and status, failures by check, server errors, schema violations) and exits 1 if anything
failed. The CI runs the same campaign on a small budget: tests/api/test_schema_conformance.py.

What the checks allow, and why:

* ``positive_data_acceptance`` also takes 412 and 422 for a request the schema allows. 412: a
  well-formed If-Match that names a version no longer current. 422: the practice's rules,
  which no schema states (an owner that is no team member, a category code not in its list,
  ``from`` after ``to``, a key used again for another request). The check
  ``schema_valid_input_passes_validation`` below keeps the 422 honest: a request the schema
  allows is never refused by the API's validation of types, formats and bounds (only by a
  rule between fields, pydantic's ``value_error``, or by the practice's rules).
* The campaign's own key and team member are not revoked, deleted or changed (that would
  turn the rest into 401s and 403s): such a request goes to an id that does not exist.
* Each Idempotency-Key schemathesis sends is made unique. A key sent again replays the first
  answer, by design even after what it created was deleted; the stateful checks read that
  as a created resource gone missing. Replays are tested in tests/api/test_idempotency.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.engine import events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Checks that compare a response with the schema: a failure of one is a schema violation.
SCHEMA_CHECKS = frozenset({
    "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "allow_header_conformance",
})
#: An id no record has, for requests that would take the campaign's own access away.
NOBODY = "00000000000000000000000000"


@dataclass
class Report:
    operations: int = 0
    requests: Counter = field(default_factory=Counter)  # by phase
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # failing requests, by check
    server_errors: int = 0
    errors: list[str] = field(default_factory=list)  # what schemathesis itself could not do
    examples: dict[str, str] = field(default_factory=dict)  # the first failure of each check and operation
    stop_reason: str = ""
    seconds: float = 0.0

    @property
    def schema_violations(self) -> int:
        return sum(n for check, n in self.failures.items() if check in SCHEMA_CHECKS)

    def summary(self) -> dict[str, Any]:
        return {
            "operations": self.operations, "requests": sum(self.requests.values()), "by_phase": dict(self.requests),
            "statuses": dict(sorted(self.statuses.items())), "server_errors": self.server_errors,
            "schema_violations": self.schema_violations, "failures": dict(self.failures), "errors": len(self.errors),
            "stop_reason": self.stop_reason, "seconds": round(self.seconds, 1),
        }


class RefusedValidInput(Failure):
    """A request the schema allows, refused by the API's own validation."""


@schemathesis.check
def schema_valid_input_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 422 to a request generated as valid must come from the practice's rules, not from a
    type, format or bound the schema does not state (its problem lists no such error)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        errors = json.loads(response.content).get("errors") or []
    except ValueError:
        return None
    refused = [e for e in errors if isinstance(e, dict) and e.get("type") not in (None, "value_error")]
    if refused:
        where = "; ".join(f"{'.'.join(map(str, e.get('location', [])))}: {e.get('message')} ({e.get('type')})" for e in refused)
        raise RefusedValidInput(
            operation=case.operation.label, title="Schema-valid input refused by validation",
            message=f"The schema allows this request, but the API's validation refused it: {where}",
        )
    return True


#: The campaign's phases, in the order schemathesis runs them.
PHASES = ("examples", "coverage", "fuzzing", "stateful")


def config(key: str, *, max_examples: int, max_time: int, seed: int, max_steps: int,
           phases: tuple[str, ...] = PHASES) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": seed,
        "max-time": max_time,
        # As the schema's security scheme, so that the checks sending no key know what to leave out.
        "auth": {"openapi": {"HTTPBearer": {"bearer": key}}},
        "workers": 1,
        "generation": {"max-examples": max_examples, "mode": "all"},
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422"]},
        },
        "phases": {
            "examples": {"enabled": "examples" in phases},
            "coverage": {"enabled": "coverage" in phases},
            "fuzzing": {"enabled": "fuzzing" in phases},
            "stateful": {"enabled": "stateful" in phases, "max-steps": max_steps},
        },
    })


def campaign(app: Any, key: str, me: dict[str, Any], *, max_examples: int = 10, max_time: int = 90, seed: int = 1,
             max_steps: int = 8, out: Any = None, phases: tuple[str, ...] = PHASES, report: Report | None = None) -> Report:
    """Run the campaign's ``phases`` against ``app`` (a started ASGI app) as the caller of
    ``key``, for ``max_time`` seconds at most; ``me`` is that caller's GET /me. Counts go into
    ``report`` if given (a campaign run in parts: each part has a time of its own, so a slow
    machine cannot spend it all before the last phase starts). Prints a line per finished
    phase to ``out`` if given."""
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app,
        config=config(key, max_examples=max_examples, max_time=max_time, seed=seed, max_steps=max_steps, phases=phases),
    )
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(hook := _before_call(me), "before_call")
    report = report or Report()
    report.operations = sum(1 for _ in schema.get_all_operations())
    started = time.monotonic() - report.seconds
    try:
        for event in from_schema(schema).execute():
            _record(report, event)
            if out is not None and isinstance(event, events.PhaseFinished):
                print(f"  {event.phase.name.value}: {event.status.value} after {time.monotonic() - started:.0f} s, "
                      f"{sum(report.requests.values())} requests so far", file=out, flush=True)
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(hook)
    report.seconds = time.monotonic() - started
    return report


def _before_call(me: dict[str, Any]) -> Any:
    sent = itertools.count(1)

    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        parameters = case.path_parameters or {}
        if case.method.upper() != "GET":
            if parameters.get("key_id") == me["key_id"]:
                parameters["key_id"] = NOBODY
            if parameters.get("entity_id") == me["team_member_id"] and "/team-members/" in case.operation.path:
                parameters["entity_id"] = NOBODY
        for name, value in (case.headers or {}).items():
            if name.lower() == "idempotency-key" and isinstance(value, str) and _KEY.fullmatch(value):
                case.headers[name] = f"{value} #{next(sent)}"

    return before_call


#: An Idempotency-Key the API takes, with room for a number after it.
_KEY = re.compile(r"[\x20-\x7e]{1,190}")


def _record(report: Report, event: Any) -> None:
    if isinstance(event, events.ScenarioFinished):
        recorder = event.recorder
        for interaction in recorder.interactions.values():
            report.requests[event.phase.value] += 1
            if interaction.response is not None:
                status = interaction.response.status_code
                report.statuses[str(status)] += 1
                report.server_errors += status >= 500
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status.value != "failure":
                    continue
                report.failures[check.name] += 1
                name = f"{check.name} | {recorder.label}"
                if name not in report.examples and check.failure_info is not None:
                    report.examples[name] = _example(recorder, case_id, check.failure_info.failure)
    elif isinstance(event, events.NonFatalError):
        report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}"[:2000])
    elif isinstance(event, events.FatalError):
        report.errors.append(f"fatal: {event.exception!r}"[:2000])
    elif isinstance(event, events.EngineFinished):
        report.stop_reason = event.stop_reason.value


def _example(recorder: Any, case_id: str, failure: Any) -> str:
    interaction = recorder.interactions.get(case_id)
    lines = [f"{failure.title}: {failure.message}"[:1500]]
    if interaction is not None:
        request = interaction.request
        lines.append(f"{request.method} {request.uri}")
        headers = {k: "Bearer ..." if k.lower() == "authorization" else v for k, v in request.headers.items()
                   if k.lower() not in ("user-agent", "accept", "accept-encoding", "connection", "content-length")}
        if headers:
            lines.append(f"headers: {headers}")
        if request.body:
            lines.append(f"body: {request.body[:600]!r}")
        if interaction.response is not None:
            lines.append(f"-> {interaction.response.status_code}: {interaction.response.content[:600]!r}")
    return "\n".join(lines)


def print_report(report: Report, out: Any = sys.stdout) -> None:
    print(f"schemathesis: {json.dumps(report.summary())}", file=out)
    for name, text in report.examples.items():
        print(f"\n--- {name}\n{text}", file=out)
    for error in report.errors:
        print(f"\n--- error\n{error}", file=out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-time", type=int, default=600, help="seconds for the whole run (default 600)")
    parser.add_argument("--max-examples", type=int, default=50, help="generated requests per operation and pass (default 50)")
    parser.add_argument("--max-steps", type=int, default=12, help="steps of a stateful scenario (default 12)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, help="also write the counts and failures here (JSON)")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from app.bootstrap import Services
    from app.core.config import Settings
    from app.main import create_app
    from app.repositories.embedded_falkordb import EmbeddedFalkorDB
    from app.repositories.factory import OpenStore
    from app.repositories.falkordb_store import FalkorGraphStore
    from falkordb import FalkorDB

    data_dir = Path(tempfile.mkdtemp(prefix="rst-"))
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        client = FalkorDB(unix_socket_path=str(server.socket_path))
        store = FalkorGraphStore(client, "schemathesis")
        store.ensure_schema()
        app = create_app(Settings(sample_data="yes"), opened=OpenStore(store))
        with TestClient(app) as test_client:
            key = Services.over(store).access().bootstrap_admin(name="Schemathesis Admin").key
            me = test_client.get("/me", headers={"Authorization": f"Bearer {key}"}).json()
            print(f"schemathesis campaign: max-time {args.max_time} s, max-examples {args.max_examples}, "
                  f"max-steps {args.max_steps}, seed {args.seed}", flush=True)
            report = campaign(app, key, me, max_examples=args.max_examples, max_time=args.max_time, seed=args.seed,
                              max_steps=args.max_steps, out=sys.stdout)
        client.connection.close()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print_report(report)
    if args.report:
        args.report.write_text(json.dumps({**report.summary(), "examples": report.examples, "error_texts": report.errors}, indent=2))
    failed = report.server_errors or sum(report.failures.values()) or report.errors
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
