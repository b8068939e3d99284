"""Neo4j 5 adapter through the official driver: managed transactions, explicit database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import neo4j
from neo4j import RoutingControl
from neo4j.exceptions import ConstraintError, ServiceUnavailable, SessionExpired

from app.domain.errors import Conflict, StoreUnavailable
from app.repositories.cypher import Dialect
from app.repositories.store import GraphStore, Row

_SCHEMA = (
    "CREATE CONSTRAINT rapport_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT rapport_relationship_type_code IF NOT EXISTS FOR (n:RelationshipType) REQUIRE n.code IS UNIQUE",
    "CREATE CONSTRAINT rapport_category_key IF NOT EXISTS FOR (n:Category) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX rapport_entity_name IF NOT EXISTS FOR (n:Entity) ON (n.name)",
    "CREATE INDEX rapport_entity_external_id IF NOT EXISTS FOR (n:Entity) ON (n.external_id)",
    "CREATE INDEX rapport_client_owner IF NOT EXISTS FOR (n:Client) ON (n.owner_id)",
    "CREATE INDEX rapport_team_member_reports_to IF NOT EXISTS FOR (n:TeamMember) ON (n.reports_to_id)",
    "CREATE CONSTRAINT rapport_scoring_run_id IF NOT EXISTS FOR (n:ScoringRun) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX rapport_influence_score_position IF NOT EXISTS FOR (n:InfluenceScore) ON (n.position_key)",
    "CREATE INDEX rapport_influence_score_entity IF NOT EXISTS FOR (n:InfluenceScore) ON (n.entity_id)",
    "CREATE INDEX rapport_influence_score_run IF NOT EXISTS FOR (n:InfluenceScore) ON (n.run_id)",
    "CREATE CONSTRAINT rapport_tier_run_id IF NOT EXISTS FOR (n:TierRun) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX rapport_tier_suggestion_run IF NOT EXISTS FOR (n:TierSuggestion) ON (n.run_id)",
    "CREATE INDEX rapport_service_template_tier IF NOT EXISTS FOR (n:ServiceTemplate) ON (n.tier)",
    "CREATE INDEX rapport_touch_client IF NOT EXISTS FOR (n:Touch) ON (n.client_id)",
    "CREATE INDEX rapport_service_request_client IF NOT EXISTS FOR (n:ServiceRequest) ON (n.client_id)",
    "CREATE INDEX rapport_important_date_entity IF NOT EXISTS FOR (n:ImportantDate) ON (n.entity_id)",
    "CREATE INDEX rapport_important_date_id IF NOT EXISTS FOR (n:ImportantDate) ON (n.id)",
    "CREATE CONSTRAINT rapport_api_key_id IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX rapport_practice_settings_id IF NOT EXISTS FOR (n:PracticeSettings) ON (n.id)",
    "CREATE INDEX rapport_audit_record_id IF NOT EXISTS FOR (n:AuditRecord) ON (n.id)",
    "CREATE INDEX rapport_audit_record_target IF NOT EXISTS FOR (n:AuditRecord) ON (n.target_id)",
    "CREATE INDEX rapport_audit_record_actor IF NOT EXISTS FOR (n:AuditRecord) ON (n.actor_id)",
    "CREATE CONSTRAINT rapport_idempotency_key_id IF NOT EXISTS FOR (n:IdempotencyKey) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX rapport_idempotency_key_created IF NOT EXISTS FOR (n:IdempotencyKey) ON (n.created_at)",
)


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
            raise Conflict("an entity with this id already exists") from error
        except (ServiceUnavailable, SessionExpired) as error:
            raise StoreUnavailable(f"Neo4j is not reachable: {error}") from error
        return [record.data() for record in records]

    def ensure_schema(self) -> None:
        for statement in _SCHEMA:
            self._driver.execute_query(statement, database_=self._database)

    def ensure_relationship_indexes(self, type_codes: Iterable[str]) -> None:
        for code in type_codes:
            for prop in ("id", "external_id"):
                self._driver.execute_query(
                    f"CREATE INDEX `rapport_rel_{code.lower()}_{prop}` IF NOT EXISTS FOR ()-[r:`{code}`]-() ON (r.`{prop}`)",
                    database_=self._database,
                )

    def close(self) -> None:
        self._driver.close()

    def describe(self) -> dict[str, str]:
        return {"store": "neo4j", "database": self._database}
