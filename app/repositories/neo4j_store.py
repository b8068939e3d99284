"""Neo4j 5 adapter through the official driver: managed transactions, explicit database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import neo4j
from neo4j import RoutingControl
from neo4j.exceptions import ConstraintError, ServiceUnavailable, SessionExpired

from app.domain.errors import DuplicateKey, StoreUnavailable
from app.repositories.cypher import Dialect
from app.repositories.schema import (
    NODE_INDEXES,
    RELATIONSHIP_INDEX_PROPERTIES,
    duplicate_message,
)
from app.repositories.store import GraphStore, Row

#: "Node(12) already exists with label `Entity` and property `id` = 'x'"
_CONSTRAINT_MESSAGE = re.compile(r"label `([^`]+)` and property `([^`]+)`")


#: Options for every driver Rapport makes. Neo4j notes each query that names a property no
#: node has yet (a new practice has no `influencer_segment`, `revoked_at`...) and the driver
#: logs each note as a warning: hundreds a minute, every one expected (seen on 5.26).
DRIVER_OPTIONS: dict[str, Any] = {"notifications_disabled_classifications": ["UNRECOGNIZED"]}


def schema_statements() -> list[str]:
    """The schema of app/repositories/schema.py as Neo4j statements."""
    statements = []
    for index in (index for index in NODE_INDEXES if index.on_neo4j):
        target = f"FOR (n:`{index.label}`)"
        statements.append(
            f"CREATE CONSTRAINT {index.name} IF NOT EXISTS {target} REQUIRE n.`{index.property}` IS UNIQUE"
            if index.unique else f"CREATE INDEX {index.name} IF NOT EXISTS {target} ON (n.`{index.property}`"
                                 + (f", n.`{index.then}`)" if index.then else ")")
        )
    return statements


class Neo4jGraphStore(GraphStore):
    """The driver is passed in; the database is named on every call and reads go to readers."""

    dialect = Dialect.neo4j

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        self._driver = driver
        self._database = database

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run(query, params, RoutingControl.READ)

    def write(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run(query, params, RoutingControl.WRITE)

    def _run(self, query: str, params: Mapping[str, Any] | None, routing: RoutingControl) -> list[Row]:
        try:
            # execute_query runs a managed transaction: the driver retries transient failures.
            records, _, _ = self._driver.execute_query(
                query, parameters_=dict(params or {}), database_=self._database, routing_=routing
            )
        except ConstraintError as error:
            found = _CONSTRAINT_MESSAGE.search(error.message or "")
            raise DuplicateKey(duplicate_message(*(found.groups() if found else (None, None)))) from error
        except (ServiceUnavailable, SessionExpired) as error:
            raise StoreUnavailable(f"Neo4j is not reachable: {error}") from error
        return [record.data() for record in records]

    def ensure_schema(self) -> None:
        for statement in schema_statements():
            self._driver.execute_query(statement, database_=self._database)

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        for code in type_codes:
            for prop in RELATIONSHIP_INDEX_PROPERTIES:
                self._driver.execute_query(
                    f"CREATE INDEX `rapport_rel_{code.lower()}_{prop}` IF NOT EXISTS FOR ()-[r:`{code}`]-() ON (r.`{prop}`)",
                    database_=self._database,
                )

    def close(self) -> None:
        self._driver.close()

    def describe(self) -> dict[str, str]:
        return {"store": "neo4j", "database": self._database}
