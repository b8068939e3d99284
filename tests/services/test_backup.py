"""Backup and restore: everything a practice holds, refused whole when damaged."""

from __future__ import annotations

import gzip
import json

import pytest
from falkordb import FalkorDB

from app.bootstrap import Services
from app.domain.access import LOCAL_OPERATOR
from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput
from app.domain.model import EntityKind as K
from app.domain.model import PracticeRecordKind
from app.repositories.practice import PracticeRepository
from app.services.backup import backup, restore
from tests.services.practice_files import (
    EXAMPLES,
    audit_trail,
    by_external_id,
    empty,
    exported,
    import_dir,
)


def test_backup_then_restore_then_export_equals_the_original_export(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    services = Services(repository)
    catalogue = services.catalogue()
    services.entities().update(K.client, by_external_id(repository, "C-1002")["id"], {"segment": "A"})
    catalogue.create_category(CategoryList.stages, {"code": "dormant", "label": "Dormant"})
    original = exported(repository, tmp_path / "before")
    everything = _everything(repository)
    trail = audit_trail(repository)  # the import's batches, the update, the new category
    report = backup(repository, tmp_path / "practice.rapport.gz")
    assert report.counts == {"relationship_type": 21, "category": 16, "entity": 27, "relationship": 32, "record": len(trail)}
    with pytest.raises(Conflict, match="not empty"):
        restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "practice.rapport.gz")
    empty(repository)
    catalogue.update_category(CategoryList.stages, "prospect", {"label": "Changed after the backup"})
    restored = restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "practice.rapport.gz")
    assert restored.counts == report.counts
    assert exported(repository, tmp_path / "after") == original
    assert _everything(repository) == everything  # ids, versions and timestamps too
    # The trail only grew: emptying the store and restoring kept it, and recorded themselves.
    after = {record["id"]: record for record in audit_trail(repository)}
    assert all(after[record["id"]] == record for record in trail)
    assert {r["action"] for r in after.values() if r["target_id"] == restored.load_id} == {"delete", "bulk_load"}


def _everything(repository: PracticeRepository) -> tuple:
    entities = repository.entities_page(after=None, limit=1_000)
    relationships = repository.outgoing_relationships(e["id"] for e in entities)
    return (entities, sorted(relationships, key=lambda r: r.relationship["id"]), repository.relationship_types(),
            repository.categories())


def test_restore_with_force_replaces_what_is_there(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    backup(repository, tmp_path / "b.gz")
    Services(repository).entities().create(K.person, {"first_name": "After", "last_name": "Backup"})
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
        Services(repository).entities().create(K.person, {"first_name": "Late", "last_name": "Arrival"})
        if repository.snapshots_are_point_in_time:
            assert frozen.practice_size() == (27, 32)
    assert repository.practice_size() == (28, 32)
    if repository.snapshots_are_point_in_time:  # FalkorDB: the copy is gone afterwards
        server = request.getfixturevalue("falkordb_server")
        assert not [g for g in FalkorDB(unix_socket_path=str(server.socket_path)).list_graphs() if ".snapshot." in g]


def test_backup_carries_runs_touches_and_dates_too(repository, tmp_path):
    """Records that are not entities (scoring runs and their scores, touches, important
    dates) belong to the practice as much as its graph does."""
    from app.services.scoring import ScoringParameters

    import_dir(repository, EXAMPLES / "csv")
    services = Services(repository)
    analytics = services.scoring()
    run = analytics.run_scoring(ScoringParameters.build(betweenness_k=8))
    client_id = by_external_id(repository, "C-1002")["id"]
    cycle = services.service_cycle()
    touch = cycle.record(PracticeRecordKind.touch, client_id, {"date": "2026-11-02", "kind": "call", "notes": "Annual check-in"})
    cycle.add_important_date(client_id, {"kind": "review", "date": "2027-01-15"})
    scores_before = analytics.scores(run["id"], after=0, limit=500)

    trail = audit_trail(repository)
    report = backup(repository, tmp_path / "all.gz")
    # The run, its scores, the touch, the date, and the audit trail.
    assert report.counts["record"] == 1 + run["scored"] + 1 + 1 + len(trail)
    empty(repository)
    assert analytics.runs() == []
    restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "all.gz")
    assert [r["id"] for r in analytics.runs()] == [run["id"]]
    assert analytics.scores(run["id"], after=0, limit=500) == scores_before
    assert [t["id"] for t in cycle.records(PracticeRecordKind.touch, client_id)] == [touch["id"]]
    assert [d["date"] for d in cycle.important_dates(client_id)] == ["2027-01-15"]


def test_backup_carries_keys_settings_and_the_audit_trail(repository, tmp_path):
    """A restored practice keeps its API keys (hashes only; the keys still work), its
    visibility mode and its whole audit trail; idempotency keys are not practice records."""
    from app.domain.access import VisibilityMode
    from app.domain.model import PRACTICE_RECORD_LABELS
    import_dir(repository, EXAMPLES / "csv")
    access = Services(repository).access()
    issued = access.issue_key(by_external_id(repository, "T-101")["id"], name="Anna's laptop")
    access.set_visibility(VisibilityMode.owner_hierarchy)
    trail = audit_trail(repository)
    assert {"issue_key", "update", "bulk_load"} <= {record["action"] for record in trail}
    backup(repository, tmp_path / "b.gz")
    empty(repository)
    assert access.keys()[0] == [] and access.practice_settings()["visibility"] == "open"
    report = restore(repository, caller=LOCAL_OPERATOR, path=tmp_path / "b.gz")
    assert [key["id"] for key in access.keys()[0]] == [issued.api_key["id"]]
    assert access.authenticate(issued.key).team_member_id == issued.api_key["team_member_id"]
    assert access.practice_settings()["visibility"] == "owner_hierarchy"
    restored = {record["id"]: record for record in audit_trail(repository)}
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
