"""Service plans for a whole generated practice, and work-queue reads, next to peers.

Loads a generated practice (``rapport demo``'s generator and bulk path) into the embedded
FalkorDB (and, with ``--store neo4j``, into Neo4j too), gives its clients tiers (from their
segments, A to AA, B to A, C to B, D to C, in a bulk update; ``--tier-run``: those a tier run
suggests, which takes minutes at 100,000 entities), then times, on each store:

- generating every client's service plan (12 months from ``--as-of``), then generating
  again (nothing changes: the idempotent pass); targets: the whole practice under a minute;
- a team member's work-queue read (``ServicePlanService.queue``: the team, the section
  counts and a page of 50), for the adviser with the most clients, as an admin sees it and
  as the adviser sees it in owner-hierarchy mode; target: p95 under 50 ms;
- the peers, in the same run, on the same store: a page of that adviser's clients (what
  ``GET /clients?owner_id=`` reads, ``EntityService.list``) and a plain count query
  (``count_entities``).

Reads are in-process service calls (no HTTP), one after the other, the kinds interleaved.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bootstrap import Services  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.domain.access import LOCAL_OPERATOR, Caller, team_below  # noqa: E402
from app.domain.audit import AuditAction, audit_record  # noqa: E402
from app.domain.model import EntityKind, TeamRole, now_iso  # noqa: E402
from app.domain.tiers import TierSettings  # noqa: E402
from app.repositories.factory import open_store  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.transfer import load_generated_practice  # noqa: E402
from bench.stores import FALKORDB, NEO4J, add_store_argument, conditions, neo4j_server, neo4j_settings  # noqa: E402


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms, p95 {p95 * 1000:6.2f} ms"


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def bench_store(name: str, repository: PracticeRepository, args: argparse.Namespace) -> None:
    as_of = date.fromisoformat(args.as_of)
    if args.tier_run:
        seconds, run = timed(lambda: Services(repository).tiers().run(TierSettings(), as_of=as_of))
        applied_s, applied = timed(lambda: Services(repository).tiers().apply(run["id"], None))
        print(f"  {name}: tiers suggested in {seconds:.1f} s and applied in {applied_s:.1f} s "
              f"({applied['applied']:,} clients: {dict(sorted(run['tier_counts'].items()))})", flush=True)
    else:
        seconds, counts = timed(lambda: tiers_from_segments(repository))
        print(f"  {name}: tiers set from segments in {seconds:.1f} s (bulk update): {counts}", flush=True)

    plans = Services(repository).service_plans()
    seconds, first = timed(lambda: plans.generate(as_of=as_of))
    print(f"  {name}: plans for the whole practice in {seconds:.1f} s (target < 60 s): {first['clients']:,} clients, "
          f"{first['clients_changed']:,} with a plan, {first['created']:,} tasks created; {conditions()}", flush=True)
    seconds, again = timed(lambda: plans.generate(as_of=as_of))
    print(f"  {name}: generating again in {seconds:.1f} s: {again['clients_changed']:,} clients changed, "
          f"{again['created'] + again['updated'] + again['deleted']:,} tasks", flush=True)

    team = repository.team_hierarchy()
    owners = Counter(c["owner_id"] for c in _clients(repository))
    adviser_id, owned = owners.most_common(1)[0]
    adviser = next(m for m in team if m["id"] == adviser_id)
    restricted = Caller(adviser_id, adviser["name"], TeamRole(adviser["role"]),
                        visible_owner_ids=team_below(adviser_id, {m["id"]: m["reports_to_id"] for m in team}))
    as_adviser = Services(repository, restricted).service_plans()
    entities = Services(repository).entities()
    today = date.fromisoformat(args.today)
    reads: dict[str, Callable[[], object]] = {
        "queue, as an admin": lambda: plans.queue(adviser_id, today=today, limit=50),
        "queue, as the adviser (restricted)": lambda: as_adviser.queue(adviser_id, today=today, limit=50),
        "peer: a page of the adviser's clients": lambda: entities.list(EntityKind.client, {"owner_id": adviser_id},
                                                                        after=None, limit=50),
        "peer: count of entities": repository.count_entities,
    }
    queue = plans.queue(adviser_id, today=today, limit=50)
    print(f"  {name}: {adviser['name']} owns {owned:,} clients; queue on {today}: {queue['counts']} "
          f"({len(queue['items'])} in the page)")
    for read in reads.values():  # warm-up
        for _ in range(5):
            read()
    samples: dict[str, list[float]] = {kind: [] for kind in reads}
    for _ in range(args.reads):
        for kind, read in reads.items():
            samples[kind].append(timed(read)[0])
    for kind, values in samples.items():
        print(f"  {name}: {kind:40s} {percentiles(values)} ({len(values)} reads)")
    print(f"  {name}: {conditions()}", flush=True)


#: Without --tier-run: each client's tier from its segment (a tier run takes minutes at this size).
TIER_OF_SEGMENT = {"A": "AA", "B": "A", "C": "B", "D": "C"}


def tiers_from_segments(repository: PracticeRepository) -> dict[str, int]:
    clients = [c for c in _clients(repository) if c.get("segment") in TIER_OF_SEGMENT]
    now = now_iso()
    audit = audit_record(LOCAL_OPERATOR, AuditAction.bulk_load, "client", "service_plan_bench", before=None,
                         after=None, now=now, note="client tiers set from segments")
    for start in range(0, len(clients), 5000):
        rows = [{"id": c["id"], "version": c["version"],
                 "properties": {**c, "tier": TIER_OF_SEGMENT[c["segment"]], "version": c["version"] + 1, "updated_at": now}}
                for c in clients[start:start + 5000]]
        repository.update_entities(rows, audit=audit)
    return dict(Counter(TIER_OF_SEGMENT[c["segment"]] for c in clients))


def _clients(repository: PracticeRepository) -> list[dict]:
    after, clients = None, []
    while True:
        rows = repository.list_entities(EntityKind.client, {}, after=after, limit=5000)
        if not rows:
            return clients
        clients += rows
        after = rows[-1]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-23", help="the plans' first day")
    parser.add_argument("--today", default="2027-01-04", help="the day the queue is read for")
    parser.add_argument("--reads", type=int, default=200, help="timed reads of each kind")
    parser.add_argument("--tier-run", action="store_true",
                        help="give clients the tiers a tier run suggests (default: each tier from the client's segment)")
    add_store_argument(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-spb-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        settings = {FALKORDB: Settings(data_dir=data_dir, sample_data="no")}
        if args.store == "neo4j":
            settings[NEO4J] = neo4j_settings(cleanup.enter_context(neo4j_server()), sample_data="no")
        print(f"service_plan_bench: {args.entities:,} entities, {args.relationships:,} relationships, seed {args.seed}; "
              f"{conditions()}", flush=True)
        for name, store_settings in settings.items():
            opened = open_store(store_settings)
            cleanup.callback(opened.close)
            repository = PracticeRepository(opened.store)
            Services(repository).catalogue().seed_defaults()
            report = load_generated_practice(repository, args.entities, args.relationships, caller=LOCAL_OPERATOR,
                                             seed=args.seed)
            print(f"  {name}: practice loaded in {report.seconds:.0f} s", flush=True)
            bench_store(name, repository, args)


if __name__ == "__main__":
    main()
