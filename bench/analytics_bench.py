"""Influence analytics end to end on the embedded store (and, with ``--store neo4j``, on
Neo4j 5.26 in the same run), with networkx as the peer.

Loads a generated practice (app/services/generator.py, through the import's bulk path),
then times a full scoring run through the service (read the graph from the store, compute,
store every score and suggestion), warm-introduction queries through the service, and
finally the compute part against the plain networkx pipeline on the same graph as read from
the store (bench/analytics_compute.py's comparison).

``--store neo4j`` loads the same practice into Neo4j too (the test server, started and
stopped here: bench/stores.py) and runs the scoring and the introductions on both stores,
FalkorDB first, printing them side by side; the compute is the same code on the same graph
whichever store it came from, so the networkx comparison runs once, on FalkorDB's graph.

Targets (issue 4): at 100,000 entities / 1,000,000 relationships a full scoring run
<= 30 s, the compute part >= 20x faster than networkx, a warm-introduction query p95 <=
50 ms. The 1,000,000 / 5,000,000 figures are the institution-scale reference
(``--entities 1000000 --relationships 5000000 --skip-networkx``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.influence import DEFAULT_BETWEENNESS_K  # noqa: E402
from app.bootstrap import Services  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.domain.access import LOCAL_OPERATOR  # noqa: E402
from app.repositories.factory import open_store  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.analytics import AnalyticsService  # noqa: E402
from app.services.practice_graph import GraphSnapshots  # noqa: E402
from app.services.scoring import ScoringParameters, ScoringService  # noqa: E402
from app.services.transfer import load_generated_practice  # noqa: E402
from bench.analytics_compute import add_comparison_arguments, compare, peak_rss_mib  # noqa: E402
from bench.stores import FALKORDB, NEO4J, add_store_argument, conditions, neo4j_server, neo4j_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_comparison_arguments(parser)
    add_store_argument(parser)
    parser.set_defaults(betweenness_k=DEFAULT_BETWEENNESS_K)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-ab-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        settings = {FALKORDB: Settings(data_dir=data_dir, sample_data="no")}
        if args.store == "neo4j":
            settings[NEO4J] = neo4j_settings(cleanup.enter_context(neo4j_server()), sample_data="no")
        print(f"analytics_bench: {args.entities:,} entities, {args.relationships:,} relationships, seed {args.seed}, "
              f"betweenness k={args.betweenness_k}; {conditions()}")
        services: dict[str, tuple[ScoringService, AnalyticsService]] = {}
        for name, store_settings in settings.items():
            opened = open_store(store_settings)
            cleanup.callback(opened.close)
            repository = PracticeRepository(opened.store)
            Services(repository).catalogue().seed_defaults()
            started = time.perf_counter()
            load_generated_practice(repository, args.entities, args.relationships, caller=LOCAL_OPERATOR, seed=args.seed)
            loaded = time.perf_counter() - started
            print(f"  {name}: loaded through the import path in {loaded:.1f} s "
                  f"({args.relationships / loaded:,.0f} relationships/s); {conditions()}", flush=True)
            wired = Services(repository, snapshots=GraphSnapshots(max_age_s=3600))
            services[name] = (wired.scoring(), wired.analytics())

        summary: dict[str, dict[str, float]] = {}
        for name, (scoring, service) in services.items():
            started = time.perf_counter()
            run = scoring.run_scoring(ScoringParameters.build(betweenness_k=args.betweenness_k, seed=args.seed))
            total = time.perf_counter() - started
            timings = run["timings"]
            print(f"\n{name}: full scoring run: {total:.1f} s (target <= 30 s: {'met' if total <= 30 else 'NOT met'}); "
                  f"{conditions()}")
            print(f"  read the graph {timings['read_s']:.1f} s, compute {timings['compute_s']:.1f} s, "
                  f"store {run['scored']:,} scores {timings['store_s']:.1f} s; suggested {run['segment_counts']}")

            practice = service.practice_graph()  # the snapshot introductions use, read once
            graph = practice.graph
            print(f"  graph read for queries (with relationship ids) in {practice.read_seconds:.1f} s")
            rng = np.random.default_rng(args.seed)
            people = np.flatnonzero(graph.kinds == 1)
            times = []
            for target in rng.choice(people, size=min(args.queries, len(people)), replace=False).tolist():
                clock = time.perf_counter()
                service.introductions(graph.ids[target], from_id=None, k=3, max_hops=4)
                times.append((time.perf_counter() - clock) * 1000)
            p50, p95 = np.percentile(times[1:], [50, 95])  # the first call builds the search index
            print(f"  warm introductions from every team member, through the service: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
                  f"over {len(times) - 1} queries; first {times[0]:.0f} ms (target p95 <= 50 ms: "
                  f"{'met' if p95 <= 50 else 'NOT met'})")
            summary[name] = {"total": total, **timings, "snapshot_read_s": practice.read_seconds, "p50": p50, "p95": p95}

        if len(summary) > 1:
            print(f"\nside by side, {args.entities:,} entities / {args.relationships:,} relationships "
                  f"(one scoring run each, FalkorDB first):")
            print(f"{'':40}" + "".join(f"{name:>12}" for name in summary))
            for label, key, unit in (("full scoring run", "total", "s"), ("  of which reading the graph", "read_s", "s"),
                                     ("  of which compute", "compute_s", "s"), ("  of which storing scores", "store_s", "s"),
                                     ("snapshot read (with relationship ids)", "snapshot_read_s", "s"),
                                     ("introductions p50", "p50", "ms"), ("introductions p95", "p95", "ms")):
                print(f"{label:40}" + "".join(f"{figures[key]:>10.1f}{unit:>2}" for figures in summary.values()))

        if not args.skip_networkx:
            graph = services[FALKORDB].practice_graph().graph
            print(f"\ncompute part against networkx, on the graph as read from {FALKORDB}:")
            compare(graph, args)
        print(f"\npeak RSS of this process {peak_rss_mib():,.0f} MiB (the store servers are separate processes)")


if __name__ == "__main__":
    main()
