"""Import speed into the embedded store, next to the raw batch query as the peer.

A practice is generated (``generate_practice``) and written as import files; then the
``rapport import`` path (``FileSource`` + ``import_practice``: read the files, check every
row against the rules and the store, then write through the bulk path) loads them into a
fresh graph of an embedded FalkorDB. The peer, in the same run and store: the same
entities and relationships, already in store form, written straight through the bulk
queries (``create_entities``, ``create_relationships``: batches of one type, no checks,
no background thread) into another fresh graph. The figure is relationships per second
over the whole import, next to the peer's.

``--demo`` also times ``load_generated_practice`` (what ``rapport demo`` runs: generate and
write, no check) into a third graph.

Example: ``.venv/bin/python bench/import_bench.py --entities 20000 --relationships 100000``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from falkordb import FalkorDB  # noqa: E402

from app.domain.access import LOCAL_OPERATOR  # noqa: E402
from app.domain.model import EntityKind  # noqa: E402
from app.repositories.embedded_falkordb import EmbeddedFalkorDB  # noqa: E402
from app.repositories.falkordb_store import FalkorGraphStore  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.bulk import bulk_record  # noqa: E402
from app.services.catalogue import CatalogueService  # noqa: E402
from app.services.export import write_import_files  # noqa: E402
from app.services.generator import generate_practice  # noqa: E402
from app.services.transfer import FileSource, import_practice, load_generated_practice  # noqa: E402


def fresh_repository(client: FalkorDB, name: str) -> PracticeRepository:
    store = FalkorGraphStore(client, name)
    store.ensure_schema()
    repository = PracticeRepository(store)
    CatalogueService(repository, LOCAL_OPERATOR).seed_defaults()
    return repository


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--demo", action="store_true", help="also time load_generated_practice (rapport demo)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rb-"))  # short: the store's unix socket lives in it
    server = EmbeddedFalkorDB(work / "store").start()
    try:
        client = FalkorDB(unix_socket_path=str(server.socket_path))
        print(f"practice: {args.entities:,} entities, {args.relationships:,} relationships (seed {args.seed}); "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")

        started = time.perf_counter()
        rows = sum(len(b.rows) for b in generate_practice(args.entities, args.relationships, seed=args.seed))
        generated = time.perf_counter() - started
        print(f"generate: {rows:,} rows in {generated:.1f} s ({rows / generated:,.0f} rows/s)")
        files = work / "files"
        write_import_files(generate_practice(args.entities, args.relationships, seed=args.seed), files, args.format)

        imported = fresh_repository(client, "bench_import")
        phases: dict[str, float] = {}
        last = [time.perf_counter(), None]

        def on_progress(phase: str, done: int, total: int | None) -> None:
            now = time.perf_counter()
            if last[1] is not None:
                phases[last[1]] = phases.get(last[1], 0.0) + now - last[0]
            last[:] = [now, phase]

        cpu, server_before = time.process_time(), server_cpu(server.pid)
        last[0] = started = time.perf_counter()
        report = import_practice(imported, FileSource([files]), caller=LOCAL_OPERATOR, batch_size=args.batch_size,
                                 on_progress=on_progress)
        seconds = time.perf_counter() - started
        phases[last[1]] = phases.get(last[1], 0.0) + time.perf_counter() - last[0]
        assert report.problems == [] and report.relationships == args.relationships, report.problems[:5]
        rate = args.relationships / seconds
        print(f"import ({args.format} files, check + write): {args.relationships:,} relationships and "
              f"{args.entities:,} entities in {seconds:.2f} s = {rate:,.0f} relationships/s "
              f"(check {phases.get('checking', 0):.2f} s, write {phases.get('writing', 0):.2f} s; "
              f"CPU: Python {time.process_time() - cpu:.1f} s, store {server_cpu(server.pid) - server_before:.1f} s)")

        # The peer: the rows the import wrote, written again with the bare batch queries.
        entities, relationships = defaultdict(list), defaultdict(list)
        with imported.snapshot() as frozen:
            after = None
            while page := frozen.entities_page(after=after, limit=5_000):
                for entity in page:
                    entities[EntityKind(entity["entity_kind"])].append(entity)
                for found in frozen.outgoing_relationships(e["id"] for e in page):
                    relationships[found["type"]].append(
                        {"from_id": found["from_id"], "to_id": found["to_id"], "properties": found["relationship"]})
                after = page[-1]["id"]
        peer = fresh_repository(client, "bench_peer")
        peer.ensure_relationship_indexes(relationships)
        audit = bulk_record(LOCAL_OPERATOR, "bench-peer", "written by the peer")  # one per query, as the import
        for kind, rows_ in entities.items():
            for start in range(0, len(rows_), args.batch_size):
                peer.create_entities(kind, rows_[start:start + args.batch_size], audit=audit)
        started = time.perf_counter()
        for code, rows_ in relationships.items():
            for start in range(0, len(rows_), args.batch_size):
                peer.create_relationships(code, rows_[start:start + args.batch_size], audit=audit)
        peer_seconds = time.perf_counter() - started
        peer_rate = args.relationships / peer_seconds
        print(f"peer (bare create_relationships batches, same rows, entities already in): {args.relationships:,} "
              f"relationships in {peer_seconds:.2f} s = {peer_rate:,.0f} relationships/s")
        print(f"import / peer: {rate / peer_rate:.2f}")

        if args.demo:
            demo = fresh_repository(client, "bench_demo")
            report = load_generated_practice(demo, args.entities, args.relationships, caller=LOCAL_OPERATOR,
                                             seed=args.seed, batch_size=args.batch_size)
            print(f"demo (generate + write, no check): {args.entities:,} entities and {args.relationships:,} "
                  f"relationships in {report.seconds:.1f} s = {args.relationships / report.seconds:,.0f} relationships/s")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
