"""The practice generator: exact sizes, the same practice for the same seed, a realistic
shape (households, businesses, providers, a team hierarchy, heavy-tailed referral trees),
and rows the import accepts."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import chain

import numpy as np
import pytest

from app.domain.access import LOCAL_OPERATOR
from app.domain.catalogue import DEFAULT_CATEGORIES, DEFAULT_RELATIONSHIP_TYPES, CategoryList
from app.domain.transfer import ENTITY_RECORDS, RecordKind
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.catalogue import CatalogueService
from app.services.generator import GENERATED_TYPES, SEGMENTS, SOURCES, STAGES, generate_practice
from app.services.transfer import RecordsSource, import_practice


def rows_of(entities: int, relationships: int, seed: int = 7, **options) -> dict[RecordKind, list[dict]]:
    rows: dict[RecordKind, list[dict]] = defaultdict(list)
    for batch in generate_practice(entities, relationships, seed=seed, **options):
        rows[batch.record].extend(batch.rows)
    return rows


@pytest.fixture(scope="module")
def practice() -> dict[RecordKind, list[dict]]:
    return rows_of(5_000, 25_000)


@pytest.mark.parametrize("entities, relationships", [(12, 20), (30, 60), (1_000, 5_000), (5_000, 25_000), (4_321, 9_876)])
def test_sizes_are_exact(entities, relationships):
    rows = rows_of(entities, relationships)
    assert sum(len(rows[r]) for r in ENTITY_RECORDS) == entities
    assert len(rows[RecordKind.memberships]) + len(rows[RecordKind.relationships]) == relationships


def test_same_seed_same_practice_whatever_the_batch_size():
    assert rows_of(2_000, 9_000, seed=3, batch_size=7) == rows_of(2_000, 9_000, seed=3, batch_size=10_000)
    assert rows_of(2_000, 9_000, seed=3) != rows_of(2_000, 9_000, seed=4)


@pytest.mark.slow  # 300,000 rows generated: seconds of CPU
def test_batches_are_bounded_and_entities_come_first():
    seen, relationships_started = [], False
    for batch in generate_practice(50_000, 250_000, seed=1, batch_size=4_000):
        assert 0 < len(batch.rows) <= 4_000
        if batch.record in (RecordKind.memberships, RecordKind.relationships):
            relationships_started = True
        else:
            assert not relationships_started
        seen.append(batch.record)
    assert [r for r, _ in groupby_records(seen)] == list(RecordKind)


def groupby_records(records):
    from itertools import groupby

    return groupby(records)


@pytest.mark.parametrize("entities, relationships, message", [
    (11, 100, "at least 12 entities"),
    (1_000, 100, "need at least"),
    (30, 10_000, "too many relationships"),
])
def test_sizes_it_cannot_honour_are_refused(entities, relationships, message):
    with pytest.raises(ValueError, match=message):
        rows_of(entities, relationships)


def test_external_ids_are_unique_and_references_resolve(practice):
    entity_ids = [row["external_id"] for row in chain.from_iterable(practice[r] for r in ENTITY_RECORDS)]
    assert len(set(entity_ids)) == len(entity_ids)
    kinds = {row["external_id"]: record for record in ENTITY_RECORDS for row in practice[record]}
    relationship_ids = [row["external_id"] for row in practice[RecordKind.memberships] + practice[RecordKind.relationships]]
    assert len(set(relationship_ids)) == len(relationship_ids)
    for row in practice[RecordKind.memberships]:
        assert (kinds[row["person"]], kinds[row["client"]]) == (RecordKind.people, RecordKind.clients)
    specs = {spec.code: spec for spec in DEFAULT_RELATIONSHIP_TYPES}
    for row in practice[RecordKind.relationships]:
        spec = specs[row["type"]]
        assert spec.allows(RecordKind(kinds[row["from"]]).format.entity_kind, RecordKind(kinds[row["to"]]).format.entity_kind)
    assert {row["type"] for row in practice[RecordKind.relationships]} <= set(GENERATED_TYPES)


def test_households_businesses_and_individuals_have_the_right_roles(practice):
    clients = {row["external_id"]: row["kind"] for row in practice[RecordKind.clients]}
    roles: dict[str, Counter] = defaultdict(Counter)
    for row in practice[RecordKind.memberships]:
        roles[row["client"]][row["role"]] += 1
    assert set(Counter(clients.values())) == {"household", "business", "individual"}
    for client, kind in clients.items():
        held = roles[client]
        assert held["primary_contact"] == 1, client  # exactly one primary contact each
        if kind == "household":
            assert 1 <= sum(held.values()) <= 6 and set(held) <= {"primary_contact", "partner", "dependant"}
            assert held["partner"] <= 1
        elif kind == "business":
            assert held["director"] >= 1 and set(held) <= {"primary_contact", "director", "employee"}
        else:
            assert held == Counter(primary_contact=1)
    sizes = Counter(sum(roles[c].values()) for c, kind in clients.items() if kind == "household")
    assert set(sizes) == {1, 2, 3, 4, 5, 6}


def test_people_belong_somewhere_and_some_to_several_clients(practice):
    clients_of: dict[str, set] = defaultdict(set)
    for row in practice[RecordKind.memberships]:
        clients_of[row["person"]].add(row["client"])
    staff = {row["from"] for row in practice[RecordKind.relationships] if row["type"] == "WORKS_AT"}
    people = {row["external_id"] for row in practice[RecordKind.people]}
    assert people == set(clients_of) | staff
    assert sum(len(c) > 1 for c in clients_of.values()) > 50  # directors who also belong to a household


def test_team_hierarchy_owns_the_clients(practice):
    team = {row["external_id"]: row for row in practice[RecordKind.team_members]}
    order = list(team)
    roots = [t for t, row in team.items() if row["reports_to"] is None]
    assert roots == [order[0]] and team[order[0]]["role"] == "practice_manager"
    for position, row in enumerate(team.values()):
        if row["reports_to"] is not None:
            assert order.index(row["reports_to"]) < position  # written after whom they report to
    owners = Counter(row["owner"] for row in practice[RecordKind.clients])
    assert all(team[o]["role"] == "adviser" for o in owners)
    advised = {(row["from"], row["to"]) for row in practice[RecordKind.relationships] if row["type"] == "ADVISER_OF"}
    assert advised == {(row["owner"], row["external_id"]) for row in practice[RecordKind.clients]}


def test_categories_revenue_and_assets_look_like_a_practice(practice):
    clients = practice[RecordKind.clients]
    assert {row["stage"] for row in clients} == set(STAGES)
    assert {row["segment"] for row in clients} - {None} == set(SEGMENTS)
    assert {row["source"] for row in clients} == set(SOURCES)
    defaults = {name: {c.code for c in specs} for name, specs in DEFAULT_CATEGORIES.items()}
    assert set(STAGES) <= defaults[CategoryList.stages] and set(SOURCES) <= defaults[CategoryList.sources]
    revenue = {s: np.median([r["annual_revenue"] for r in clients if r["segment"] == s and r["annual_revenue"]]) for s in SEGMENTS}
    assert revenue["A"] > revenue["B"] > revenue["C"] > revenue["D"] > 0
    assert all(r["assets_under_management"] > 0 for r in clients)
    referred = {row["to"] for row in practice[RecordKind.relationships] if row["type"] == "REFERRER_OF"}
    assert all(row["source"] == "referral" for row in clients if row["external_id"] in referred)


def test_referral_trees_are_heavy_tailed(practice):
    referrals = [(row["from"], row["to"]) for row in practice[RecordKind.relationships] if row["type"] == "REFERRER_OF"]
    out_degree = Counter(referrer for referrer, _ in referrals)
    degrees = np.array(sorted(out_degree.values(), reverse=True))
    # A few refer many: the top 1% of referrers make a large share of the referrals.
    top = degrees[: max(1, len(degrees) // 100)].sum() / degrees.sum()
    assert degrees[0] >= 20 * np.median(degrees) and top > 0.15
    # Trees: a referred client's primary contact refers in turn; tree sizes are heavy-tailed too.
    contact_of = {row["client"]: row["person"] for row in practice[RecordKind.memberships] if row["role"] == "primary_contact"}
    parent = {}
    for referrer, referee in referrals:
        if referee in contact_of:
            parent[contact_of[referee]] = referrer
    roots: Counter = Counter()
    for person in parent:
        seen = set()
        while person in parent and person not in seen:
            seen.add(person)
            person = parent[person]
        roots[person] += 1
    sizes = np.array(sorted(roots.values(), reverse=True))
    assert sizes[0] >= 50 * np.median(sizes)
    assert max(len(chain_) for chain_ in _chains(parent)) >= 3  # chains of referrals, not just stars


def _chains(parent):
    for person in parent:
        chain_, seen = [person], {person}
        while chain_[-1] in parent and parent[chain_[-1]] not in seen:
            seen.add(parent[chain_[-1]])
            chain_.append(parent[chain_[-1]])
        yield chain_


def test_a_generated_practice_passes_the_import_check(store: GraphStore):
    repository = PracticeRepository(store)
    CatalogueService(repository, LOCAL_OPERATOR).seed_defaults()
    source = RecordsSource(lambda: generate_practice(3_000, 15_000, seed=11))
    report = import_practice(repository, source, caller=LOCAL_OPERATOR, dry_run=True)
    assert report.problems == []
    assert report.rows == 18_000 and sum(report.created.values()) == 18_000
    assert repository.practice_size() == (0, 0)
