"""Influence analytics end to end on the embedded store, with networkx as the peer.

Loads a generated practice (app/services/generator.py, through the import's bulk path),
then times a full scoring run through the service (read the graph from the store, compute,
store every score and suggestion), warm-introduction queries through the service, and
finally the compute part against the plain networkx pipeline on the same graph as read from
the store (bench/analytics_compute.py's comparison).

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
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.config import Settings  # noqa: E402
from app.domain.access import LOCAL_OPERATOR  # noqa: E402
from app.repositories.factory import open_store  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.analytics import AnalyticsService, ScoringParameters  # noqa: E402
from app.services.catalogue import CatalogueService  # noqa: E402
from app.services.practice_graph import GraphSnapshots  # noqa: E402
from app.services.transfer import load_generated_practice  # noqa: E402
from bench.analytics_compute import add_comparison_arguments, compare, peak_rss_mib  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_comparison_arguments(parser)
    parser.set_defaults(betweenness_k=256)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-ab-"))
    opened = open_store(Settings(data_dir=data_dir, sample_data="no"))
    try:
        repository = PracticeRepository(opened.store)
        catalogue = CatalogueService(repository, LOCAL_OPERATOR)
        catalogue.seed_defaults()
        print(f"analytics_bench: {args.entities:,} entities, {args.relationships:,} relationships, seed {args.seed}, "
              f"betweenness k={args.betweenness_k}, embedded FalkorDB")
        started = time.perf_counter()
        load_generated_practice(repository, args.entities, args.relationships, caller=LOCAL_OPERATOR, seed=args.seed)
        loaded = time.perf_counter() - started
        print(f"  loaded through the import path in {loaded:.1f} s ({args.relationships / loaded:,.0f} relationships/s)")

        service = AnalyticsService(repository, catalogue, GraphSnapshots(max_age_s=3600), LOCAL_OPERATOR)
        started = time.perf_counter()
        run = service.run_scoring(ScoringParameters.build(betweenness_k=args.betweenness_k, seed=args.seed))
        total = time.perf_counter() - started
        timings = run["timings"]
        print(f"\nfull scoring run: {total:.1f} s (target <= 30 s: {'met' if total <= 30 else 'NOT met'})")
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
        print(f"\nwarm introductions from every team member, through the service: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
              f"over {len(times) - 1} queries; first {times[0]:.0f} ms (target p95 <= 50 ms: "
              f"{'met' if p95 <= 50 else 'NOT met'})")

        print("\ncompute part against networkx, on the graph as read from the store:")
        compare(graph, args)
        print(f"\npeak RSS of this process {peak_rss_mib():,.0f} MiB (the store server is a separate process)")
    finally:
        opened.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
