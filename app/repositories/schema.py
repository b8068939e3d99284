"""The indexes and uniqueness constraints Rapport relies on, written once; each store
adapter renders them in its own form (Neo4j: ``CREATE CONSTRAINT``/``CREATE INDEX``;
FalkorDB: ``CREATE INDEX`` plus ``GRAPH.CONSTRAINT``)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NodeIndex:
    """An exact-match index on ``label.property``; with ``unique``, a uniqueness constraint
    too, whose violation reads "``unique`` with this property already exists"."""

    label: str
    property: str
    unique: str | None = None
    #: False where FalkorDB must not have it (the reason is given where it is listed).
    on_falkordb: bool = True
    #: False where Neo4j must not have it (likewise).
    on_neo4j: bool = True
    #: A second property, for a composite index on Neo4j (FalkorDB keeps one index per
    #: property and answers a query on two of them from both at once).
    then: str | None = None

    @property
    def name(self) -> str:
        """The schema name on Neo4j: ``rapport_<label>_<property>[_<then>]`` in snake case."""
        return f"rapport_{_snake(self.label)}_{self.property}" + (f"_{self.then}" if self.then else "")


NODE_INDEXES = (
    NodeIndex("Entity", "id", unique="an entity"),
    NodeIndex("Entity", "name"),
    NodeIndex("Entity", "external_id"),
    NodeIndex("Client", "owner_id"),
    NodeIndex("TeamMember", "reports_to_id"),
    NodeIndex("RelationshipType", "code", unique="a relationship type"),
    NodeIndex("Category", "key", unique="a category"),
    NodeIndex("ScoringRun", "id", unique="a scoring run"),
    NodeIndex("InfluenceScore", "position_key"),
    NodeIndex("InfluenceScore", "entity_id"),
    NodeIndex("InfluenceScore", "run_id"),
    NodeIndex("TierRun", "id", unique="a tier run"),
    NodeIndex("TierSuggestion", "run_id"),
    NodeIndex("ServiceTemplate", "tier"),
    NodeIndex("Touch", "client_id"),
    NodeIndex("ServiceRequest", "client_id"),
    NodeIndex("ImportantDate", "entity_id"),
    NodeIndex("ImportantDate", "id"),
    NodeIndex("ServiceTask", "id", unique="a service task"),
    NodeIndex("ServiceTask", "key", unique="a service task"),
    NodeIndex("ServiceTask", "client_id"),
    NodeIndex("ServiceTask", "assignee_id"),
    # The work queue's (see PracticeRepository.work_queue): on FalkorDB, an open task's due day,
    # found with assignee_id from both indexes at once; on Neo4j, a composite index on the two
    # (composite, see ``then``), and no index on the day alone, which its planner preferred
    # (measured on 5.26: every assignee's open tasks up to the horizon, then filtered).
    NodeIndex("ServiceTask", "queue_day", on_neo4j=False),
    NodeIndex("ServiceTask", "assignee_id", on_falkordb=False, then="queue_day"),
    NodeIndex("Group", "id", unique="a group"),
    NodeIndex("Group", "name_key", unique="a group"),
    NodeIndex("ApiKey", "id", unique="an API key"),
    NodeIndex("PracticeSettings", "id"),
    NodeIndex("AuditRecord", "id"),
    NodeIndex("AuditRecord", "target_id"),
    NodeIndex("AuditRecord", "actor_id"),
    NodeIndex("IdempotencyKey", "id", unique="an idempotency key"),
    # Not on FalkorDB: 4.16 answers "<" and "<=" on an indexed text property wrongly (every
    # node matched, in a test of 40 probes), and the sweep of expired keys asks "<".
    NodeIndex("IdempotencyKey", "created_at", on_falkordb=False),
)

#: Relationship properties indexed on every relationship type (lookups by id stay index-backed).
RELATIONSHIP_INDEX_PROPERTIES = ("id", "external_id")


def duplicate_message(label: str | None, prop: str | None) -> str:
    """What a refused duplicate of ``label.prop`` is called, in words (the store's error
    names the label and property; an unknown pair still reads sensibly)."""
    for index in NODE_INDEXES:
        if index.unique and index.label == label and index.property == prop:
            return f"{index.unique} with this {prop} already exists"
    return f"a {label or 'record'} with this {prop or 'key'} already exists"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
