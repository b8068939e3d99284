"""What every area's repository shares: the store it reads and writes, and the helpers of
more than one area.

The practice's reads and writes are split by area (``entities``, ``relationships``,
``catalogue``, ...), one query file each. Each area module has a ``typing.Protocol`` that the
services depend on and the class that implements it over a ``GraphStore``; the repositories
speak in plain dicts (node and relationship properties) and know nothing of HTTP or of the
practice's rules beyond what must be checked inside the write itself to be atomic.
``PracticeRepository`` (``app/repositories/practice.py``) is all of them on one store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from app.domain.catalogue import PairRule
from app.repositories.store import GraphStore, Row


class Repository:
    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._q = store.queries

    @property
    def store(self) -> GraphStore:
        """The store it reads and writes (``app.bootstrap`` builds the other parts' repositories
        on it: groups, suggestion runs)."""
        return self._store


def _owners(owners: Collection[str] | None) -> list[str] | None:
    """The ``$owners`` of a query with a ``// visible:`` line: whose clients the caller sees
    (None: everything, and the query is rendered without the filter)."""
    return None if owners is None else sorted(owners)


#: The type of each query's rows, by query name: a frozen dataclass whose fields are the
#: query's RETURN columns (``tests/cypher/test_query_results.py`` holds every query file to
#: its type), so a renamed column fails in a test, not at run time.
QUERY_RESULTS: dict[str, type] = {}

_Result = TypeVar("_Result")


def result_of(*queries: str) -> Callable[[type[_Result]], type[_Result]]:
    """Register a dataclass as the type of the rows of ``queries``."""
    def register(result: type[_Result]) -> type[_Result]:
        for query in queries:
            QUERY_RESULTS[query] = result
        return result
    return register


def first_as(result: type[_Result], rows: list[Row]) -> _Result | None:
    """The first of ``rows`` as its query's result type; None if there is none."""
    return result(**rows[0]) if rows else None


def all_as(result: type[_Result], rows: list[Row]) -> list[_Result]:
    """``rows`` as their query's result type."""
    return [result(**row) for row in rows]


def _rule_params(rule: PairRule) -> dict[str, Any]:
    return {"symmetric": rule.symmetric, "singular_role": rule.singular_role}


def _role_types(type_code: str, rule: PairRule) -> list[str]:
    """The ``// each role_type`` block of a one-type query: there only when the type has a
    singular role (FalkorDB evaluates a role check that a CASE would skip)."""
    return [type_code] if rule.singular_role else []
