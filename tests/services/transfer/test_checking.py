"""The first pass of an import (app/services/transfer/checking.py) against an in-memory
practice: rows matched to what is stored by external id, and the rules that hold across the
files and the store. The check writes nothing (the fake has no write to call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.domain.model import EntityKind as K
from app.services.transfer.checking import ImportChecker
from app.services.transfer.readers import FileSource
from app.services.transfer.report import ImportReport
from app.services.transfer.state import EntityState, ImportState
from tests.fakes import FakePractice
from tests.services.practice_files import EXAMPLES

#: An id shaped as the entity ids are (a ULID), as an export writes for an entity with no external id.
EXPORTED_ID = "01J0000000000000000000ABCD"


def check(practice: FakePractice, directory: Path, batch_size: int = 10_000) -> tuple[ImportReport, ImportState]:
    state = ImportState(practice, LOCAL_OPERATOR, batch_size=batch_size, on_progress=None)
    return ImportChecker(state).check(FileSource([directory])), state


def files(tmp_path: Path, **contents: str) -> Path:
    for record, text in contents.items():
        (tmp_path / f"{record}.csv").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def practice() -> FakePractice:
    """What importing the example files would have stored, in part."""
    practice = FakePractice()
    practice.add(K.team_member, "t101", "Anna Shaw", external_id="T-101")
    practice.add(K.client, "c1001", "Elliott Household", external_id="C-1001", owner_id="t101")
    practice.add(K.person, "p2001", "John Elliott", external_id="P-2001")
    practice.add(K.person, "p2002", "Jean Elliott", external_id="P-2002")
    practice.add(K.person, EXPORTED_ID, "Rose Elliott")
    practice.relate("PRIMARY_CONTACT_AT", "p2001", "c1001", id="PRIMARY_CONTACT_AT-1", external_id="M-5001")
    practice.relate("SPOUSE_OF", "p2001", "p2002", id="SPOUSE_OF-1", external_id="R-7001", since="1996-08-24")
    return practice


@pytest.mark.parametrize("batch_size", [10_000, 3])
def test_the_example_set_passes_the_check(batch_size):
    practice = FakePractice()
    report, state = check(practice, EXAMPLES / "csv", batch_size)
    assert report.problems == [] and report.rows == 59
    assert {k.state for k in state.entities.values()} == {EntityState.new}
    assert "count_relationships_of_type" in practice.calls and not practice.relationships


def test_rules_hold_against_what_is_stored(practice, tmp_path):
    report, state = check(practice, files(
        tmp_path,
        memberships="external_id,person,client,role\nM-9100,P-2002,C-1001,primary_contact\n",
        relationships="external_id,type,from,to,since,until\n"
                      "R-9100,SPOUSE_OF,P-2002,P-2001,,\n"  # the same active pair, the other way round
                      "R-7001,SIBLING_OF,P-2001,P-2002,,\n"  # a stored relationship cannot change type
                      "R-9101,SPOUSE_OF,P-2001,P-2002,1990-01-01,1995-01-01\n"))  # history beside it is fine
    assert [(p.file, p.line, p.column, p.message) for p in report.problems] == [
        ("memberships.csv", 2, "client", "'C-1001' has an active primary contact in the store already"),
        ("relationships.csv", 2, None, "an active SPOUSE_OF relationship joins 'P-2002' and 'P-2001' in the store already"),
        ("relationships.csv", 3, "external_id", "'R-7001' is a SPOUSE_OF relationship in the store between other ends; "
         "a relationship's type and ends cannot change (end it, and import the new one with its own external id)"),
    ]
    assert {ext: state.entities[ext].state for ext in ("P-2001", "P-2002", "C-1001")} == dict.fromkeys(
        ("P-2001", "P-2002", "C-1001"), EntityState.store_only)


def test_a_stored_relationship_rewritten_by_the_files_is_no_clash_with_itself(practice, tmp_path):
    report, state = check(practice, files(
        tmp_path,
        relationships="external_id,type,from,to,since,until\n"
                      "R-7001,SPOUSE_OF,P-2001,P-2002,1996-08-24,2024-01-01\n"  # ends the stored marriage
                      "R-9102,SPOUSE_OF,P-2002,P-2001,2025-01-01,\n"))  # and starts another
    assert report.problems == []
    assert state.existing_relationships == {"R-7001": "SPOUSE_OF-1"}


def test_a_row_is_matched_to_what_is_stored_by_external_id_or_exported_id(practice, tmp_path):
    report, state = check(practice, files(
        tmp_path,
        people="external_id,first_name,last_name\nP-2001,John,Elliott\nC-1001,Elliott,Household\n"
               f"{EXPORTED_ID},Rose,Elliott\n"))
    assert [(p.line, p.column, p.message) for p in report.problems] == [
        (3, "external_id", "'C-1001' is a client in the store, not a person")]
    assert (state.entities["P-2001"].id, state.entities["P-2001"].state) == ("p2001", EntityState.stored)
    assert (state.entities[EXPORTED_ID].id, state.entities[EXPORTED_ID].state) == (EXPORTED_ID, EntityState.stored)


def test_a_reports_to_loop_through_the_store_is_refused(practice, tmp_path):
    practice.add(K.team_member, "t100", "Mark Davies", external_id="T-100", reports_to_id="t101")
    report, _ = check(practice, files(
        tmp_path, team_members="external_id,name,role,reports_to\nT-101,Anna Shaw,adviser,T-100\n"))
    assert [(p.line, p.column, p.message) for p in report.problems] == [
        (2, "reports_to", "would make the team hierarchy a loop")]
    practice.entities["t100"].pop("reports_to_id")
    assert check(practice, tmp_path)[0].problems == []
