"""FalkorDB adapter over its native protocol (never its experimental Bolt port)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import redis.exceptions
from falkordb import FalkorDB

from app.domain.errors import Conflict, InvalidInput, StoreUnavailable
from app.repositories.cypher import Dialect
from app.repositories.store import GraphStore, Row

# (label, property) pairs with an exact-match index; the first also carries uniqueness.
_NODE_INDEXES = (
    ("Entity", "id"),
    ("Entity", "name"),
    ("Entity", "external_id"),
    ("Client", "owner_id"),
    ("TeamMember", "reports_to_id"),
    ("RelationshipType", "code"),
    ("Category", "key"),
    ("ScoringRun", "id"),
    ("InfluenceScore", "position_key"),
    ("InfluenceScore", "entity_id"),
    ("InfluenceScore", "run_id"),
    ("TierRun", "id"),
    ("TierSuggestion", "run_id"),
    ("ServiceTemplate", "tier"),
    ("Touch", "client_id"),
    ("ServiceRequest", "client_id"),
    ("ImportantDate", "entity_id"),
    ("ImportantDate", "id"),
)
_UNIQUE = (("Entity", "id"), ("RelationshipType", "code"), ("Category", "key"))
# Relationship properties indexed on every relationship type.
_RELATIONSHIP_INDEXES = ("id", "external_id")


class FalkorGraphStore(GraphStore):
    dialect = Dialect.falkordb

    def __init__(self, client: FalkorDB, graph_name: str, *, where: str = "") -> None:
        self._client = client
        self._graph = client.select_graph(graph_name)
        self.graph_name = graph_name
        self._where = where

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run(self._graph.ro_query, query, params)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run(self._graph.query, query, params)

    def _run(self, method, query: str, params: Mapping[str, Any] | None) -> list[Row]:
        try:
            result = method(query, dict(params or {}))
        except redis.exceptions.ResponseError as error:
            if "unique constraint violation" in str(error).lower():
                raise Conflict("an entity with this id already exists") from error
            # The client sends parameters in a header before the query text; a NUL cuts both
            # short, so FalkorDB can only refuse the query. Looked for here, off the hot path.
            if params and _has_nul(params):
                raise InvalidInput("text may not contain the NUL character (\\x00)") from error
            raise
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            raise StoreUnavailable(f"FalkorDB {self._where} is not reachable: {error}") from error
        names = [column[1] for column in result.header]
        return [dict(zip(names, row, strict=True)) for row in result.result_set]

    def ensure_schema(self) -> None:
        existing = self._existing_indexes()
        for label, prop in _NODE_INDEXES:
            if (label, prop) not in existing:
                self._graph.query(f"CREATE INDEX FOR (n:`{label}`) ON (n.`{prop}`)")
        constraints = {(row[0], row[1]) for row in self._constraints()}
        for label, prop in _UNIQUE:
            if (label, prop) not in constraints:
                self._client.connection.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", label, "PROPERTIES", 1, prop
                )
        self._await_constraints()

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        existing = self._existing_indexes(relationships=True)
        for code in type_codes:
            for prop in _RELATIONSHIP_INDEXES:
                if (code, prop) not in existing:
                    self._graph.query(f"CREATE INDEX FOR ()-[r:`{code}`]-() ON (r.`{prop}`)")

    def _existing_indexes(self, *, relationships: bool = False) -> set[tuple[str, str]]:
        wanted = "RELATIONSHIP" if relationships else "NODE"
        rows = self._procedure("CALL db.indexes() YIELD label, properties, entitytype RETURN label, properties, entitytype")
        return {
            (label, prop)
            for label, properties, entity_type in rows
            if entity_type == wanted
            for prop in properties
        }

    def _constraints(self) -> list[tuple[str, str, str]]:
        rows = self._procedure("CALL db.constraints() YIELD label, properties, status RETURN label, properties, status")
        return [(label, props[0], status) for label, props, status in rows if len(props) == 1]

    def _procedure(self, query: str) -> list[list[Any]]:
        try:
            return self._graph.ro_query(query).result_set
        except redis.exceptions.ResponseError as error:
            if "empty key" in str(error):  # a graph that does not exist yet has no schema
                return []
            raise

    def _await_constraints(self, timeout_s: float = 30.0) -> None:
        # A new constraint starts PENDING while FalkorDB checks existing nodes.
        deadline = time.monotonic() + timeout_s
        while any(status != "OPERATIONAL" for *_, status in self._constraints()):
            failed = [c for c in self._constraints() if c[2] == "FAILED"]
            if failed:
                raise StoreUnavailable(f"uniqueness constraint failed on existing data: {failed}")
            if time.monotonic() > deadline:
                raise StoreUnavailable("uniqueness constraints did not become operational in time")
            time.sleep(0.02)

    snapshots_are_point_in_time = True

    @contextmanager
    def snapshot(self) -> Iterator[GraphStore]:
        """A GRAPH.COPY of the graph, deleted after use. FalkorDB copies a point-in-time
        snapshot while the graph stays readable and writable; the copy costs the graph's
        size in memory while it exists, and passes through the append-only file until Redis
        next rewrites it."""
        name = f"{self.graph_name}.snapshot.{uuid.uuid4().hex[:12]}"
        try:
            self._graph.copy(name)
        except redis.exceptions.ResponseError as error:
            if "empty key" in str(error):  # nothing written yet: nothing to copy
                yield self
                return
            raise
        try:
            yield FalkorGraphStore(self._client, name, where=self._where)
        finally:
            self._client.select_graph(name).delete()

    def close(self) -> None:
        self._client.connection.close()

    def describe(self) -> dict[str, str]:
        return {"store": "falkordb", "where": self._where, "graph": self.graph_name}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False
