"""The analytics graph read (``read_practice_graph``) on FalkorDB and Neo4j, and its form of
today against the form it replaced, on the same practice in the same run.

One generated practice is loaded through ``load_generated_practice`` (the bulk path ``rapport
demo`` takes) into the embedded FalkorDB and, with ``--store neo4j``, into Neo4j 5.26 (the
test server, started and stopped here: bench/stores.py); the load rate of each is printed.
Then the whole graph is read ``--repeats`` times on each store, in turn, in two forms:

- new: ``read_practice_graph`` as it is, whose query names each relationship's ends by entity
  id (one ``"from_id to_id"`` string per relationship) with its strength as stored;
- old: the form of commit 1e75db9, run inline (its two query texts and its decoding, below),
  whose query returned the store's internal node numbers (``id(n)``, deprecated in Neo4j 5)
  and each relationship packed into one integer, ``(from * span + to) * 101 + strength in
  hundredths``, decoded with numpy.

each without relationship ids (what a scoring run reads) and with them (the snapshot that
paths and introductions use). The figures are the read's wall time, store and client
together, as a scoring run spends it; the first read of each kind is a warm-up and is not
counted (on a fresh JVM Neo4j's first read took up to twice as long here). Beside them, the
CPU the read cost this process (the driver decoding the answer, the graph built) and the
store's server, steadier than wall time on a shared machine. The two forms are checked to
give the same graph: same relationships, strengths within the old form's rounding.

Target (issue 12): on Neo4j, the read within 2x of FalkorDB's at 100,000 entities / 1,000,000
relationships. Example: ``.venv/bin/python bench/analytics_read_bench.py --store neo4j``
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.graph import KIND_CODES, RelationshipGraph  # noqa: E402
from app.bootstrap import Services  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.domain.access import LOCAL_OPERATOR  # noqa: E402
from app.domain.model import today_iso  # noqa: E402
from app.repositories.factory import open_store  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.catalogue import CatalogueService  # noqa: E402
from app.services.practice_graph import _number, read_practice_graph  # noqa: E402
from app.services.transfer import load_generated_practice  # noqa: E402
from bench.stores import (  # noqa: E402
    FALKORDB,
    NEO4J,
    add_store_argument,
    conditions,
    cpu_seconds,
    neo4j_server,
    neo4j_settings,
)

# The old form's two queries as they were at 1e75db9 (cypher/analytics_entities.cypher and
# cypher/analytics_relationships.cypher), comments left out.
OLD_ENTITIES = """MATCH (n:Entity)
RETURN id(n) AS node, n.id AS id, n.entity_kind AS kind, n.name AS name, n.stage AS stage,
       n.annual_revenue AS annual_revenue, n.assets_under_management AS assets_under_management,
       n.influencer_segment AS influencer_segment
"""
OLD_RELATIONSHIPS = """MATCH (a:Entity)-[r:`{rel_type}`]->(b:Entity)
WHERE r.until IS NULL OR r.until > $today
RETURN collect((id(a) * $span + id(b)) * 101 + toInteger(round(coalesce(r.strength, 1.0) * 100))) AS packed,
       CASE WHEN $with_ids THEN collect(r.id) ELSE [] END AS ids
"""


def read_old_form(store, catalogue: CatalogueService, *, with_relationship_ids: bool) -> RelationshipGraph:
    """read_practice_graph as it was at 1e75db9 (app/services/practice_graph.py), on today's store."""
    today = today_iso()
    rows = store.read(OLD_ENTITIES)
    n = len(rows)
    nodes = np.fromiter((row["node"] for row in rows), dtype=np.int64, count=n)
    span = int(nodes.max()) + 1 if n else 1
    position = np.full(span, -1, dtype=np.int64)
    position[nodes] = np.arange(n)
    stage_labels = sorted({row["stage"] for row in rows if row["stage"] is not None})
    stage_code = {stage: code for code, stage in enumerate(stage_labels)}
    types = catalogue.relationship_types()
    sources, targets, type_indexes, strengths, relationship_ids = [], [], [], [], []
    for index, spec in enumerate(types):
        found = store.read(OLD_RELATIONSHIPS.format(rel_type=spec.code),
                           {"span": span, "today": today, "with_ids": with_relationship_ids})
        packed, ids = (found[0]["packed"], found[0]["ids"]) if found else ([], [])
        relationship_ids.extend(ids)
        packed = np.asarray(packed, dtype=np.int64)
        pair, strength = np.divmod(packed, 101)
        source, target = np.divmod(pair, span)
        sources.append(position[source])
        targets.append(position[target])
        type_indexes.append(np.full(len(packed), index, dtype=np.int32))
        strengths.append(strength / 100.0)
    return RelationshipGraph.from_arrays(
        [row["id"] for row in rows],
        np.array([KIND_CODES[row["kind"]] for row in rows], dtype=np.int8),
        np.concatenate(sources) if sources else np.zeros(0, np.int64),
        np.concatenate(targets) if targets else np.zeros(0, np.int64),
        np.concatenate(type_indexes) if type_indexes else np.zeros(0, np.int32),
        type_codes=[t.code for t in types],
        type_categories=[t.category.value for t in types],
        type_weights=[t.weight for t in types],
        phrases=[t.phrase for t in types],
        reverse_phrases=[t.reverse_phrase for t in types],
        names=[row["name"] for row in rows],
        stages=np.array([stage_code.get(row["stage"], -1) for row in rows], dtype=np.int16),
        stage_labels=stage_labels,
        annual_revenue=np.array([_number(row["annual_revenue"]) for row in rows], dtype=np.float64),
        assets_under_management=np.array([_number(row["assets_under_management"]) for row in rows], dtype=np.float64),
        strengths=np.concatenate(strengths) if strengths else np.zeros(0),
        edge_ids=relationship_ids if with_relationship_ids else None,
    )


def same_graph(new: RelationshipGraph, old: RelationshipGraph) -> str:
    """Whether the two forms read the same relationships (by their ends' ids and type) with
    the same strengths, to the old form's hundredths."""
    def keyed(graph: RelationshipGraph) -> tuple[list[tuple[str, str, int]], np.ndarray]:
        ids = np.asarray(graph.ids, dtype=object)
        keys = list(zip(ids[graph.src].tolist(), ids[graph.dst].tolist(), graph.types.tolist()))
        order = sorted(range(len(keys)), key=keys.__getitem__)
        return [keys[i] for i in order], np.asarray(graph.strengths)[order]

    new_keys, new_strengths = keyed(new)
    old_keys, old_strengths = keyed(old)
    if new_keys != old_keys:
        return f"DIFFERENT relationships ({len(new_keys):,} new, {len(old_keys):,} old)"
    return (f"the same {len(new_keys):,} relationships; strengths differ by at most "
            f"{np.max(np.abs(new_strengths - old_strengths), initial=0.0):.4f} (the old form rounded to hundredths)")


def timed(read, store_pid: int) -> tuple[float, float, float]:
    """Wall seconds, this process's CPU seconds and the store server's, of one read."""
    gc.collect()
    store_cpu, cpu, started = cpu_seconds(store_pid), time.process_time(), time.perf_counter()
    read()
    return time.perf_counter() - started, time.process_time() - cpu, cpu_seconds(store_pid) - store_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="timed reads of each kind on each store (after a warm-up)")
    parser.add_argument("--batch-size", type=int, default=10_000, help="the bulk path's batch size for the load")
    add_store_argument(parser)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-arb-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        settings = {FALKORDB: Settings(data_dir=data_dir, sample_data="no")}
        pids: dict[str, int] = {}
        if args.store == "neo4j":
            server = cleanup.enter_context(neo4j_server())
            settings[NEO4J] = neo4j_settings(server, sample_data="no")
            pids[NEO4J] = server.process.pid
        print(f"analytics_read_bench: {args.entities:,} entities, {args.relationships:,} relationships, seed "
              f"{args.seed}; {conditions()}")
        stores: dict[str, tuple[PracticeRepository, CatalogueService, object]] = {}
        for name, store_settings in settings.items():
            opened = open_store(store_settings)
            cleanup.callback(opened.close)
            if opened.embedded is not None:
                pids[name] = opened.embedded.pid
            repository = PracticeRepository(opened.store)
            catalogue = Services(repository).catalogue()
            catalogue.seed_defaults()
            report = load_generated_practice(repository, args.entities, args.relationships, caller=LOCAL_OPERATOR,
                                             seed=args.seed, batch_size=args.batch_size)
            print(f"  {name}: loaded through load_generated_practice (batches of {args.batch_size:,}) in "
                  f"{report.seconds:.0f} s = {args.relationships / report.seconds:,.0f} relationships/s; {conditions()}",
                  flush=True)
            stores[name] = (repository, catalogue, opened.store)

        kinds = {
            ("new", False): lambda r, c, s: read_practice_graph(r, c, with_relationship_ids=False),
            ("new", True): lambda r, c, s: read_practice_graph(r, c, with_relationship_ids=True),
            ("old", False): lambda r, c, s: read_old_form(s, c, with_relationship_ids=False),
            ("old", True): lambda r, c, s: read_old_form(s, c, with_relationship_ids=True),
        }
        for name, (repository, catalogue, store) in stores.items():
            new = read_practice_graph(repository, catalogue, with_relationship_ids=False).graph
            old = read_old_form(store, catalogue, with_relationship_ids=False)
            print(f"  {name}: new and old forms read {same_graph(new, old)}")
            del new, old
        for opened_store in stores.values():  # warm-up: the first read of each kind
            for read in kinds.values():
                read(*opened_store)
        measured: dict[tuple[str, str, bool], list[tuple[float, float, float]]] = {}
        print(f"\ntimed reads, {args.repeats} of each kind on each store, the stores in turn:", flush=True)
        for repeat in range(args.repeats):
            for kind, read in kinds.items():
                for name, opened_store in stores.items():
                    measured.setdefault((name, *kind), []).append(timed(lambda: read(*opened_store), pids[name]))
            print(f"  round {repeat + 1} done; {conditions()}", flush=True)

        seconds = {key: [wall for wall, _, _ in values] for key, values in measured.items()}

        def span(values: list[float]) -> str:
            return f"{min(values):.2f}-{max(values):.2f}"

        names = list(stores)
        print(f"\nwhole-graph read, {args.entities:,} entities / {args.relationships:,} relationships, seconds "
              f"(min-max of {args.repeats}); {conditions()}")
        header = "".join(f"{name:>16}" for name in names)
        ratio_header = f"{'Neo4j/FalkorDB':>18}" if NEO4J in stores else ""
        print(f"{'':34}{header}{ratio_header}")
        for form, with_ids in kinds:
            label = f"{form} form, {'with relationship ids' if with_ids else 'no ids (scoring)'}"
            row = "".join(f"{span(seconds[(name, form, with_ids)]):>16}" for name in names)
            if NEO4J in stores:
                ratios = [n / f for n, f in zip(seconds[(NEO4J, form, with_ids)], seconds[(FALKORDB, form, with_ids)])]
                row += f"{min(ratios):>11.2f}-{max(ratios):.2f}"
            print(f"{label:34}{row}")
        print(f"\nCPU seconds per read, this process + the store's server (min of {args.repeats}):")
        print(f"{'':34}" + "".join(f"{name:>16}" for name in names))
        for form, with_ids in kinds:
            label = f"{form} form, {'with relationship ids' if with_ids else 'no ids (scoring)'}"
            cells = []
            for name in names:
                client, store = (min(values) for values in zip(*[(c, s) for _, c, s in measured[(name, form, with_ids)]]))
                cells.append(f"{client:.1f} + {store:.1f}")
            print(f"{label:34}" + "".join(f"{cell:>16}" for cell in cells))
        print()
        for name in names:
            for with_ids in (False, True):
                ratios = [new / old for new, old in zip(seconds[(name, 'new', with_ids)], seconds[(name, 'old', with_ids)])]
                print(f"{name}, {'with ids' if with_ids else 'no ids'}: new form / old form {min(ratios):.2f}-{max(ratios):.2f}")
        if NEO4J in stores:
            ratios = [n / f for n, f in zip(seconds[(NEO4J, "new", False)], seconds[(FALKORDB, "new", False)])]
            print(f"\ntarget: the scoring read on Neo4j within 2x of FalkorDB's -> "
                  f"{'met' if max(ratios) <= 2 else 'met in some rounds' if min(ratios) <= 2 else 'NOT met'} "
                  f"({min(ratios):.2f}-{max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
