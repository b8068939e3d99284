"""The graph store port: the few operations the repository needs from any graph database."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from app.repositories.cypher import Dialect, QueryLibrary, query_library

Row = dict[str, Any]


@dataclass(frozen=True)
class Compaction:
    """What ``GraphStore.compact`` did to the store's on-disk log."""

    #: Whether the log was rewritten (and the rewrite finished).
    done: bool
    seconds: float
    #: The log's size before and after, in bytes (0 where unknown).
    before_bytes: int
    after_bytes: int
    #: Why it was not done, when that is worth telling (None when there was nothing to do).
    problem: str | None = None
    #: A rewrite was started and goes on in the background.
    running: bool = False


class GraphStore(ABC):
    """A graph database that runs Rapport's Cypher. Each ``write`` is one transaction."""

    dialect: Dialect

    @property
    def queries(self) -> QueryLibrary:
        return query_library(self.dialect)

    @abstractmethod
    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a read-only query (routed to a reader where the store has them)."""

    @abstractmethod
    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run one query as one atomic transaction."""

    def prepare_write(self, query: str, params: Mapping[str, Any] | None = None) -> Callable[[], list[Row]]:
        """``write`` in two steps: what the store does with a query and its parameters before
        sending them happens now, the sending (the transaction) when the returned function is
        called. A caller can then prepare a big write while another thread waits on the store.
        By default nothing is done early; FalkorDB's adapter turns the parameters into text."""
        return lambda: self.write(query, params)

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create the node indexes and uniqueness constraints Rapport relies on."""

    @abstractmethod
    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        """Index ``id`` on each relationship type so lookups by id stay index-backed."""

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around a bulk load (followed by ``compact``): the store may log differently
        meanwhile. By default nothing changes."""
        yield

    def compact(self) -> Compaction | None:
        """Make the store's on-disk log compact after a bulk load, so that its next start is
        fast; returns once that is done. None: this store keeps no log of ours to compact
        (Neo4j, an external FalkorDB run by its operator)."""
        return None

    #: Whether ``snapshot`` gives a point-in-time copy (else reads see concurrent writes).
    snapshots_are_point_in_time = False

    @contextmanager
    def snapshot(self) -> Iterator[GraphStore]:
        """A store to read the whole graph from as it was at one instant (backups, exports).

        This default gives the live store itself: a reader that needs a point-in-time view
        must then keep writers away. Adapters that can copy the graph override it.
        """
        yield self

    def describe(self) -> dict[str, str]:
        """A short, secret-free description for the health endpoint."""
        return {"store": self.dialect.value}
