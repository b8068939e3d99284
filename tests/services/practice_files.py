"""Helpers for the tests of importing, exporting and backing up a practice: the example
import files, and a practice's export as sorted rows."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from app.domain.access import LOCAL_OPERATOR
from app.domain.transfer import RecordKind
from app.repositories.practice import PracticeRepository
from app.services.bulk import clear_store
from app.services.catalogue import CatalogueService
from app.services.export import export_practice
from app.services.transfer import FileSource, import_practice

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"
EXAMPLE_COUNTS = {RecordKind.team_members: 5, RecordKind.divisions: 2, RecordKind.providers: 3, RecordKind.clients: 5,
                  RecordKind.people: 12, RecordKind.memberships: 11, RecordKind.relationships: 21}


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


def audit_trail(repository: PracticeRepository) -> list[dict]:
    return repository.practice_records_page("AuditRecord", after=None, limit=100_000)
