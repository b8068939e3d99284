"""FalkorDB adapter over its native protocol (never its experimental Bolt port)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

import redis.exceptions
from falkordb import FalkorDB
from falkordb.helpers import stringify_param_value
from falkordb.query_result import parse_scalar

from app.domain.errors import DuplicateKey, InvalidInput, StoreUnavailable
from app.repositories.cypher import Dialect
from app.repositories.schema import (
    NODE_INDEXES,
    RELATIONSHIP_INDEX_PROPERTIES,
    duplicate_message,
)
from app.repositories.store import Compaction, GraphStore, Row

#: Held while this process changes the schema or copies a graph (see ``snapshot``).
_SCHEMA_CHANGES = threading.RLock()
_NODE_INDEXES = tuple(index for index in NODE_INDEXES if index.on_falkordb)
#: "unique constraint violation on node of type Entity" (FalkorDB 4.16 names no property).
_UNIQUE_VIOLATION = re.compile(r"unique constraint violation.*?of type (\w+)", re.I | re.S)


class FalkorGraphStore(GraphStore):
    dialect = Dialect.falkordb

    def __init__(
        self, client: FalkorDB, graph_name: str, *, where: str = "", compactor: Callable[[], Compaction] | None = None,
        copy_guard: Callable[[], AbstractContextManager[Any]] | None = None,
        bulk_guard: Callable[[], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self._client = client
        self._graph = client.select_graph(graph_name)
        self.graph_name = graph_name
        self._where = where
        #: Rewrites the server's log: given for the embedded server (its
        #: ``rewrite_append_only_file``); an external server's persistence is its operator's.
        self._compactor = compactor
        #: Held around a GRAPH.COPY: for the embedded server, its ``one_fork`` (no rewrite may
        #: run then); an external server's rewrites are its operator's.
        self._copy_guard = copy_guard or nullcontext
        #: Held around a bulk load: for the embedded server, its ``bulk_load`` (fewer rewrites).
        self._bulk_guard = bulk_guard or nullcontext

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run("GRAPH.RO_QUERY", query, params)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run("GRAPH.QUERY", query, params)

    def prepare_write(self, query: str, params: Mapping[str, Any] | None = None) -> Callable[[], list[Row]]:
        text = _with_params(query, params)
        return lambda: self._send("GRAPH.QUERY", text, params)

    def _run(self, command: str, query: str, params: Mapping[str, Any] | None) -> list[Row]:
        return self._send(command, _with_params(query, params), params)

    def _send(self, command: str, text: str, params: Mapping[str, Any] | None) -> list[Row]:
        # The falkordb client's Graph.query, with its two costly steps done here: parameters
        # travel as a ``CYPHER name=value ...`` text header (``params_header``, the client's
        # text at a fraction of its cost) in front of the query, and the compact answer is
        # read by ``_value``.
        try:
            response = self._client.connection.execute_command(command, self.graph_name, text, "--compact")
            # A runtime error comes back as the answer's last element (the client looks at the first too).
            for part in (response[0], response[-1]):
                if isinstance(part, redis.exceptions.ResponseError):
                    raise part
        except redis.exceptions.ResponseError as error:
            violation = _UNIQUE_VIOLATION.search(str(error))
            if violation:
                label = violation[1]
                props = [index.property for index in _NODE_INDEXES if index.unique and index.label == label]
                raise DuplicateKey(duplicate_message(label, props[0] if len(props) == 1 else None)) from error
            # The client sends parameters in a header before the query text; a NUL cuts both
            # short, so FalkorDB can only refuse the query. Looked for here, off the hot path.
            if params and _has_nul(params):
                raise InvalidInput("text may not contain the NUL character (\\x00)") from error
            raise
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            raise StoreUnavailable(f"FalkorDB {self._where} is not reachable: {error}") from error
        if len(response) == 1:  # statistics only: a write that returns nothing
            return []
        names = [column[1] for column in response[0]]
        graph = self._graph
        return [dict(zip(names, [_value(cell, graph) for cell in row], strict=True)) for row in response[1]]

    def ensure_schema(self) -> None:
        with _SCHEMA_CHANGES:
            existing = self._existing_indexes()
            for index in _NODE_INDEXES:
                if (index.label, index.property) not in existing:
                    self._graph.query(f"CREATE INDEX FOR (n:`{index.label}`) ON (n.`{index.property}`)")
            constraints = {(row[0], row[1]) for row in self._constraints()}
            for index in _NODE_INDEXES:
                if index.unique and (index.label, index.property) not in constraints:
                    self._client.connection.execute_command(
                        "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", index.label, "PROPERTIES", 1,
                        index.property,
                    )
            self._await_constraints()
            self._await_indexes()

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        with _SCHEMA_CHANGES:
            existing = self._existing_indexes(relationships=True)
            created = False
            for code in type_codes:
                for prop in RELATIONSHIP_INDEX_PROPERTIES:
                    if (code, prop) not in existing:
                        self._graph.query(f"CREATE INDEX FOR ()-[r:`{code}`]-() ON (r.`{prop}`)")
                        created = True
            if created:
                self._await_indexes()

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

    def _await_indexes(self, timeout_s: float = 60.0) -> None:
        # A new index is filled in the background ("UNDER CONSTRUCTION" until then).
        deadline = time.monotonic() + timeout_s
        while any(status != "OPERATIONAL" for [status] in self._procedure("CALL db.indexes() YIELD status RETURN status")):
            if time.monotonic() > deadline:
                raise StoreUnavailable("indexes did not finish building in time")
            time.sleep(0.01)

    snapshots_are_point_in_time = True

    @contextmanager
    def snapshot(self) -> Iterator[GraphStore]:
        """A GRAPH.COPY of the graph, deleted after use. FalkorDB copies a point-in-time
        snapshot while the graph stays readable and writable; the copy costs the graph's
        size in memory while it exists, and passes through the append-only file until Redis
        next rewrites it."""
        name = f"{self.graph_name}.snapshot.{uuid.uuid4().hex[:12]}"
        try:
            # FalkorDB 4.16 deadlocks, the whole server and not just the copy, when GRAPH.COPY
            # runs while an index or constraint is still being built (reproduced: a copy right
            # after CREATE INDEX on 20,000 relationships hangs every time). So copy only once
            # every index is built, and build none meanwhile from this process.
            with _SCHEMA_CHANGES:
                self._await_constraints()
                self._await_indexes()
                with self._copy_guard():
                    self._graph.copy(name)
        except redis.exceptions.ResponseError as error:
            if "empty key" in str(error):  # nothing written yet: nothing to copy
                yield self
                return
            raise
        try:
            yield FalkorGraphStore(self._client, name, where=self._where, copy_guard=self._copy_guard)
        finally:
            self._client.select_graph(name).delete()

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        with self._bulk_guard():
            yield

    def compact(self) -> Compaction | None:
        return self._compactor() if self._compactor is not None else None

    def close(self) -> None:
        self._client.connection.close()

    def describe(self) -> dict[str, str]:
        return {"store": "falkordb", "where": self._where, "graph": self.graph_name}


def _value(cell: list[Any], graph: Any) -> Any:
    """One ``[type, value]`` cell of a compact answer, as the client's ``parse_scalar`` reads
    it, for the types our queries return (maps from projections, lists, strings, numbers,
    booleans, null) with one call per value instead of three; nodes, edges, paths, points and
    temporal values go to the client's own function (they need its schema cache)."""
    kind, value = cell
    if kind == 2:  # string
        return value if type(value) is str else parse_scalar(cell, graph)
    if kind == 10:  # map: alternating keys and cells
        pairs = iter(value)
        return {key: _value(item, graph) for key, item in zip(pairs, pairs)}
    if kind == 3:  # integer
        return value if type(value) is int else int(value)
    if kind == 1:  # null
        return None
    if kind == 6:  # array
        return [_value(item, graph) for item in value]
    if kind == 5:  # double, sent as text
        return float(value)
    if kind == 4:  # boolean, sent as text
        return value == "true"
    return parse_scalar(cell, graph)


def _with_params(query: str, params: Mapping[str, Any] | None) -> str:
    """The text FalkorDB is sent: the parameter header, then the query."""
    return params_header(params) + query if params else query


def params_header(params: Mapping[str, Any]) -> str:
    """The ``CYPHER `name`=value ...`` header the falkordb client builds for ``params``, character
    for character (tests/repositories/test_falkordb_wire.py compares the two), built faster.

    The client's encoder (``falkordb.helpers.stringify_param_value``) tests every value against
    a chain of isinstance checks; a batch of 10,000 relationships with their audit records is
    about 300,000 values and spent ~0.15-0.4 s there. This one dispatches on the exact type,
    quotes strings inline and reuses each map key's text: 1.5 to 2 times faster; values of
    any other type (a str or int subclass, a date, bytes) go to the client's own function, so
    the text stays the client's.
    """
    return "CYPHER " + "".join([f"{_param_name(name)}={cypher_literal(value)} " for name, value in params.items()])


def cypher_literal(value: Any) -> str:
    """``value`` as the client writes it in the header: strings in double quotes with only
    backslash and double quote escaped (newlines and other characters go as they are), map keys
    in backticks, ``null``, numbers and booleans as Python prints them."""
    kind = type(value)
    if kind is str:
        if "\\" in value or '"' in value:  # two scans cost less than two replace calls
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{value}"'
    if kind is dict:
        return _map_literal(value)
    if kind is list or kind is tuple:
        return "[" + ",".join([cypher_literal(item) for item in value]) + "]"
    if value is None:
        return "null"
    if kind is int or kind is float or kind is bool:
        return str(value)
    return stringify_param_value(value)


def _map_literal(value: dict[Any, Any]) -> str:
    parts = []
    append = parts.append
    keys = _MAP_KEYS
    for key, item in value.items():
        prefix = keys.get(key) if type(key) is str else None
        if prefix is None:
            prefix = _map_key(key)
        kind = type(item)
        # Strings and numbers inline: they are most of a batch's values.
        if kind is str:
            if "\\" in item or '"' in item:
                item = item.replace("\\", "\\\\").replace('"', '\\"')
            append(f'{prefix}"{item}"')
        elif kind is int or kind is float:
            append(f"{prefix}{item!r}")
        else:
            append(prefix + cypher_literal(item))
    return "{" + ",".join(parts) + "}"


#: Map keys seen so far and their header text (property names: a few dozen).
_MAP_KEYS: dict[str, str] = {}


def _map_key(key: Any) -> str:
    prefix = f"{_backticked(key, 'map key')}:"
    if type(key) is str and len(_MAP_KEYS) < 10_000:
        _MAP_KEYS[key] = prefix
    return prefix


def _param_name(name: Any) -> str:
    return _backticked(name, "parameter name")


def _backticked(name: Any, what: str) -> str:
    """``name`` in backticks, by the client's rules: FalkorDB cannot read an empty or an
    escaped backticked name."""
    text = name.decode() if isinstance(name, bytes) else str(name)
    if text == "":
        raise ValueError(f"Cypher {what} cannot be empty")
    if "`" in text:
        raise ValueError(f"Cypher {what} cannot contain a backtick: {text!r}")
    return f"`{text}`"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False
