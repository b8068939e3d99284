"""What one caller may see (app/services/visibility.py), against an in-memory practice: the
ids an answer names (single reads filter in their queries, tests/repositories), and how a restricted caller pages
through a stored run without learning what lies between."""

from __future__ import annotations

import pytest

from app.domain.access import Caller
from app.domain.model import EntityKind as K
from app.domain.model import TeamRole
from app.services.visibility import Visibility
from tests.fakes import FakePractice

ADVISER = Caller(team_member_id="t1", name="Anna Shaw", role=TeamRole.adviser, visible_owner_ids=frozenset({"t1"}))
MANAGER = Caller(team_member_id="t0", name="Mark Davies", role=TeamRole.practice_manager)


@pytest.fixture
def practice() -> FakePractice:
    practice = FakePractice()
    practice.add(K.team_member, "t1")
    practice.add(K.team_member, "t2")
    practice.add(K.client, "mine", owner_id="t1")
    practice.add(K.client, "theirs", owner_id="t2")
    practice.add(K.client, "nobodys")
    practice.add(K.person, "member")  # of my client, and of theirs
    practice.relate("PRIMARY_CONTACT_AT", "member", "mine", until="2020-01-01")  # ended: still counts
    practice.relate("PRIMARY_CONTACT_AT", "member", "theirs")
    practice.add(K.person, "their_member")
    practice.relate("PARTNER_CONTACT_AT", "their_member", "theirs")
    practice.add(K.person, "new")  # no client yet
    practice.add(K.person, "friend")  # related only to people
    practice.relate("ACQUAINTANCE_OF", "friend", "their_member")
    practice.add(K.provider, "v1")
    return practice


def test_a_restricted_caller_sees_their_clients_their_people_and_the_directory(practice):
    seen = Visibility(practice, ADVISER).visible_ids(
        ["mine", "theirs", "nobodys", "member", "their_member", "new", "friend", "t2", "v1", "missing", None])
    assert seen == {"mine", "member", "new", "friend", "t2", "v1"}


def test_a_caller_who_sees_everything_is_answered_without_asking_the_store(practice):
    visibility = Visibility(practice, MANAGER)
    assert visibility.owners is None and visibility.sees_everything
    assert visibility.visible_ids(["theirs", "missing", None]) == {"theirs", "missing"}
    assert practice.calls == []


def _run(rows: int):
    """A stored run's rows, positions 1..rows; even positions are of clients the adviser sees."""
    stored = [{"position": p, "client_id": f"c{p}", "visible": p % 2 == 0} for p in range(1, rows + 1)]

    def read(after: int, skip: int, limit: int, *, restricted: bool) -> list[dict]:
        rows = [r for r in stored if r["position"] > after and (r["visible"] or not restricted)]
        return [{k: v for k, v in r.items() if k != "visible"} for r in rows[skip:skip + limit]]
    return read


def test_a_restricted_caller_pages_by_the_rows_they_see_renumbered(practice):
    read = _run(9)
    visibility = Visibility(practice, ADVISER)
    page, cursor = visibility.page_of_run(lambda a, s, n: read(a, s, n, restricted=True), after=0, limit=3)
    assert [(r["position"], r["client_id"]) for r in page] == [(1, "c2"), (2, "c4"), (3, "c6")] and cursor == 3
    page, cursor = visibility.page_of_run(lambda a, s, n: read(a, s, n, restricted=True), after=cursor, limit=3)
    assert [(r["position"], r["client_id"]) for r in page] == [(4, "c8")] and cursor is None


def test_a_caller_who_sees_everything_pages_by_stored_position(practice):
    read = _run(5)
    visibility = Visibility(practice, MANAGER)
    page, cursor = visibility.page_of_run(lambda a, s, n: read(a, s, n, restricted=False), after=0, limit=2)
    assert [r["position"] for r in page] == [1, 2] and cursor == 2
    page, cursor = visibility.page_of_run(lambda a, s, n: read(a, s, n, restricted=False), after=4, limit=2)
    assert [r["position"] for r in page] == [5] and cursor is None
