"""The visibility filter (``// visible:`` lines in cypher/) on the store, and its rendering.

Every query with a ``// visible:`` line runs here restricted, against a practice small
enough to know by heart which entities an owner's team may see.
"""

from __future__ import annotations

import pytest

from app.domain.model import EntityKind as K
from app.repositories.cypher import QueryLibrary, QueryTemplateError
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.repositories.suggestion_runs import SCORING_RUNS, TIER_RUNS, SuggestionRunRepository

TODAY = "2026-11-23"
ANNA = {"t1"}

# t1 and t2 are team members; c1 is t1's client, c2 t2's, c3 nobody's. p1 is a member of c1;
# p4 is on the receiving end of a relationship from c1; p2's only tie to c2 has ended; p3 is
# only p1's spouse, tied to no client (so seen by all, like the directory); v1 is a provider,
# d1 a division (the directory: always visible).
ENTITIES = [
    ("TeamMember", "t1", "Anna Shaw", None), ("TeamMember", "t2", "Omar Haddad", None),
    ("Client", "c1", "Elliott Household", "t1"), ("Client", "c2", "Okafor Household", "t2"),
    ("Client", "c3", "Nobody's Client", None),
    ("Person", "p1", "John Elliott", None), ("Person", "p2", "Ben Carter", None),
    ("Person", "p3", "Jean Elliott", None), ("Person", "p4", "Rose Elliott", None),
    ("Provider", "v1", "Harper & Cole", None), ("Division", "d1", "London Office", None),
]
RELATIONSHIPS = [
    ("r1", "PRIMARY_CONTACT_AT", "p1", "c1", None), ("r2", "ACCOUNTANT_FOR", "p2", "c2", "2020-01-01"),
    ("r3", "SPOUSE_OF", "p1", "p3", None), ("r4", "REFERRER_OF", "c1", "p4", None),
    ("r5", "SOLICITOR_FOR", "v1", "c2", None), ("r6", "ADVISER_OF", "t1", "c1", None),
    ("r7", "SOLICITOR_FOR", "v1", "c1", None), ("r8", "MEMBER_OF_DIVISION", "t2", "d1", None),
]
VISIBLE_TO_ANNA = {"t1", "t2", "c1", "p1", "p3", "p4", "v1", "d1"}
VISIBLE_TO_OMAR = {"t1", "t2", "c2", "p2", "p3", "v1", "d1"}


@pytest.fixture
def repo(store: GraphStore) -> PracticeRepository:
    # Written directly: this test is about the reads, whatever the write paths check.
    kinds = {kind.label: kind.value for kind in K}
    for label, entity_id, name, owner in ENTITIES:
        properties = {"id": entity_id, "name": name, "entity_kind": kinds[label], "version": 1}
        if owner:
            properties["owner_id"] = owner
        store.write(f"CREATE (n:Entity:`{label}`) SET n = $properties", {"properties": properties})
    for rid, type_code, a, b, until in RELATIONSHIPS:
        properties = {"id": rid, "category": "test", "version": 1, **({"until": until} if until else {})}
        store.write(
            f"MATCH (a:Entity {{id: $a}}) MATCH (b:Entity {{id: $b}}) CREATE (a)-[r:`{type_code}`]->(b) SET r = $p",
            {"a": a, "b": b, "p": properties},
        )
    return PracticeRepository(store)


def test_visible_entities(repo: PracticeRepository) -> None:
    every = [e[1] for e in ENTITIES] + ["missing"]
    assert repo.visible_entities(every, ANNA) == VISIBLE_TO_ANNA
    assert repo.visible_entities(every, {"t2"}) == VISIBLE_TO_OMAR
    assert repo.visible_entities(every, set()) == {"t1", "t2", "v1", "d1", "p3"}  # the directory, unattached people
    assert repo.visible_entities(every, None) == set(every) - {"missing"}


@pytest.mark.parametrize("kind", list(K), ids=lambda k: k.value)
def test_lists_hold_only_visible_entities_and_pages_stay_full(repo: PracticeRepository, kind: K) -> None:
    of_kind = sorted(e[1] for e in ENTITIES if e[0] == kind.label)
    for owners, visible in ((ANNA, VISIBLE_TO_ANNA), ({"t2"}, VISIBLE_TO_OMAR), (None, set(of_kind))):
        expected = [i for i in of_kind if i in visible]
        listed = [e["id"] for e in repo.list_entities(kind, {}, after=None, limit=100, owners=owners)]
        assert listed == expected
        # Pages of one: each is full until the visible entities run out.
        paged, after = [], None
        while page := repo.list_entities(kind, {}, after=after, limit=1, owners=owners):
            paged += [e["id"] for e in page]
            after = page[-1]["id"]
        assert paged == expected


def test_single_reads_filter_in_the_query_as_lists_do(repo: PracticeRepository, store: GraphStore) -> None:
    """A single read a caller may not see finds nothing, exactly as for a missing id."""
    store.write("CREATE (t:ServiceTask {id: 'task1', client_id: 'c1', status: 'open', due: $today})", {"today": TODAY})
    # A few reads each (every query text is compiled once on Neo4j): the rule itself is tested above.
    read = [(K.client, "c1"), (K.client, "c2"), (K.client, "missing"), (K.person, "p1"), (K.person, "p2"),
            (K.provider, "v1")]
    assert [i for kind, i in read if repo.get_entity(kind, i, owners=ANNA)] == ["c1", "p1", "v1"]
    assert repo.get_entity(K.client, "c2")["id"] == "c2"  # who sees everything: unfiltered
    # v1 acts for c1 (r7), which Anna sees, and for c2 (r5), which she does not.
    assert [r for r in ("r5", "r7") if repo.get_relationship("SOLICITOR_FOR", r, owners=ANNA)] == ["r7"]
    assert {row.client["id"] for row in repo.tier_clients(today=TODAY, owners=ANNA)} == {"c1"}
    assert [c for c in ("c1", "c2", "c3") if repo.client_detail(c, today=TODAY, owners=ANNA)] == ["c1"]
    assert repo.service_task("task1", owners=ANNA) is not None and repo.service_task("task1", owners={"t2"}) is None


def test_filters_combine_with_visibility(repo: PracticeRepository) -> None:
    assert [e["id"] for e in repo.list_entities(K.person, {"name": "elliott"}, after=None, limit=10, owners=ANNA)] == [
        "p1", "p3", "p4"]
    assert repo.list_entities(K.client, {"owner_id": "t2"}, after=None, limit=10, owners=ANNA) == []


def test_relationships_need_both_ends_visible(repo: PracticeRepository) -> None:
    def ids(rows):
        return sorted(row.relationship["id"] for row in rows)

    assert ids(repo.list_relationships(after=None, limit=100, today=TODAY, include_ended=True, owners=ANNA)) == [
        "r1", "r3", "r4", "r6", "r7", "r8"]
    assert ids(repo.list_relationships(after=None, limit=100, today=TODAY, include_ended=True, owners={"t2"})) == [
        "r2", "r5", "r8"]
    assert ids(repo.list_relationships(after=None, limit=100, today=TODAY, owners={"t2"})) == ["r5", "r8"]
    assert len(repo.list_relationships(after=None, limit=100, today=TODAY, include_ended=True)) == len(RELATIONSHIPS)
    assert ids(repo.list_relationships(after="r3", limit=1, today=TODAY, owners=ANNA)) == ["r4"]  # a full page
    # Only the other end is filtered here: the service answers 404 for p1 itself first.
    assert sorted(link.id for link in repo.entity_relationships("p1", today=TODAY, owners={"t2"})) == ["r3"]
    assert sorted(link.id for link in repo.entity_relationships("p1", today=TODAY)) == ["r1", "r3"]
    assert sorted(link.id for link in repo.entity_relationships("v1", today=TODAY, owners=ANNA)) == ["r7"]


def test_network_steps_only_to_visible_neighbours(repo: PracticeRepository) -> None:
    def neighbours(frontier, owners):
        return sorted(row.neighbour["id"] for row in repo.neighbourhood(frontier, today=TODAY, limit=100, owners=owners))

    assert neighbours(["c1"], ANNA) == ["p1", "p4", "t1", "v1"]
    assert neighbours(["v1"], ANNA) == ["c1"]
    assert neighbours(["v1"], {"t2"}) == ["c2"]
    assert neighbours(["v1"], None) == ["c1", "c2"]


def test_run_results_hold_only_visible_entities(repo: PracticeRepository, store: GraphStore) -> None:
    for position, client_id in enumerate(("c1", "c2", "c3"), start=1):
        store.write("CREATE (s:TierSuggestion) SET s = $p", {"p": {
            "run_id": "tr1", "position": position, "client_id": client_id, "differs": True, "details": "{}"}})
    tiers = SuggestionRunRepository(store, TIER_RUNS)
    assert [s["client_id"] for s in tiers.suggestions("tr1", after=0, limit=10, owners=ANNA)] == ["c1"]
    assert [s["client_id"] for s in tiers.suggestions("tr1", after=0, limit=1, owners={"t2"})] == ["c2"]
    assert len(tiers.suggestions("tr1", after=0, limit=10)) == 3

    for position, entity_id in enumerate(("p3", "c2", "p1", "gone", "v1"), start=1):
        store.write("CREATE (s:InfluenceScore) SET s = $p", {"p": {
            "run_id": "run1", "position": position, "entity_id": entity_id, "differs": position % 2 == 1,
            "details": "{}"}})

    def scores(owners, **kwargs):
        rows = SuggestionRunRepository(store, SCORING_RUNS).suggestions(
            "run1", **{"after": 0, "limit": 10, "differing_only": False, **kwargs}, owners=owners)
        return [s["entity_id"] for s in rows]

    assert scores(ANNA) == ["p3", "p1", "v1"]
    assert scores(ANNA, limit=1, after=1) == ["p1"]  # a full page past invisible ones
    assert scores({"t2"}, limit=1, after=1) == ["c2"]
    assert scores({"t2"}, differing_only=True) == ["p3", "v1"]
    assert scores(None) == ["p3", "c2", "p1", "gone", "v1"]  # an entity deleted since: shown to whoever sees all
    assert scores(None, differing_only=True) == ["p3", "p1", "v1"]


def test_restricted_rendering() -> None:
    library = QueryLibrary("falkordb")
    assert {"list_entities", "list_relationships", "entity_relationships", "neighbourhood", "visible_entities",
            "run_suggestions", "suggestion_counts", "get_entity", "get_relationship", "client_detail", "service_task",
            "tier_clients"} <= set(library.restrictable())
    plain = library("neighbourhood")
    assert "// visible: b" in plain and "$owners" not in plain  # who sees everything pays nothing
    restricted = library("neighbourhood", restricted=True)
    assert "// visible:" not in restricted
    assert "WITH *, [(b:Person)--(b_client:Client) WHERE b_client.owner_id IN $owners | 1] AS b_clients_seen" in restricted
    looked_up = library("run_suggestions", restricted=True, **SCORING_RUNS.identifiers())
    assert "OPTIONAL MATCH (subject:Entity {id: suggestion.`entity_id`})" in looked_up
    with pytest.raises(QueryTemplateError, match="no '// visible:' line"):
        library("get_entities", restricted=True)
