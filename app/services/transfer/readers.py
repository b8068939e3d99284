"""Rows to import: ``<record>.csv`` and ``<record>.jsonl`` files, or rows made in memory."""

from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from app.domain.errors import InvalidInput
from app.domain.transfer import FILE_FORMATS, RecordFormat, RecordKind
from app.services.generator import Batch
from app.services.transfer.report import ImportProblem


class SourceRow(NamedTuple):
    record: RecordKind
    file: str
    line: int
    #: Column -> value; blank cells are None.
    values: Mapping[str, Any]
    #: The row as read, for the reject file.
    raw: Mapping[str, Any]


class ImportSource(ABC):
    """Rows to import, entity records first (in ``RecordKind`` order); readable twice."""

    @abstractmethod
    def rows(self) -> Iterator[SourceRow]: ...

    def problems(self) -> list[ImportProblem]:
        """Problems with whole files (a CSV header): their rows are all refused."""
        return []

    def total(self) -> int | None:
        """About how many rows there are, for progress bars."""
        return None


class FileSource(ImportSource):
    """Import files: ``<record>.csv`` or ``<record>.jsonl`` (``clients.csv``, ``people.jsonl``...),
    named one by one or found in directories."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.files: dict[RecordKind, Path] = {}
        for path in map(Path, paths):
            if path.is_dir():
                found = [p for p in sorted(path.iterdir()) if _record_of(p) is not None]
                if not found:
                    raise InvalidInput(f"{path} holds no import files ({_expected_names()})")
            elif path.is_file():
                if _record_of(path) is None:
                    raise InvalidInput(f"{path}: not an import file name; expected {_expected_names()}")
                found = [path]
            else:
                raise InvalidInput(f"{path}: no such file or directory")
            for file in found:
                record = _record_of(file)
                if record in self.files and self.files[record] != file:
                    raise InvalidInput(f"two files for {record.value}: {self.files[record]} and {file}")
                self.files[record] = file
        if not self.files:
            raise InvalidInput("no import files given")
        self._problems: list[ImportProblem] | None = None

    def rows(self) -> Iterator[SourceRow]:
        for record in RecordKind:
            path = self.files.get(record)
            if path is not None:
                yield from (_csv_rows if path.suffix == ".csv" else _jsonl_rows)(record, path)

    def problems(self) -> list[ImportProblem]:
        if self._problems is None:
            self._problems = [p for record, path in self.files.items() if path.suffix == ".csv"
                              for p in _header_problems(record.format, path)]
        return self._problems

    def total(self) -> int:
        lines = 0
        for path in self.files.values():
            with path.open("rb") as f:
                lines += sum(chunk.count(b"\n") for chunk in iter(lambda f=f: f.read(1 << 20), b""))
        return max(0, lines - sum(1 for p in self.files.values() if p.suffix == ".csv"))


class RecordsSource(ImportSource):
    """Rows made in memory, such as ``generate_practice`` batches; ``batches`` is called once
    per reading, so a generator function reads the same rows twice."""

    def __init__(self, batches: Callable[[], Iterable[Batch]], *, name: str = "generated", total: int | None = None) -> None:
        self._batches, self._name, self._total = batches, name, total

    def rows(self) -> Iterator[SourceRow]:
        lines: Counter[RecordKind] = Counter()
        for batch in self._batches():
            for row in batch.rows:
                lines[batch.record] += 1
                yield SourceRow(batch.record, f"{self._name}/{batch.record.value}", lines[batch.record], row, row)

    def total(self) -> int | None:
        return self._total


def _record_of(path: Path) -> RecordKind | None:
    stem, _, suffix = path.name.partition(".")
    return RecordKind(stem) if stem in RecordKind.__members__ and suffix in FILE_FORMATS else None


def _expected_names() -> str:
    return ", ".join(f"{r.value}.csv" for r in RecordKind) + " (or .jsonl)"


@contextmanager
def _unreadable(path: Path, line: Callable[[], int]) -> Iterator[None]:
    """A file that is not UTF-8 text, or not CSV, stops the import with where it went wrong."""
    try:
        yield
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path.name}: line {line()}: not UTF-8 text ({error.reason}); nothing was imported") from None
    except csv.Error as error:
        raise InvalidInput(f"{path.name}: line {line()}: not readable as CSV ({error}); nothing was imported") from None


def _header_problems(fmt: RecordFormat, path: Path) -> list[ImportProblem]:
    with path.open(newline="", encoding="utf-8-sig") as f, _unreadable(path, lambda: 1):
        header = next(csv.reader(f), None)
    if header is None:
        return [ImportProblem(path.name, 1, None, "the file is empty; its first line must name the columns")]
    problems = []
    for position, column in enumerate(header):
        if column not in fmt.columns:
            problems.append(ImportProblem(path.name, 1, column or f"#{position + 1}",
                                          f"unknown column; {fmt.kind.value} columns are: {', '.join(fmt.columns)}"))
        elif column in header[:position]:
            problems.append(ImportProblem(path.name, 1, column, "the column appears twice"))
    problems += [ImportProblem(path.name, 1, column, "required column missing")
                 for column in fmt.columns if column in fmt.required and column not in header]
    return problems


def _csv_rows(record: RecordKind, path: Path) -> Iterator[SourceRow]:
    line = 1
    with path.open(newline="", encoding="utf-8-sig") as f, _unreadable(path, lambda: line):
        reader = csv.reader(f)
        header = next(reader, None) or []
        width = len(header)
        line = reader.line_num + 1
        name = path.name
        for cells in reader:
            if cells:  # csv gives [] for a blank line
                values = {k: v or None for k, v in zip(header, cells, strict=False)}  # blank cells are None
                if len(cells) > width:
                    values["#extra"] = cells[width:]
                yield SourceRow(record, name, line, values, values)
            line = reader.line_num + 1


def _jsonl_rows(record: RecordKind, path: Path) -> Iterator[SourceRow]:
    line = 0
    with path.open(encoding="utf-8-sig") as f, _unreadable(path, lambda: line + 1):
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as error:
                raw = {"#json": f"not valid JSON ({error.msg} at character {error.pos + 1})", "#text": text.rstrip("\n")}
            if not isinstance(raw, dict):
                raw = {"#json": "each line must be a JSON object", "#text": text.rstrip("\n")}
            elif "\\u0000" in text and any("\x00" in v for v in (*raw, *raw.values()) if isinstance(v, str)):
                # The stores cannot keep it (and CSV cannot even carry it).
                raw = {"#json": "text may not contain the NUL character (\\u0000)", "#text": text.rstrip("\n")}
            yield SourceRow(record, path.name, line, {k: (None if v == "" else v) for k, v in raw.items()}, raw)
