"""Importing files against a real store: the example set, the dry-run report, the
all-or-nothing rule, skipping bad rows, re-imports, rules against what is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.bootstrap import Services
from app.domain.transfer import RecordKind
from app.services.backup import restore
from app.services.transfer import load_generated_practice
from tests.services.practice_files import (
    EXAMPLE_COUNTS,
    EXAMPLES,
    append,
    audit_trail,
    by_external_id,
    empty,
    examples,
    exported,
    import_dir,
    problems_at,
    replace,
)


def test_the_example_set_imports(repository):
    report = import_dir(repository, EXAMPLES / "csv")
    assert report.problems == [] and report.written
    assert dict(report.created) == EXAMPLE_COUNTS
    assert repository.practice_size() == (27, 32)
    entities = Services(repository).entities()
    elliott = entities.client_detail(by_external_id(repository, "C-1001")["id"])
    assert elliott["owner"]["name"] == "Anna Shaw"
    assert [(m["person"]["name"], m["role"]) for m in elliott["members"]] == [
        ("John Elliott", "primary_contact"), ("Jean Elliott", "partner"), ("Jim Elliott", "dependant"),
        ("Rose Elliott", "dependant")]
    assert elliott["notes"] == 'Annual review in May; prefers "face to face" meetings'
    assert (elliott["annual_revenue"], elliott["external_id"]) == (14500.0, "C-1001")
    priya = by_external_id(repository, "T-103")
    assert priya["reports_to_id"] == by_external_id(repository, "T-101")["id"]
    history = repository.relationships_by_external_id("ACCOUNTANT_FOR", ["R-7014"])[0].relationship
    assert (history["until"], history["category"], history["id"].startswith("ACCOUNTANT_FOR-")) == ("2023-03-31", "professional", True)


def test_an_import_leaves_one_audit_record_per_write_saying_how_many(repository):
    report = import_dir(repository, EXAMPLES / "csv")
    records = [r for r in audit_trail(repository) if r["target_id"] == report.load_id]
    assert {(r["action"], r["target_kind"], r["actor_id"]) for r in records} == {("bulk_load", "practice", "local-operator")}
    # One per batch query (a record per row would halve the import rate), e.g. "5 clients created by import <id>".
    counts = [int(r["note"].split(" ", 1)[0]) for r in records]
    assert all(r["note"].endswith(f"by import {report.load_id}") for r in records)
    assert sum(counts) == sum(EXAMPLE_COUNTS.values()) and len(records) < sum(counts)
    again = import_dir(repository, EXAMPLES / "csv")  # nothing to write: no record
    assert not [r for r in audit_trail(repository) if r["target_id"] == again.load_id]
    assert import_dir(repository, EXAMPLES / "csv", dry_run=True).load_id is None


def test_bulk_loads_are_for_administrators(repository, tmp_path):
    from app.domain.access import Caller
    from app.domain.errors import Forbidden
    from app.domain.model import TeamRole

    manager = Caller(team_member_id="m", name="Mark Davies", role=TeamRole.practice_manager)
    assert import_dir(repository, EXAMPLES / "csv", caller=manager, dry_run=True).problems == []  # checking writes nothing
    with pytest.raises(Forbidden):
        import_dir(repository, EXAMPLES / "csv", caller=manager)
    with pytest.raises(Forbidden):
        load_generated_practice(repository, 600, 3_000, caller=manager, seed=5)
    with pytest.raises(Forbidden):
        restore(repository, caller=manager, path=tmp_path / "none.gz")
    assert repository.count_entities() == 0


def test_csv_and_json_lines_give_the_same_practice(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    from_csv = exported(repository, tmp_path / "a")
    empty(repository)
    assert import_dir(repository, EXAMPLES / "jsonl").problems == []
    assert exported(repository, tmp_path / "b") == from_csv


def test_importing_again_updates_instead_of_duplicating(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    before = by_external_id(repository, "C-1001")
    again = import_dir(repository, EXAMPLES / "csv")
    assert not again.created and not again.updated and dict(again.unchanged) == EXAMPLE_COUNTS
    assert repository.practice_size() == (27, 32)
    changed = examples(tmp_path)
    replace(changed / "clients.csv", 'C-1001,Elliott Household,household,client,A,event,T-101,,14500,1850000,'
                                     '"Annual review in May; prefers ""face to face"" meetings"',
            "C-1001,Elliott Household,household,inactive,A,event,T-102,,14500,1850000,")
    replace(changed / "memberships.csv", "M-5003,P-2003,C-1001,dependant,,2015-06-01,,,", "M-5003,P-2003,C-1001,dependant,,2015-06-01,2025-01-01,,")
    report = import_dir(repository, changed)
    assert (dict(report.updated), report.created) == ({RecordKind.clients: 1, RecordKind.memberships: 1}, {})
    after = by_external_id(repository, "C-1001")
    assert (after["stage"], after["owner_id"], after["version"]) == ("inactive", by_external_id(repository, "T-102")["id"], 2)
    assert "notes" not in after and (after["id"], after["created_at"]) == (before["id"], before["created_at"])
    assert repository.relationships_by_external_id("DEPENDANT_IN", ["M-5003"])[0].relationship["until"] == "2025-01-01"
    assert repository.practice_size() == (27, 32)


def broken_set(tmp_path: Path) -> Path:
    """The example set with one bad row of each sort (and one row naming a bad one)."""
    folder = examples(tmp_path)
    append(folder / "relationships.csv", "R-9001,MARRIED_TO,P-2001,P-2002,,,,")  # line 23
    append(folder / "people.csv", "P-2999,Amy,Elliott,,,,1970-13-45,")  # line 14
    append(folder / "memberships.csv",
           "M-9002,P-2005,C-1001,primary_contact,,,,,",  # line 13: a second primary contact
           "M-9003,P-4040,C-1002,employee,,,,,",  # line 14: nobody has that external id
           "M-9004,P-2999,C-1001,dependant,,,,,",  # line 15: names the bad person
           "M-5001,P-2012,C-1005,employee,,,,,")  # line 16: an external id used already
    replace(folder / "clients.csv", "C-1004,Sam Reid,individual,client,C", "C-1004,Sam Reid,individual,nope,C")
    append(folder / "relationships.csv",
           "R-9005,PARENT_OF,P-2006,P-2004,2001-01-01,2000-01-01,,",  # line 24: dates the wrong way round
           "R-9006,SPOUSE_OF,P-2001,C-1001,,,,",  # line 25: the type does not join a person to a client
           "R-9007,ACQUAINTANCE_OF,P-2010,P-2011,,,2,")  # line 26: strength is at most 1
    return folder


def test_dry_run_reports_every_problem_with_file_line_and_column(repository, tmp_path):
    report = import_dir(repository, broken_set(tmp_path), dry_run=True)
    messages = {(p.file, p.line, p.column): p.message for p in report.problems}
    assert messages.keys() == {
        ("clients.csv", 5, "stage"), ("people.csv", 14, "birth_date"), ("memberships.csv", 13, "client"),
        ("memberships.csv", 14, "person"), ("memberships.csv", 15, "person"), ("memberships.csv", 16, "external_id"),
        ("relationships.csv", 23, "type"), ("relationships.csv", 24, None), ("relationships.csv", 25, "type"),
        ("relationships.csv", 26, "strength"),
        # Rows naming the refused client C-1004 (clients.csv line 5) are refused with it.
        ("memberships.csv", 11, "client"), ("relationships.csv", 9, "to"), ("relationships.csv", 17, "to"),
    }
    assert messages[("clients.csv", 5, "stage")].startswith("unknown stage 'nope'; allowed: prospect, client")
    assert messages[("people.csv", 14, "birth_date")] == "1970-13-45 has no such month (months run from 01 to 12)"
    assert messages[("memberships.csv", 13, "client")] == ("'C-1001' would have a second active primary contact; "
                                                           "memberships.csv line 2 names one already")
    assert "no person has the external id 'P-4040'" in messages[("memberships.csv", 14, "person")]
    assert messages[("memberships.csv", 15, "person")] == "'P-2999' names a row that is refused (people.csv line 14)"
    assert messages[("memberships.csv", 16, "external_id")] == "'M-5001' is used already, on memberships.csv line 2"
    assert messages[("relationships.csv", 23, "type")].startswith("unknown relationship type 'MARRIED_TO'; allowed types:")
    assert messages[("relationships.csv", 24, None)] == "until must not be before since"
    assert messages[("relationships.csv", 25, "type")] == ("'the Spouse of' (SPOUSE_OF) joins person to person, "
                                                           "not person to client")
    assert messages[("relationships.csv", 26, "strength")] == "Input should be less than or equal to 1 (not '2')"
    assert messages[("memberships.csv", 11, "client")] == "'C-1004' names a row that is refused (clients.csv line 5)"
    assert str(report.problems[0]) == "clients.csv:5: stage: " + messages[("clients.csv", 5, "stage")]
    assert report.dry_run and not report.written and repository.practice_size() == (0, 0)


def test_a_file_with_errors_imports_nothing(repository, tmp_path):
    report = import_dir(repository, broken_set(tmp_path))
    assert len(report.problems) == 13 and not report.written
    assert repository.practice_size() == (0, 0)


def test_skipping_bad_rows_imports_the_rest_and_writes_the_rejects(repository, tmp_path):
    rejects = tmp_path / "out" / "rejected.jsonl"
    report = import_dir(repository, broken_set(tmp_path), skip_bad_rows=True, reject_file=rejects)
    assert report.written and report.rejected == 13
    lines = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["file"], r["line"]) for r in lines) == [
        ("clients.csv", 5), ("memberships.csv", 11), ("memberships.csv", 13), ("memberships.csv", 14),
        ("memberships.csv", 15), ("memberships.csv", 16), ("people.csv", 14), ("relationships.csv", 9),
        ("relationships.csv", 17), *(("relationships.csv", line) for line in range(23, 27))]
    bad_date = next(r for r in lines if r["file"] == "people.csv")
    assert bad_date["row"]["birth_date"] == "1970-13-45" and bad_date["problems"][0]["column"] == "birth_date"
    # Sam Reid's client row was refused, so his membership and the two relationships naming it go too.
    assert repository.practice_size() == (26, 32 - 3)


def test_a_bad_header_refuses_the_whole_file(repository, tmp_path):
    folder = examples(tmp_path)
    replace(folder / "divisions.csv", "external_id,name,description", "external_id,title,description")
    report = import_dir(repository, folder, dry_run=True)
    assert {(p.file, p.line, p.column) for p in report.problems} >= {
        ("divisions.csv", 1, "title"), ("divisions.csv", 1, "name"), ("relationships.csv", 21, "to")}
    assert report.problems[1].message == "required column missing"
    assert "names a row that is refused (divisions.csv line 2)" in next(
        p.message for p in report.problems if p.file == "relationships.csv")


def test_json_lines_problems_name_the_field(repository, tmp_path):
    folder = examples(tmp_path, "jsonl")
    append(folder / "people.jsonl", '{"external_id": "P-3001", "first_name": "Ada", "last_name": "Byrne", "colour": "red"}',
           "not json", '{"external_id": 3002, "first_name": "Bo", "last_name": "Lee", "birth_date": 19700101}',
           '{"external_id": "P-3003", "first_name": "Nul\\u0000", "last_name": "Byte"}')
    report = import_dir(repository, folder, dry_run=True)
    assert [(p.line, p.column, p.message) for p in report.problems] == [
        (13, "colour", f"unknown column; people columns are: {', '.join(RecordKind.people.format.columns)}"),
        (14, None, "not valid JSON (Expecting value at character 1)"),
        (15, "birth_date", "'19700101' is not a date; write dates as YYYY-MM-DD"),
        (16, None, "text may not contain the NUL character (\\u0000)"),
    ]


def test_rules_hold_against_what_is_stored(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    later = tmp_path / "later"
    later.mkdir()
    (later / "memberships.csv").write_text("external_id,person,client,role\nM-9100,P-2002,C-1001,primary_contact\n")
    (later / "relationships.csv").write_text(
        "external_id,type,from,to,since,until\n"
        "R-9100,SPOUSE_OF,P-2002,P-2001,,\n"  # the same active pair, the other way round
        "R-7002,SIBLING_OF,P-2001,P-2003,,\n"  # a stored relationship cannot change type
        "R-9101,SPOUSE_OF,P-2001,P-2002,1990-01-01,1995-01-01\n")  # history beside it is fine
    report = import_dir(repository, later, dry_run=True)
    assert [(p.file, p.line, p.column) for p in report.problems] == [
        ("memberships.csv", 2, "client"), ("relationships.csv", 2, None), ("relationships.csv", 3, "external_id")]
    assert report.problems[0].message == "'C-1001' has an active primary contact in the store already"
    assert report.problems[1].message == "an active SPOUSE_OF relationship joins 'P-2002' and 'P-2001' in the store already"
    assert "type and ends cannot change" in report.problems[2].message
    # Ending the stored marriage and starting another in the same import is allowed.
    (later / "memberships.csv").unlink()
    (later / "relationships.csv").write_text("external_id,type,from,to,since,until\n"
                                              "R-7001,SPOUSE_OF,P-2001,P-2002,1996-08-24,2024-01-01\n"
                                              "R-9102,SPOUSE_OF,P-2002,P-2001,2025-01-01,\n")
    report = import_dir(repository, later)
    assert report.problems == [] and (report.updated[RecordKind.relationships], report.created[RecordKind.relationships]) == (1, 1)


def test_a_reports_to_loop_is_refused(repository, tmp_path):
    folder = examples(tmp_path)
    replace(folder / "team_members.csv", "T-100,Mark Davies,practice_manager,mark@rapport.example,,",
            "T-100,Mark Davies,practice_manager,mark@rapport.example,,T-103")
    report = import_dir(repository, folder, dry_run=True)
    refused = {(p.line, p.column, p.message) for p in report.problems if p.file == "team_members.csv"}
    loop = {(line, "reports_to", "would make the team hierarchy a loop") for line in (2, 3, 5)}  # T-100, T-101, T-103
    reporting_to_it = {(line, "reports_to", "'T-100' names a row that is refused (team_members.csv line 2)")
                       for line in (4, 6)}
    assert refused == loop | reporting_to_it


def test_a_share_on_a_relationship_that_is_no_membership_is_refused(repository, tmp_path):
    directory = examples(tmp_path)
    append(directory / "relationships.csv", "R-9999,ACQUAINTANCE_OF,P-2001,P-2002,,,,0.5,")
    line = sum(1 for _ in (directory / "relationships.csv").open())
    report = import_dir(repository, directory)
    assert problems_at(report) == {("relationships.csv", line, "share")}
    assert repository.count_entities() == 0


def test_an_owner_of_row_is_the_clients_owner_id(repository, tmp_path):
    folder = examples(tmp_path)
    # C-1005's own row names no owner: the OWNER_OF row gives it, in the same write as the client.
    replace(folder / "clients.csv", "C-1005,Okafor Logistics,business,prospect,,referral,T-102,",
            "C-1005,Okafor Logistics,business,prospect,,referral,,")
    first = sum(1 for _ in (folder / "relationships.csv").open()) + 1
    bad = ["O-1,OWNER_OF,T-101,C-1003,,,,,",  # C-1003's row names T-102
           "O-2,OWNER_OF,T-101,C-1001,,,,,",  # agrees with C-1001's row
           "O-3,OWNER_OF,T-101,C-1001,,,,,",  # a second owner row for C-1001
           "O-4,OWNER_OF,T-102,C-1004,2020-01-01,,,,",  # an ownership has no dates
           "O-5,OWNER_OF,P-2001,C-1002,,,,,"]  # only a team member owns
    append(folder / "relationships.csv", "O-6,OWNER_OF,T-102,C-1005,,,,,", *bad)
    report = import_dir(repository, folder)
    assert problems_at(report) == {("relationships.csv", first + 1, "from"), ("relationships.csv", first + 3, "to"),
                                   ("relationships.csv", first + 4, "since"), ("relationships.csv", first + 5, "type")}
    assert "'C-1003' has the owner 'T-102' on clients.csv line 4" in report.problems[0].message
    assert repository.count_entities() == 0  # a conflict is a row error: nothing is written
    (folder / "relationships.csv").write_text((folder / "relationships.csv").read_text().split("O-1,")[0])
    report = import_dir(repository, folder)
    assert report.problems == [] and report.created[RecordKind.relationships] == 21
    assert by_external_id(repository, "C-1005")["owner_id"] == by_external_id(repository, "T-102")["id"]
    # For a client only in the store, an OWNER_OF row changes its owner_id.
    later = tmp_path / "later"
    later.mkdir()
    (later / "relationships.csv").write_text("external_id,type,from,to\nO-7,OWNER_OF,T-102,C-1001\n")
    report = import_dir(repository, later)
    assert report.problems == [] and report.updated[RecordKind.clients] == 1
    assert by_external_id(repository, "C-1001")["owner_id"] == by_external_id(repository, "T-102")["id"]
