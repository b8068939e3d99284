"""Import, export, backup and restore against a real store: the example set, the dry-run
report, the all-or-nothing rule, skipping bad rows, re-imports, round trips."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import time
from pathlib import Path

import networkx as nx
import pytest
from falkordb import FalkorDB

from app.domain.access import LOCAL_OPERATOR
from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import EntityKind as K
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.schemas.transfer import RecordKind
from app.services.backup import backup, restore
from app.services.bulk import BulkWriteError, BulkWriter, clear_store, new_ulids
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.export import export_practice
from app.services.relationships import RelationshipService
from app.services.sample import SAMPLE_ENTITY_COUNT, load_sample_practice
from app.services.transfer import FileSource, import_practice, load_generated_practice

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"
EXAMPLE_COUNTS = {RecordKind.team_members: 5, RecordKind.divisions: 2, RecordKind.providers: 3, RecordKind.clients: 5,
                  RecordKind.people: 12, RecordKind.memberships: 11, RecordKind.relationships: 21}


@pytest.fixture
def repository(store: GraphStore) -> PracticeRepository:
    repository = PracticeRepository(store)
    CatalogueService(repository, LOCAL_OPERATOR).seed_defaults()
    return repository


def examples(tmp_path: Path, file_format: str = "csv") -> Path:
    return Path(shutil.copytree(EXAMPLES / file_format, tmp_path / f"in-{file_format}"))


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def import_dir(repository: PracticeRepository, directory: Path, **options):
    return import_practice(repository, FileSource([directory]), **{"caller": LOCAL_OPERATOR, **options})


def empty(repository: PracticeRepository) -> None:
    clear_store(repository, caller=LOCAL_OPERATOR, load="test", load_id="emptied-by-the-test")
    CatalogueService(repository, LOCAL_OPERATOR).seed_defaults()


def exported(repository: PracticeRepository, directory: Path, file_format: str = "csv", **options) -> dict[str, list]:
    """Each export file's rows, sorted (the row order follows ids, which an import makes anew)."""
    export_practice(repository, directory, file_format=file_format, **options)
    rows = {}
    for record in RecordKind:
        path = directory / f"{record.value}.{file_format}"
        with path.open(encoding="utf-8", newline="") as f:
            if file_format == "csv":
                header, *lines = csv.reader(f)
                assert header == list(record.format.columns)
                rows[record.value] = sorted(map(tuple, lines))
            else:
                rows[record.value] = sorted(json.dumps(json.loads(line), sort_keys=True) for line in f)
    return rows


def by_external_id(repository: PracticeRepository, external_id: str) -> dict:
    return repository.entities_by_external_id([external_id])[0]


def problems_at(report) -> set[tuple[str, int, str | None]]:
    return {(p.file, p.line, p.column) for p in report.problems}


# -- import -------------------------------------------------------------------------------------
def test_the_example_set_imports(repository):
    report = import_dir(repository, EXAMPLES / "csv")
    assert report.problems == [] and report.written
    assert dict(report.created) == EXAMPLE_COUNTS
    assert repository.practice_size() == (27, 32)
    entities = EntityService(repository, CatalogueService(repository, LOCAL_OPERATOR), LOCAL_OPERATOR)
    elliott = entities.client_detail(by_external_id(repository, "C-1001")["id"])
    assert elliott["owner"]["name"] == "Anna Shaw"
    assert [(m["person"]["name"], m["role"]) for m in elliott["members"]] == [
        ("John Elliott", "primary_contact"), ("Jean Elliott", "partner"), ("Jim Elliott", "dependant"),
        ("Rose Elliott", "dependant")]
    assert elliott["notes"] == 'Annual review in May; prefers "face to face" meetings'
    assert (elliott["annual_revenue"], elliott["external_id"]) == (14500.0, "C-1001")
    priya = by_external_id(repository, "T-103")
    assert priya["reports_to_id"] == by_external_id(repository, "T-101")["id"]
    history = repository.relationships_by_external_id("ACCOUNTANT_FOR", ["R-7014"])[0]["relationship"]
    assert (history["until"], history["category"], history["id"].startswith("ACCOUNTANT_FOR-")) == ("2023-03-31", "professional", True)


def test_an_import_leaves_one_audit_record_per_write_saying_how_many(repository):
    report = import_dir(repository, EXAMPLES / "csv")
    records = [r for r in _trail(repository) if r["target_id"] == report.load_id]
    assert {(r["action"], r["target_kind"], r["actor_id"]) for r in records} == {("bulk_load", "practice", "local-operator")}
    # One per batch query (a record per row would halve the import rate), e.g. "5 clients created by import <id>".
    counts = [int(r["note"].split(" ", 1)[0]) for r in records]
    assert all(r["note"].endswith(f"by import {report.load_id}") for r in records)
    assert sum(counts) == sum(EXAMPLE_COUNTS.values()) and len(records) < sum(counts)
    again = import_dir(repository, EXAMPLES / "csv")  # nothing to write: no record
    assert not [r for r in _trail(repository) if r["target_id"] == again.load_id]
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
    assert repository.relationships_by_external_id("DEPENDANT_IN", ["M-5003"])[0]["relationship"]["until"] == "2025-01-01"
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


def test_files_are_found_by_name(tmp_path):
    (tmp_path / "notes.txt").write_text("not an import file")
    with pytest.raises(InvalidInput, match="holds no import files"):
        FileSource([tmp_path])
    with pytest.raises(InvalidInput, match="not an import file name"):
        FileSource([tmp_path / "notes.txt"])
    with pytest.raises(InvalidInput, match="two files for clients"):
        FileSource([EXAMPLES / "csv" / "clients.csv", EXAMPLES / "jsonl" / "clients.jsonl"])


# -- export -------------------------------------------------------------------------------------
@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_round_trip_gives_the_same_graph(repository, tmp_path, file_format):
    import_dir(repository, EXAMPLES / "csv")
    first = exported(repository, tmp_path / "first", file_format)
    assert len(first["relationships"]) == 21 and len(first["memberships"]) == 11
    empty(repository)
    assert import_dir(repository, tmp_path / "first").problems == []
    assert exported(repository, tmp_path / "second", file_format) == first


def test_an_export_of_api_made_records_imports_back_without_copies(repository, tmp_path):
    catalogue = CatalogueService(repository, LOCAL_OPERATOR)
    load_sample_practice(EntityService(repository, catalogue, LOCAL_OPERATOR), RelationshipService(repository, catalogue, LOCAL_OPERATOR))
    size = repository.practice_size()
    export_practice(repository, tmp_path / "out")
    report = import_dir(repository, tmp_path / "out")
    assert report.problems == [] and not report.created
    assert sum(report.unchanged.values()) == SAMPLE_ENTITY_COUNT + size[1]
    assert repository.practice_size() == size


def test_one_clients_network(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    rows = exported(repository, tmp_path / "okafor", client="C-1003", depth=1)
    assert {r[0] for rows_ in rows.values() for r in rows_} == {
        "C-1003", "P-2006", "P-2007", "P-2001", "T-102", "T-100",  # members, adviser, referrer; the adviser's manager
        "M-5008", "M-5009", "R-7004", "R-7007", "R-7015"}
    empty(repository)
    assert import_dir(repository, tmp_path / "okafor").problems == []
    internal_id = by_external_id(repository, "C-1003")["id"]
    assert len(exported(repository, tmp_path / "again", client=internal_id, depth=3)["clients"]) == 1
    with pytest.raises(NotFound):
        export_practice(repository, tmp_path / "nobody", client="C-404")


def test_graphml_for_analysts(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    report = export_practice(repository, tmp_path / "practice.graphml", file_format="graphml")
    assert dict(report.counts) == {"entities": 27, "relationships": 32}
    graph = nx.read_graphml(tmp_path / "practice.graphml")
    assert (graph.number_of_nodes(), graph.number_of_edges(), graph.is_directed()) == (27, 32, True)
    elliott = graph.nodes[by_external_id(repository, "C-1001")["id"]]
    assert (elliott["external_id"], elliott["entity_kind"], elliott["stage"], elliott["annual_revenue"]) == (
        "C-1001", "client", "client", 14500.0)
    edges = {data["external_id"]: data for _, _, data in graph.edges(data=True)}
    assert (edges["R-7014"]["active"], edges["R-7001"]["active"], edges["R-7001"]["weight"]) == (False, True, 1.0)
    assert "email" not in graph.nodes[by_external_id(repository, "P-2001")["id"]]


# -- backup and restore -------------------------------------------------------------------------
def test_backup_then_restore_then_export_equals_the_original_export(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    catalogue = CatalogueService(repository, LOCAL_OPERATOR)
    EntityService(repository, catalogue, LOCAL_OPERATOR).update(K.client, by_external_id(repository, "C-1002")["id"], {"segment": "A"})
    catalogue.create_category(CategoryList.stages, {"code": "dormant", "label": "Dormant"})
    original = exported(repository, tmp_path / "before")
    everything = _everything(repository)
    trail = _trail(repository)  # the import's batches, the update, the new category
    report = backup(repository, tmp_path / "practice.rapport.gz")
    assert report.counts == {"relationship_type": 19, "category": 16, "entity": 27, "relationship": 32, "record": len(trail)}
    with pytest.raises(Conflict, match="not empty"):
        restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "practice.rapport.gz")
    empty(repository)
    catalogue.update_category(CategoryList.stages, "prospect", {"label": "Changed after the backup"})
    restored = restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "practice.rapport.gz")
    assert restored.counts == report.counts
    assert exported(repository, tmp_path / "after") == original
    assert _everything(repository) == everything  # ids, versions and timestamps too
    # The trail only grew: emptying the store and restoring kept it, and recorded themselves.
    after = {record["id"]: record for record in _trail(repository)}
    assert all(after[record["id"]] == record for record in trail)
    assert {r["action"] for r in after.values() if r["target_id"] == restored.load_id} == {"delete", "bulk_load"}


def _trail(repository: PracticeRepository) -> list[dict]:
    return repository.practice_records_page("AuditRecord", after=None, limit=100_000)


def _everything(repository: PracticeRepository) -> tuple:
    entities = repository.entities_page(after=None, limit=1_000)
    relationships = repository.outgoing_relationships(e["id"] for e in entities)
    return (entities, sorted(relationships, key=lambda r: r["relationship"]["id"]), repository.relationship_types(),
            repository.categories())


def test_restore_with_force_replaces_what_is_there(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    backup(repository, tmp_path / "b.gz")
    catalogue = CatalogueService(repository, LOCAL_OPERATOR)
    EntityService(repository, catalogue, LOCAL_OPERATOR).create(K.person, {"first_name": "After", "last_name": "Backup"})
    restored = restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "b.gz", force=True)
    assert repository.practice_size() == (27, 32) and restored.counts["entity"] == 27


def test_a_damaged_backup_is_refused_and_nothing_restored(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    backup(repository, tmp_path / "good.gz")
    lines = gzip.open(tmp_path / "good.gz", "rt", encoding="utf-8").read().splitlines()
    empty(repository)
    cases = {
        "cut.gz": lines[:-1],  # no end line: cut short
        "lost.gz": [line for line in lines if "R-7001" not in line],  # counts differ
        "alien.gz": ['{"format": "something else"}'],
        "orphan.gz": [lines[0], *[line for line in lines[1:] if '"record":"entity"' not in line or "P-2001" not in line]],
        # A unique value ending in a space would crash FalkorDB 4.16: refused before any write.
        "spaced_id.gz": _with_trailing_space(lines, "entity", "id"),
        "spaced_key.gz": _with_trailing_space(lines, "category", "key"),
    }
    for name, content in cases.items():
        with gzip.open(tmp_path / name, "wt", encoding="utf-8") as f:
            f.write("\n".join(content) + "\n")
    (tmp_path / "plain.gz").write_text("not gzip")
    for name, message in (("cut.gz", "incomplete"), ("lost.gz", "incomplete"), ("alien.gz", "not a Rapport backup"),
                          ("orphan.gz", "joins an entity the backup does not hold"), ("plain.gz", "cannot be read"),
                          ("spaced_id.gz", "an entity needs an id"), ("spaced_key.gz", "a category needs a key")):
        with pytest.raises(InvalidInput, match=message):
            restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / name)
    assert repository.practice_size() == (0, 0)


def _with_trailing_space(lines: list[str], record: str, field: str) -> list[str]:
    """``lines`` with a space added after ``field`` of the first ``record`` line."""
    changed = list(lines)
    at = next(i for i, line in enumerate(lines) if json.loads(line).get("record") == record)
    data = json.loads(lines[at])
    data["properties"][field] += " "
    changed[at] = json.dumps(data)
    return changed


def test_a_backup_reads_a_point_in_time_snapshot(repository, request):
    import_dir(repository, EXAMPLES / "csv")
    with repository.snapshot() as frozen:
        catalogue = CatalogueService(repository, LOCAL_OPERATOR)
        EntityService(repository, catalogue, LOCAL_OPERATOR).create(K.person, {"first_name": "Late", "last_name": "Arrival"})
        if repository.snapshots_are_point_in_time:
            assert frozen.practice_size() == (27, 32)
    assert repository.practice_size() == (28, 32)
    if repository.snapshots_are_point_in_time:  # FalkorDB: the copy is gone afterwards
        server = request.getfixturevalue("falkordb_server")
        assert not [g for g in FalkorDB(unix_socket_path=str(server.socket_path)).list_graphs() if ".snapshot." in g]


# -- generated practices and the bulk path ---------------------------------------------------------
def test_a_generated_practice_loads_through_the_bulk_path(repository, tmp_path):
    report = load_generated_practice(repository, 600, 3_000, caller=LOCAL_OPERATOR, seed=5, batch_size=700)
    assert repository.practice_size() == (600, 3_000) and report.relationships == 3_000
    loaded = [r for r in _trail(repository) if r["target_id"] == report.load_id]
    assert sum(int(r["note"].split(" ", 1)[0]) for r in loaded) == 3_600 and {r["action"] for r in loaded} == {"bulk_load"}
    with pytest.raises(Conflict, match="empty one"):
        load_generated_practice(repository, 600, 3_000, caller=LOCAL_OPERATOR, seed=5)
    export_practice(repository, tmp_path / "generated")
    again = import_dir(repository, tmp_path / "generated")
    assert again.problems == [] and not again.created and sum(again.unchanged.values()) == 3_600


def test_the_bulk_writer_reports_a_batch_that_did_not_go_in(repository):
    with BulkWriter(repository, caller=LOCAL_OPERATOR, load="test", batch_size=2) as writer:
        writer.create_relationship("SPOUSE_OF", "nobody", "no one", {"id": f"SPOUSE_OF-{new_ulids(1)[0]}"})
        with pytest.raises(BulkWriteError, match="1 of 1 relationships"):
            writer.flush()


def test_bulk_ids_are_ulids():
    from ulid import ULID

    from app.domain.model import relationship_type_of

    ids = new_ulids(1_000)
    assert len(set(ids)) == 1_000 and all(str(ULID.from_str(i)) == i for i in ids)
    assert abs(ULID.from_str(ids[0]).timestamp - time.time()) < 60  # the time part is now
    # Every character of the random part is drawn from the whole alphabet.
    assert set("".join(i[10:] for i in ids)) == set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert relationship_type_of(f"SPOUSE_OF-{ids[0]}") == "SPOUSE_OF"


def test_backup_carries_runs_touches_and_dates_too(repository, tmp_path):
    """Records that are not entities (scoring runs and their scores, touches, important
    dates) belong to the practice as much as its graph does."""
    from app.services.analytics import AnalyticsService, ScoringParameters
    from app.services.practice_graph import GraphSnapshots
    from app.services.service_cycle import ServiceCycleService

    import_dir(repository, EXAMPLES / "csv")
    catalogue = CatalogueService(repository, LOCAL_OPERATOR)
    analytics = AnalyticsService(repository, catalogue, GraphSnapshots(0), LOCAL_OPERATOR)
    run = analytics.run_scoring(ScoringParameters.build(betweenness_k=8))
    client_id = by_external_id(repository, "C-1002")["id"]
    cycle = ServiceCycleService(repository, LOCAL_OPERATOR)
    touch = cycle.record("Touch", client_id, {"date": "2026-11-02", "kind": "call", "notes": "Annual check-in"})
    cycle.add_important_date(client_id, {"kind": "review", "date": "2027-01-15"})
    scores_before = analytics.scores(run["id"], after=0, limit=500)

    trail = _trail(repository)
    report = backup(repository, tmp_path / "all.gz")
    # The run, its scores, the touch, the date, and the audit trail.
    assert report.counts["record"] == 1 + run["scored"] + 1 + 1 + len(trail)
    empty(repository)
    assert analytics.runs() == []
    restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "all.gz")
    assert [r["id"] for r in analytics.runs()] == [run["id"]]
    assert analytics.scores(run["id"], after=0, limit=500) == scores_before
    assert [t["id"] for t in cycle.records("Touch", client_id)] == [touch["id"]]
    assert [d["date"] for d in cycle.important_dates(client_id)] == ["2027-01-15"]


def test_backup_carries_keys_settings_and_the_audit_trail(repository, tmp_path):
    """A restored practice keeps its API keys (hashes only; the keys still work), its
    visibility mode and its whole audit trail; idempotency keys are not practice records."""
    from app.domain.access import VisibilityMode
    from app.domain.model import PRACTICE_RECORD_LABELS
    from app.services.access import AccessService

    import_dir(repository, EXAMPLES / "csv")
    access = AccessService(repository)
    issued = access.issue_key(by_external_id(repository, "T-101")["id"], name="Anna's laptop")
    access.set_visibility(VisibilityMode.owner_hierarchy)
    trail = _trail(repository)
    assert {"issue_key", "update", "bulk_load"} <= {record["action"] for record in trail}
    backup(repository, tmp_path / "b.gz")
    empty(repository)
    assert access.keys()[0] == [] and access.practice_settings()["visibility"] == "open"
    report = restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "b.gz")
    assert [key["id"] for key in access.keys()[0]] == [issued.api_key["id"]]
    assert access.authenticate(issued.key).team_member_id == issued.api_key["team_member_id"]
    assert access.practice_settings()["visibility"] == "owner_hierarchy"
    restored = {record["id"]: record for record in _trail(repository)}
    assert all(restored[record["id"]] == record for record in trail)  # each once, as it was
    # The others record emptying the store, seeding it again, and the restore itself.
    added = [r for r in restored.values() if r["id"] not in {t["id"] for t in trail}]
    assert {r["action"] for r in added} == {"delete", "bulk_load"}
    assert {"emptied-by-the-test", report.load_id} <= {r["target_id"] for r in added}
    assert "IdempotencyKey" not in PRACTICE_RECORD_LABELS


def test_a_backup_record_of_an_unknown_label_is_refused(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    backup(repository, tmp_path / "good.gz")
    lines = gzip.open(tmp_path / "good.gz", "rt", encoding="utf-8").read().splitlines()
    lines.insert(1, json.dumps({"record": "record", "label": "Entity`) DETACH DELETE (n", "properties": {}}))
    with gzip.open(tmp_path / "bad.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match="line 2: unknown record label"):
        restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "bad.gz", force=True)


def test_a_membership_share_survives_export_and_import(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    catalogue = CatalogueService(repository, LOCAL_OPERATOR)
    relationships = RelationshipService(repository, catalogue, LOCAL_OPERATOR)
    household = by_external_id(repository, "C-1001")["id"]
    membership = next(r for r in relationships.of_entity(K.client, household, category="membership")
                      if r["relationship"]["role"] == "primary_contact")
    relationships.update(membership["relationship"]["id"], {"share": 0.75})
    original = exported(repository, tmp_path / "before")
    share = RecordKind.memberships.format.columns.index("share")
    assert [row[share] for row in original["memberships"] if row[0] == "M-5001"] == ["0.75"]
    empty(repository)
    import_dir(repository, tmp_path / "before")
    assert exported(repository, tmp_path / "after") == original
    # GraphML carries it too, for analysts who weigh households by members' shares.
    export_practice(repository, tmp_path / "practice.graphml", file_format="graphml")
    edges = {data["external_id"]: data for _, _, data in nx.read_graphml(tmp_path / "practice.graphml").edges(data=True)}
    assert edges["M-5001"]["share"] == 0.75 and "share" not in edges["M-5002"]


def test_a_share_on_a_relationship_that_is_no_membership_is_refused(repository, tmp_path):
    directory = examples(tmp_path)
    append(directory / "relationships.csv", "R-9999,ACQUAINTANCE_OF,P-2001,P-2002,,,,0.5,")
    line = sum(1 for _ in (directory / "relationships.csv").open())
    report = import_dir(repository, directory)
    assert problems_at(report) == {("relationships.csv", line, "share")}
    assert repository.count_entities() == 0
