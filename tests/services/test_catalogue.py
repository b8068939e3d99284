"""The relationship-type catalogue and the category lists (app/services/catalogue.py), against
an in-memory practice: who may change them, what a change of a type's kinds does to the
relationships stored ("misfits"), what is refused while in use, where a new category goes,
and what happens when another administrator changed an entry between the read and the write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.domain.access import LOCAL_OPERATOR, Caller
from app.domain.catalogue import CategoryList, RelationshipTypeSpec
from app.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.domain.model import EntityKind as K
from app.domain.model import MembershipRole, RelationshipCategory, TeamRole
from app.services import optimistic
from app.services.catalogue import CatalogueService
from tests.fakes import FakePractice

STAGES, SEGMENTS, INFLUENCE = CategoryList.stages, CategoryList.segments, CategoryList.influencer_segments
TRUSTEE = {"code": "TRUSTEE_FOR", "phrase": "a Trustee for", "reverse_phrase": "has Trustee",
           "category": "professional", "from_kinds": ["person"], "to_kinds": ["client"]}
#: Symmetric, and joining different kinds: stored either way round.
CO_TRUSTEE = {"code": "CO_TRUSTEE_WITH", "phrase": "a Co-Trustee with", "reverse_phrase": "is a Co-Trustee with",
              "category": "other", "from_kinds": ["person"], "to_kinds": ["provider"]}
NOT_ADMINISTRATORS = [TeamRole.practice_manager, TeamRole.adviser, TeamRole.client_service, TeamRole.analyst]
WRITES = {"create_relationship_type", "update_relationship_type", "delete_relationship_type", "create_category",
          "update_category", "delete_category"}


@pytest.fixture
def practice() -> FakePractice:
    practice = FakePractice()
    practice.add(K.team_member, "t1")
    practice.add(K.client, "oak", stage="client", segment="A")
    practice.add(K.person, "ann", influencer_segment="critical")
    practice.add(K.person, "ben")
    practice.add(K.provider, "firm")
    practice.relate("SPOUSE_OF", "ann", "ben")
    practice.relate("ACCOUNTANT_FOR", "firm", "oak")
    practice.relate("ACCOUNTANT_FOR", "ben", "oak", until="2023-03-31")  # ended: still stored
    return practice


@pytest.fixture
def catalogue(practice: FakePractice) -> CatalogueService:
    return CatalogueService(practice, LOCAL_OPERATOR)


def _caller(role: TeamRole) -> Caller:
    return Caller(team_member_id="t9", name="Sam Field", role=role)


def _codes(catalogue: CatalogueService, name: CategoryList) -> list[str]:
    return [c["code"] for c in catalogue.categories(name)]


@pytest.fixture
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries go at once (each would otherwise pause up to 20 ms)."""
    monkeypatch.setattr(optimistic.time, "sleep", lambda seconds: None)


def _meanwhile(monkeypatch: pytest.MonkeyPatch, practice: FakePractice, write: str,
               other: Callable[[FakePractice], Any], times: int) -> list[dict]:
    """Another administrator's write (``other``, on the store) lands between the service's read
    and each of its first ``times`` ``write`` calls; the audit records the service offered."""
    offered: list[dict] = []
    original = getattr(practice, write)
    left, others = [times], []

    def interleaved(*args: Any, **kwargs: Any) -> Any:
        if others:  # the other administrator's own write
            return original(*args, **kwargs)
        if left[0]:
            left[0] -= 1
            others.append(True)
            other(practice)
            others.clear()
        offered.append(kwargs["audit"])
        return original(*args, **kwargs)

    monkeypatch.setattr(practice, write, interleaved)
    return offered


def _type_changed_every_time(monkeypatch: pytest.MonkeyPatch, practice: FakePractice, write: str, code: str) -> None:
    """Another administrator redescribes the type ``code`` before every ``write`` of the service."""
    versions = iter(range(optimistic.WRITE_ATTEMPTS + 1))
    _meanwhile(monkeypatch, practice, write, lambda store: store.update_relationship_type(
        code, {"description": f"v{next(versions)}"}, from_kinds=["person"], to_kinds=["person"], symmetric=True,
        before=store.relationship_types(code)[0], audit={}), times=optimistic.WRITE_ATTEMPTS)


def _category_changed_every_time(monkeypatch: pytest.MonkeyPatch, practice: FakePractice, write: str,
                                 name: CategoryList, code: str) -> None:
    """Another administrator relabels ``code`` of ``name`` before every ``write`` of the service."""
    versions = iter(range(optimistic.WRITE_ATTEMPTS + 1))
    _meanwhile(monkeypatch, practice, write, lambda store: store.update_category(
        f"{name.value}:{code}", {"label": f"v{next(versions)}"},
        before=next(c for c in store.categories(name.value) if c["code"] == code), audit={}),
        times=optimistic.WRITE_ATTEMPTS)


# -- who may change the catalogue ----------------------------------------------------------------
@pytest.mark.parametrize("role", NOT_ADMINISTRATORS)
def test_only_an_administrator_changes_the_catalogue_and_the_store_is_not_asked(practice, role):
    """Every write needs administer; a refused one reaches no query. Reads are open to all."""
    catalogue = CatalogueService(practice, _caller(role))
    attempts = [
        lambda: catalogue.create_relationship_type(TRUSTEE),
        lambda: catalogue.update_relationship_type("SPOUSE_OF", {"weight": 2.0}),
        lambda: catalogue.delete_relationship_type("SIBLING_OF"),
        lambda: catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed"}),
        lambda: catalogue.update_category(STAGES, "client", {"label": "Won"}),
        lambda: catalogue.delete_category(STAGES, "for_sale"),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden, match=f"role {role.value} may not change the"):
            attempt()
    assert practice.calls == []
    assert catalogue.relationship_type("SPOUSE_OF").weight == 1.0
    assert _codes(catalogue, STAGES) == ["prospect", "client", "inactive", "for_sale"]


def test_an_administrator_team_member_changes_the_catalogue(practice):
    catalogue = CatalogueService(practice, _caller(TeamRole.admin))
    assert catalogue.create_relationship_type(TRUSTEE).code == "TRUSTEE_FOR"
    assert catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed"})["position"] == 4


# -- relationship types: create -------------------------------------------------------------------
def test_a_new_type_is_stored_and_read_back(catalogue):
    created = catalogue.create_relationship_type({**TRUSTEE, "weight": 0.8})
    assert created == RelationshipTypeSpec("TRUSTEE_FOR", "a Trustee for", "has Trustee",
                                           RelationshipCategory.professional, (K.person,), (K.client,), 0.8)
    assert catalogue.relationship_type("TRUSTEE_FOR") == created
    assert catalogue.known_relationship_type("TRUSTEE_FOR") == created


def test_a_taken_code_is_a_conflict_and_the_entry_is_kept(catalogue):
    with pytest.raises(Conflict, match="relationship type 'SPOUSE_OF' already exists"):
        catalogue.create_relationship_type({**TRUSTEE, "code": "SPOUSE_OF"})
    assert catalogue.relationship_type("SPOUSE_OF").phrase == "the Spouse of"


def test_the_ownership_code_is_reserved(catalogue, practice):
    """A client's owner is its owner_id, read as OWNER_OF: no catalogue type takes the code,
    nor is it a type a relationship may name."""
    with pytest.raises(Conflict, match="'OWNER_OF' is reserved"):
        catalogue.create_relationship_type({**TRUSTEE, "code": "OWNER_OF"})
    with pytest.raises(InvalidInput, match="set the client's owner_id instead"):
        catalogue.known_relationship_type("OWNER_OF")
    assert "create_relationship_type" not in practice.calls


@pytest.mark.parametrize("code", ["trustee_for", "T", "1TRUSTEE", "TRUSTEE-FOR", "TRUSTEE`) DETACH DELETE"])
def test_a_code_must_be_a_graph_identifier(catalogue, practice, code):
    with pytest.raises(InvalidInput, match="is not a valid code"):
        catalogue.create_relationship_type({**TRUSTEE, "code": code})
    assert "create_relationship_type" not in practice.calls


def test_a_membership_type_joins_person_to_client_only(catalogue, practice):
    membership = {**TRUSTEE, "code": "SUBSIDIARY_OF", "category": "membership", "role": "member"}
    for kinds in ({"from_kinds": ["client"], "to_kinds": ["client"]}, {"to_kinds": ["client", "person"]}):
        with pytest.raises(InvalidInput, match="a membership relationship type joins person to client"):
            catalogue.create_relationship_type({**membership, **kinds})
    assert "create_relationship_type" not in practice.calls
    assert catalogue.create_relationship_type(membership).role is MembershipRole.member


def test_an_unknown_type_names_the_allowed_ones(catalogue):
    catalogue.delete_relationship_type("SIBLING_OF")
    with pytest.raises(InvalidInput) as refused:
        catalogue.known_relationship_type("SIBLING_OF")
    assert "SIBLING_OF" not in refused.value.extra["allowed"] and "SPOUSE_OF" in refused.value.extra["allowed"]
    with pytest.raises(NotFound, match="no relationship type 'SIBLING_OF'"):
        catalogue.relationship_type("SIBLING_OF")


# -- relationship types: change ---------------------------------------------------------------------
def test_a_change_keeps_the_fields_not_named(catalogue):
    changed = catalogue.update_relationship_type("REFERRER_OF", {"weight": 2.5, "description": "Counts double"})
    assert (changed.weight, changed.description, changed.phrase) == (2.5, "Counts double", "the Referrer of")
    assert catalogue.relationship_type("REFERRER_OF") == changed


def test_a_description_is_cleared_the_required_fields_are_not(catalogue, practice):
    assert catalogue.update_relationship_type("RELATED_HOUSEHOLD_OF", {"description": None}).description == ""
    practice.calls.clear()
    for field in ("phrase", "reverse_phrase", "from_kinds", "to_kinds", "weight"):
        with pytest.raises(InvalidInput, match=f"{field} cannot be cleared"):
            catalogue.update_relationship_type("SPOUSE_OF", {field: None})
    assert practice.calls == []


def test_narrowing_kinds_that_stored_relationships_use_is_refused(catalogue):
    """Every relationship of the type, ended ones too, must still join kinds it allows: the
    refusal counts those that would not, and nothing is changed."""
    before = catalogue.relationship_type("ACCOUNTANT_FOR")
    with pytest.raises(Conflict, match="^1 existing 'ACCOUNTANT_FOR' relationships join kinds the new "):
        catalogue.update_relationship_type("ACCOUNTANT_FOR", {"from_kinds": ["provider"], "weight": 3.0})
    with pytest.raises(Conflict, match="^2 existing 'ACCOUNTANT_FOR'"):
        catalogue.update_relationship_type("ACCOUNTANT_FOR", {"to_kinds": ["person"]})
    assert catalogue.relationship_type("ACCOUNTANT_FOR") == before


def test_narrowing_kinds_no_stored_relationship_uses_is_allowed(catalogue):
    assert catalogue.update_relationship_type("ACCOUNTANT_FOR", {"to_kinds": ["client"]}).to_kinds == (K.client,)
    assert catalogue.update_relationship_type("SOLICITOR_FOR", {"from_kinds": ["person"]}).from_kinds == (K.person,)


def test_a_symmetric_type_fits_relationships_stored_the_other_way_round(catalogue, practice):
    catalogue.create_relationship_type(CO_TRUSTEE)
    practice.relate("CO_TRUSTEE_WITH", "firm", "ann")  # provider to person: allowed only by the symmetry
    assert catalogue.update_relationship_type("CO_TRUSTEE_WITH", {"to_kinds": ["provider", "client"]}).to_kinds == (
        K.provider, K.client)
    with pytest.raises(Conflict, match="^1 existing 'CO_TRUSTEE_WITH'"):
        catalogue.update_relationship_type("CO_TRUSTEE_WITH", {"to_kinds": ["client"]})


def test_a_change_that_makes_a_type_one_way_is_refused_while_it_is_used_the_other_way(catalogue, practice):
    """A type is symmetric while its reverse phrase is "is " + its phrase; rephrasing it one-way
    leaves a relationship stored the other way round joining kinds the type no longer allows."""
    catalogue.create_relationship_type(CO_TRUSTEE)
    practice.relate("CO_TRUSTEE_WITH", "firm", "ann")
    with pytest.raises(Conflict, match="^1 existing 'CO_TRUSTEE_WITH' relationships join kinds the type, one-way now "
                                       "that its reverse phrase is not 'is ' \\+ its phrase, would not allow$"):
        catalogue.update_relationship_type("CO_TRUSTEE_WITH", {"reverse_phrase": "has Co-Trustee"})
    assert catalogue.relationship_type("CO_TRUSTEE_WITH").symmetric


def test_a_change_of_kinds_is_held_to_the_membership_rule(catalogue, practice):
    with pytest.raises(InvalidInput, match="joins person to client"):
        catalogue.update_relationship_type("PRIMARY_CONTACT_AT", {"from_kinds": ["person", "provider"]})
    assert "update_relationship_type" not in practice.calls


def test_changing_an_unknown_type_is_not_found(catalogue):
    with pytest.raises(NotFound, match="no relationship type 'NOPE_OF'"):
        catalogue.update_relationship_type("NOPE_OF", {"weight": 2.0})


def test_a_type_changed_meanwhile_is_read_again_and_the_record_holds_what_was_changed(
        catalogue, practice, monkeypatch, no_pauses):
    """The write goes only if the entry is still as read, so the audit record's "before" is
    exact: after another administrator's change the service reads again and writes over it."""
    offered = _meanwhile(monkeypatch, practice, "update_relationship_type", lambda store: CatalogueService(
        store, LOCAL_OPERATOR).update_relationship_type("SPOUSE_OF", {"description": "Married"}), times=1)
    changed = catalogue.update_relationship_type("SPOUSE_OF", {"weight": 2.0})
    assert (changed.weight, changed.description) == (2.0, "Married")
    mine = offered[-1]
    assert '"description": "Married"' in mine["before"] and '"weight": 1.0' in mine["before"]
    assert '"weight": 2.0' in mine["after"]


def test_a_type_changed_meanwhile_every_time_is_a_conflict(catalogue, practice, monkeypatch, no_pauses):
    _type_changed_every_time(monkeypatch, practice, "update_relationship_type", "SPOUSE_OF")
    with pytest.raises(Conflict, match="'SPOUSE_OF' was changed by someone else meanwhile; nothing was changed"):
        catalogue.update_relationship_type("SPOUSE_OF", {"weight": 2.0})
    assert catalogue.relationship_type("SPOUSE_OF").weight == 1.0


# -- relationship types: delete ---------------------------------------------------------------------
def test_a_type_in_use_is_not_deleted_ended_relationships_included(catalogue):
    for code, uses in (("SPOUSE_OF", 1), ("ACCOUNTANT_FOR", 2)):
        with pytest.raises(Conflict, match=f"^relationship type '{code}' is used by {uses} relationships; end or "):
            catalogue.delete_relationship_type(code)
        assert catalogue.relationship_type(code).code == code


def test_an_unused_type_is_deleted_once(catalogue):
    catalogue.delete_relationship_type("SIBLING_OF")
    assert "SIBLING_OF" not in {t.code for t in catalogue.relationship_types()}
    with pytest.raises(NotFound, match="no relationship type 'SIBLING_OF'"):
        catalogue.delete_relationship_type("SIBLING_OF")


def test_a_type_changed_meanwhile_is_deleted_as_it_now_is(catalogue, practice, monkeypatch, no_pauses):
    offered = _meanwhile(monkeypatch, practice, "delete_relationship_type", lambda store: CatalogueService(
        store, LOCAL_OPERATOR).update_relationship_type("SIBLING_OF", {"weight": 0.1}), times=1)
    catalogue.delete_relationship_type("SIBLING_OF")
    assert len(offered) == 2 and '"weight": 0.1' in offered[-1]["before"]
    assert "SIBLING_OF" not in {t.code for t in catalogue.relationship_types()}


def test_a_type_changed_meanwhile_every_time_is_not_deleted(catalogue, practice, monkeypatch, no_pauses):
    _type_changed_every_time(monkeypatch, practice, "delete_relationship_type", "SIBLING_OF")
    with pytest.raises(Conflict, match="relationship type 'SIBLING_OF' was changed by someone else meanwhile; nothing"):
        catalogue.delete_relationship_type("SIBLING_OF")
    assert catalogue.relationship_type("SIBLING_OF").code == "SIBLING_OF"


# -- categories ---------------------------------------------------------------------------------------
def test_a_new_category_goes_at_the_end_of_its_list_unless_placed(catalogue):
    created = catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed", "description": "Gone quiet"})
    assert created == {"key": "stages:lapsed", "list": "stages", "code": "lapsed", "label": "Lapsed",
                       "description": "Gone quiet", "position": 4}
    assert catalogue.create_category(STAGES, {"code": "lead", "label": "Lead", "position": 0})["position"] == 0
    assert _codes(catalogue, STAGES) == ["lead", "prospect", "client", "inactive", "for_sale", "lapsed"]  # ties by code


def test_a_new_category_goes_after_the_last_even_after_a_deletion(catalogue):
    catalogue.delete_category(STAGES, "inactive")
    assert catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed"})["position"] == 4
    catalogue.delete_category(STAGES, "lapsed")
    catalogue.delete_category(STAGES, "for_sale")
    assert catalogue.create_category(STAGES, {"code": "sold", "label": "Sold"})["position"] == 2
    assert _codes(catalogue, STAGES) == ["prospect", "client", "sold"]


def test_a_code_is_unique_within_its_list_only(catalogue):
    with pytest.raises(Conflict, match="^stages already has 'client'$"):
        catalogue.create_category(STAGES, {"code": "client", "label": "Customer"})
    assert catalogue.categories(STAGES)[1]["label"] == "Client"
    assert catalogue.create_category(SEGMENTS, {"code": "client", "label": "Client"})["key"] == "segments:client"


def test_a_list_that_grew_meanwhile_is_read_again_and_the_new_category_goes_after(
        catalogue, practice, monkeypatch, no_pauses):
    offered = _meanwhile(monkeypatch, practice, "create_category", lambda store: CatalogueService(
        store, LOCAL_OPERATOR).create_category(STAGES, {"code": "lead", "label": "Lead"}), times=1)
    assert catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed"})["position"] == 5
    assert _codes(catalogue, STAGES) == ["prospect", "client", "inactive", "for_sale", "lead", "lapsed"]
    assert '"position": 5' in offered[-1]["after"]  # the record holds the position stored


def test_a_list_that_grows_every_time_is_a_conflict(catalogue, practice, monkeypatch, no_pauses):
    names = iter(range(1000))
    _meanwhile(monkeypatch, practice, "create_category", lambda store: store.create_category(
        {"key": f"stages:x{(n := next(names))}", "list": "stages", "code": f"x{n}", "label": "X", "position": 100 + n},
        next_position=None, audit={}), times=optimistic.WRITE_ATTEMPTS)
    with pytest.raises(Conflict, match="^stages was changed by someone else meanwhile; nothing was added$"):
        catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed"})
    assert "lapsed" not in _codes(catalogue, STAGES)


def test_a_placed_category_is_not_refused_for_a_list_that_grew(catalogue, practice, monkeypatch):
    _meanwhile(monkeypatch, practice, "create_category", lambda store: CatalogueService(
        store, LOCAL_OPERATOR).create_category(STAGES, {"code": "lead", "label": "Lead"}), times=1)
    assert catalogue.create_category(STAGES, {"code": "lapsed", "label": "Lapsed", "position": 2})["position"] == 2
    assert practice.calls.count("create_category") == 2  # the other administrator's, and one of ours


def test_a_category_is_relabelled_described_and_moved(catalogue):
    changed = catalogue.update_category(STAGES, "for_sale", {"label": "For sale (agreed)", "description": "Book sold"})
    assert (changed["label"], changed["description"], changed["position"]) == ("For sale (agreed)", "Book sold", 3)
    catalogue.update_category(STAGES, "prospect", {"position": 20})
    assert _codes(catalogue, STAGES) == ["client", "inactive", "for_sale", "prospect"]


def test_a_category_description_is_cleared_its_label_and_position_are_not(catalogue, practice):
    assert "description" not in catalogue.update_category(SEGMENTS, "A", {"description": None})
    practice.calls.clear()
    for field in ("label", "position"):
        with pytest.raises(InvalidInput, match=f"{field} cannot be cleared"):
            catalogue.update_category(STAGES, "client", {field: None})
    assert practice.calls == []


def test_a_category_is_found_in_its_own_list_only(catalogue):
    with pytest.raises(NotFound, match="^stages has no 'nope'$"):
        catalogue.update_category(STAGES, "nope", {"label": "Nope"})
    with pytest.raises(NotFound, match="^segments has no 'prospect'$"):
        catalogue.update_category(SEGMENTS, "prospect", {"label": "x"})
    with pytest.raises(NotFound, match="^sources has no 'A'$"):
        catalogue.delete_category(CategoryList.sources, "A")


def test_a_category_changed_meanwhile_is_read_again(catalogue, practice, monkeypatch, no_pauses):
    offered = _meanwhile(monkeypatch, practice, "update_category", lambda store: CatalogueService(
        store, LOCAL_OPERATOR).update_category(STAGES, "client", {"description": "Signed"}), times=1)
    changed = catalogue.update_category(STAGES, "client", {"label": "Won"})
    assert (changed["label"], changed["description"]) == ("Won", "Signed")
    assert '"description": "Signed"' in offered[-1]["before"]


def test_a_category_changed_meanwhile_every_time_is_a_conflict(catalogue, practice, monkeypatch, no_pauses):
    _category_changed_every_time(monkeypatch, practice, "update_category", STAGES, "client")
    with pytest.raises(Conflict, match="^stages 'client' was changed by someone else meanwhile; nothing was changed$"):
        catalogue.update_category(STAGES, "client", {"description": "Signed"})
    assert catalogue.categories(STAGES)[1]["description"] == ""


@pytest.mark.parametrize(("name", "code", "field"), [
    (STAGES, "client", "stage"), (SEGMENTS, "A", "segment"), (INFLUENCE, "critical", "influencer_segment")])
def test_a_category_that_classifies_an_entity_is_not_deleted(catalogue, name, code, field):
    """Clients carry stages and segments; people carry influencer segments too."""
    with pytest.raises(Conflict, match=f"^1 entities still have {field} '{code}'; reclassify them first$"):
        catalogue.delete_category(name, code)
    assert code in _codes(catalogue, name)


def test_a_category_is_deleted_once_nothing_has_it(catalogue, practice):
    practice.entities["oak"]["stage"] = "prospect"  # reclassified
    catalogue.delete_category(STAGES, "client")
    assert _codes(catalogue, STAGES) == ["prospect", "inactive", "for_sale"]
    assert catalogue.category_codes()[STAGES] == ["prospect", "inactive", "for_sale"]
    with pytest.raises(NotFound, match="^stages has no 'client'$"):
        catalogue.delete_category(STAGES, "client")


def test_a_category_changed_meanwhile_is_deleted_as_it_now_is(catalogue, practice, monkeypatch, no_pauses):
    offered = _meanwhile(monkeypatch, practice, "delete_category", lambda store: CatalogueService(
        store, LOCAL_OPERATOR).update_category(SEGMENTS, "D", {"label": "Lowest"}), times=1)
    catalogue.delete_category(SEGMENTS, "D")
    assert len(offered) == 2 and '"label": "Lowest"' in offered[-1]["before"]
    assert _codes(catalogue, SEGMENTS) == ["A", "B", "C"]


def test_a_category_changed_meanwhile_every_time_is_not_deleted(catalogue, practice, monkeypatch, no_pauses):
    _category_changed_every_time(monkeypatch, practice, "delete_category", SEGMENTS, "D")
    with pytest.raises(Conflict, match="^segments 'D' was changed by someone else meanwhile; nothing was deleted$"):
        catalogue.delete_category(SEGMENTS, "D")
    assert _codes(catalogue, SEGMENTS) == ["A", "B", "C", "D"]
