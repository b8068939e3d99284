"""Roles, permissions and which clients a caller sees, on small hand-made hierarchies."""

from __future__ import annotations

import pytest

from app.domain.access import (
    LOCAL_OPERATOR,
    Caller,
    Permission,
    VisibilityMode,
    hierarchy_from_pairs,
    team_below,
    visible_owner_ids,
)
from app.domain.errors import Forbidden
from app.domain.model import TeamRole

P = Permission
#: Each role's permissions, written out by hand from the access rules (docs), not from the table.
EXPECTED = {
    TeamRole.admin: {P.read, P.write, P.apply_suggestions, P.read_audit, P.administer},
    TeamRole.practice_manager: {P.read, P.write, P.apply_suggestions, P.read_audit},
    TeamRole.adviser: {P.read, P.write},
    TeamRole.client_service: {P.read, P.write},
    TeamRole.analyst: {P.read},
}

#: ceo <- head <- adviser1 <- paraplanner; head <- adviser2; loner reports to no one.
REPORTS_TO = {"ceo": None, "head": "ceo", "adviser1": "head", "adviser2": "head", "paraplanner": "adviser1", "loner": None}


@pytest.mark.parametrize("role", list(TeamRole))
def test_each_role_may_do_exactly_its_permissions(role):
    caller = Caller("t1", "Priya Shah", role)
    assert {p for p in Permission if caller.may(p)} == EXPECTED[role]


def test_require_refuses_naming_the_role_and_the_action():
    analyst = Caller("t1", "Sam Analyst", TeamRole.analyst)
    analyst.require(Permission.read, "read clients")  # allowed: no error
    with pytest.raises(Forbidden) as refused:
        analyst.require(Permission.write, "change a client")
    assert refused.value.detail == "a team member with role analyst may not change a client"
    assert refused.value.extra == {"role": "analyst"}


def test_the_command_line_is_an_admin_that_sees_every_client():
    assert LOCAL_OPERATOR.role is TeamRole.admin
    assert LOCAL_OPERATOR.key_id is None
    assert LOCAL_OPERATOR.sees_every_client
    assert all(LOCAL_OPERATOR.may(p) for p in Permission)


def test_sees_every_client_only_without_an_owner_set():
    assert Caller("t1", "A", TeamRole.adviser).sees_every_client
    assert not Caller("t1", "A", TeamRole.adviser, visible_owner_ids=frozenset({"t1"})).sees_every_client
    # An empty set is "sees no one else's clients", not "sees everything".
    assert not Caller("t1", "A", TeamRole.adviser, visible_owner_ids=frozenset()).sees_every_client


def test_team_below_reaches_every_level_and_includes_the_member():
    assert team_below("head", REPORTS_TO) == {"head", "adviser1", "adviser2", "paraplanner"}
    assert team_below("adviser1", REPORTS_TO) == {"adviser1", "paraplanner"}
    assert team_below("ceo", REPORTS_TO) == {"ceo", "head", "adviser1", "adviser2", "paraplanner"}
    assert team_below("paraplanner", REPORTS_TO) == {"paraplanner"}
    assert team_below("unknown", REPORTS_TO) == {"unknown"}


def test_team_below_stops_on_a_loop_in_stored_data():
    looped = {"a": "c", "b": "a", "c": "b", "d": "c"}
    assert team_below("a", looped) == {"a", "b", "c", "d"}
    assert team_below("d", looped) == {"d"}


@pytest.mark.parametrize("role", [TeamRole.adviser, TeamRole.client_service, TeamRole.analyst])
def test_owner_hierarchy_limits_the_other_roles_to_their_team(role):
    assert visible_owner_ids("adviser1", role, VisibilityMode.owner_hierarchy, REPORTS_TO) == {"adviser1", "paraplanner"}
    assert visible_owner_ids("loner", role, VisibilityMode.owner_hierarchy, REPORTS_TO) == {"loner"}


@pytest.mark.parametrize("role", [TeamRole.admin, TeamRole.practice_manager])
def test_admins_and_practice_managers_see_every_client_in_either_mode(role):
    for mode in VisibilityMode:
        assert visible_owner_ids("paraplanner", role, mode, REPORTS_TO) is None


@pytest.mark.parametrize("role", list(TeamRole))
def test_open_mode_shows_every_client_to_everyone(role):
    assert visible_owner_ids("paraplanner", role, VisibilityMode.open, REPORTS_TO) is None


def test_hierarchy_from_pairs_skips_rows_without_a_member():
    rows = [["a", None], ["b", "a"], [None, "a"], ("c", "b")]
    assert hierarchy_from_pairs(rows) == {"a": None, "b": "a", "c": "b"}
