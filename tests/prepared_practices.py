"""Prepared practices for the API fixtures: the default catalogue (and the sample practice)
made once per store and session through the services, then copied into each test's empty
store by two kinds of query, the same on both stores.

Measured on the 2-core CI machine: making the sample practice through its ~200 guarded,
audited writes cost each test that used it about 1-2 s on Neo4j and 0.3-0.6 s on FalkorDB,
over a suite where ~250 tests per store use it; a copy is a few UNWIND writes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.repositories.store import GraphStore

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class PracticeSnapshot:
    """Every node (labels, properties) and relationship (ends, type, properties) of a store,
    in the order the store made them."""

    nodes: list[dict[str, Any]]
    relationships: list[dict[str, Any]]


def take(store: GraphStore) -> PracticeSnapshot:
    nodes = store.read("MATCH (n) RETURN id(n) AS node, labels(n) AS labels, properties(n) AS properties ORDER BY id(n)")
    relationships = store.read(
        "MATCH (a)-[r]->(b) RETURN id(a) AS start, id(b) AS end, type(r) AS type, properties(r) AS properties"
        " ORDER BY id(r)"
    )
    return PracticeSnapshot(nodes, relationships)


def _identifier(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"unexpected label or type in a snapshot: {name!r}")
    return f"`{name}`"


def restore(store: GraphStore, snapshot: PracticeSnapshot) -> None:
    """Make ``snapshot`` in ``store``, which is empty: nodes by label set, relationships by
    type, each group in the order the snapshot's store made them, their ends found by the
    copies' internal ids (a seek on both stores)."""
    by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for node in snapshot.nodes:
        by_labels[tuple(node["labels"])].append({"node": node["node"], "properties": node["properties"]})
    copied: dict[int, int] = {}
    for labels, rows in by_labels.items():
        made = store.write(
            f"UNWIND $rows AS row CREATE (n:{':'.join(map(_identifier, labels))}) SET n = row.properties"
            " RETURN row.node AS node, id(n) AS copy",
            {"rows": rows},
        )
        copied.update((row["node"], row["copy"]) for row in made)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for relationship in snapshot.relationships:
        by_type[relationship["type"]].append({
            "start": copied[relationship["start"]], "end": copied[relationship["end"]],
            "properties": relationship["properties"],
        })
    for kind, rows in by_type.items():
        store.write(
            "UNWIND $rows AS row MATCH (a) WHERE id(a) = row.start MATCH (b) WHERE id(b) = row.end"
            f" CREATE (a)-[r:{_identifier(kind)}]->(b) SET r = row.properties",
            {"rows": rows},
        )


class PreparedPractices:
    """Per store kind and practice (empty or sample): made by ``make`` the first time, copied after."""

    def __init__(self) -> None:
        self._snapshots: dict[tuple[str, bool], PracticeSnapshot] = {}

    def into(self, store: GraphStore, *, sample: bool, make: Callable[[], None]) -> None:
        key = (type(store).__name__, sample)
        snapshot = self._snapshots.get(key)
        if snapshot is None:
            make()
            self._snapshots[key] = take(store)
        else:
            restore(store, snapshot)
