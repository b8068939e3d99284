"""The second pass of an import: the rows the check accepted (as it converted them, or read
and converted again) written through the bulk path (``app.services.bulk``), entities
first; refused rows go to the reject file."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from itertools import groupby
from pathlib import Path
from typing import Any, TextIO

from app.domain.catalogue import OWNERSHIP
from app.domain.errors import InvalidInput
from app.domain.transfer import RecordFormat, RecordKind
from app.services.bulk import BulkWriter, new_ulids
from app.services.entities import new_entity_properties
from app.services.relationship_rules import (
    RELATIONSHIP_FIELDS,
    new_relationship_properties,
    own_properties,
    type_properties,
)
from app.services.transfer.converting import RowConverter
from app.services.transfer.readers import ImportSource, SourceRow
from app.services.transfer.report import ImportProblem, ImportReport
from app.services.transfer.state import EntityState, ImportState, Known, RowPosition, chunks, file_of


class ImportWriter:
    """Writes an import's rows, as its state says: which are refused, what ids they have."""

    def __init__(self, state: ImportState) -> None:
        self.state = state
        self.convert = RowConverter(state)

    def write(self, source: ImportSource, writer: BulkWriter, rejects: RejectFile, report: ImportReport) -> None:
        state = self.state
        phase = "loading" if state.trusted else "writing"
        if not state.trusted and not state.cache_overflowed and rejects.path is None:
            # Every accepted row is still in hand from the check: no need to read the files again.
            entries: Iterable[tuple[RecordKind, RowPosition | None, SourceRow | None]] = (
                (state.file_records[file_of(position)], position, None) for position in list(state.converted))
            total: int | None = len(state.converted)
            report.rejected = len(state.problems)
        else:
            entries = ((row.record, None, row) for row in source.rows())
            total = source.total()
        done = 0
        entities_flushed = False
        for record, group in groupby(entries, key=lambda entry: entry[0]):
            fmt = record.format
            if fmt.entity_kind is None and not entities_flushed:
                writer.flush()  # relationships need their entities in the store
                entities_flushed = True
            for chunk in chunks(group, state.batch_size):
                accepted = []
                for _, position, row in chunk:
                    if row is not None:
                        position = state.position(row)
                        if position in state.problems or row.file in state.broken_files:
                            rejects.write(row, state.problems.get(position) or state.broken_files.get(row.file, []))
                            report.rejected += 1
                            continue
                    accepted.append((position, row))
                if fmt.entity_kind is not None:
                    self._write_entities(fmt, accepted, writer, report)
                else:
                    self._write_relationships(fmt, accepted, writer, report)
                done += len(chunk)
                state.on_progress(phase, done, total)
        writer.flush()
        report.rows = report.rows or done
        report.changed_meanwhile += writer.changed_meanwhile

    def _write_entities(self, fmt: RecordFormat, rows: list[tuple[RowPosition, SourceRow]], writer: BulkWriter,
                        report: ImportReport) -> None:
        state = self.state
        kind = fmt.entity_kind
        updates = []
        ids = iter(new_ulids(len(rows)) if state.trusted else ())
        for position, row in rows:
            converted = state.converted.pop(position, None)
            if converted is None:
                problems: list[ImportProblem] = []
                converted = self.convert.convert_entity(fmt, position, row.values, problems)
                _unchanged_since_check(problems)
            ext, fields, references = converted
            known = state.entities.get(ext)
            if known is None:  # a trusted source: entities are made as they come
                known = state.entities[ext] = Known(next(ids), kind, position, EntityState.new)
            data = dict(fields)
            for column, ref in references:
                data[fmt.field_of(column)] = state.entities[ref].id
            if known.id in state.ownerships:  # an OWNER_OF row gives its owner (agreeing with the row's own, if any)
                data["owner_id"] = state.ownerships[known.id][0]
            properties = new_entity_properties(kind, data, entity_id=known.id, now=state.now)
            if ext != known.id:  # an exported record whose id stood in for an external id keeps none
                properties["external_id"] = ext
            if known.state is EntityState.new:
                writer.create_entity(kind, properties)
                report.created[fmt.kind] += 1
            else:
                updates.append(properties)
        if updates:
            stored = state.repo.get_entities(p["id"] for p in updates)
            imported = {fmt.field_of(c) for c in fmt.columns} | {"name"}
            self._write_changes(fmt, updates, stored, imported, report,
                                lambda current, merged: writer.update_entity(current["id"], current["version"], merged))

    def _write_relationships(self, fmt: RecordFormat, rows: list[tuple[RowPosition, SourceRow]], writer: BulkWriter,
                             report: ImportReport) -> None:
        state = self.state
        updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        owners: list[dict[str, Any]] = []
        ids = iter(new_ulids(len(rows)))
        created = 0
        for position, row in rows:
            converted = state.converted.pop(position, None)
            if converted is None:
                problems: list[ImportProblem] = []
                ext, spec, ends = self.convert.read_relationship(fmt, position, row.values, problems)
                source, target, fields = self.convert.resolve_relationship(fmt, position, row.values, spec, ends, problems)
                _unchanged_since_check(problems)
                converted = (ext, spec, source.id, target.id, fields)
            ext, spec, from_id, to_id, fields = converted
            if spec is OWNERSHIP:  # the client's owner_id: written with the client's row, if in the files
                if not state.ownerships[to_id][2]:
                    owners.append({"id": to_id, "owner_id": from_id})
                continue
            existing = state.existing_relationships.get(ext)
            if existing is None:
                properties = own_properties(fields, f"{spec.code}-{next(ids)}")
                properties["external_id"] = ext
                shared = state.type_properties.get(spec.code)
                if shared is None:
                    shared = state.type_properties[spec.code] = type_properties(spec, state.now)
                writer.create_relationship(spec.code, from_id, to_id, properties, shared)
                created += 1
            else:
                properties = new_relationship_properties(spec, fields, state.now, relationship_id=existing)
                if ext != existing:
                    properties["external_id"] = ext
                updates[spec.code].append(properties)
        if created:
            report.created[fmt.kind] += created
        if owners:  # clients only in the store: their owner_id changes
            self._write_changes(RecordKind.clients.format, owners, state.repo.get_entities(o["id"] for o in owners),
                                {"owner_id"}, report,
                                lambda current, merged: writer.update_entity(current["id"], current["version"], merged))
        imported = {*RELATIONSHIP_FIELDS, "external_id"}
        for code, wanted in updates.items():
            stored = {row.relationship["id"]: row.relationship
                      for row in state.repo.relationships_by_id(code, [p["id"] for p in wanted])}
            self._write_changes(fmt, wanted, stored, imported, report,
                                lambda current, merged, code=code:
                                    writer.update_relationship(code, current["id"], current["version"], merged))

    def _write_changes(self, fmt: RecordFormat, wanted: list[dict[str, Any]], stored: Mapping[str, dict[str, Any]],
                       imported: set[str], report: ImportReport,
                       update: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
        """Replace each stored record's imported fields with the row's where they differ;
        fields the import does not carry (and ids, timestamps) are kept."""
        state = self.state
        for properties in wanted:
            current = stored.get(properties["id"])
            if current is None:  # deleted since the check
                report.changed_meanwhile += 1
                continue
            merged = {k: v for k, v in current.items() if k not in imported}
            merged.update({k: v for k, v in properties.items() if k in imported})
            if merged == current:
                report.unchanged[fmt.kind] += 1
                continue
            merged["version"], merged["updated_at"] = current["version"] + 1, state.now
            update(current, merged)
            report.updated[fmt.kind] += 1


def _unchanged_since_check(problems: list[ImportProblem]) -> None:
    if problems:  # the check passed this row: its file was edited while the import ran
        raise InvalidInput(f"{problems[0]} (the files changed during the import; what was written so far stays, "
                           "and running the import again is safe)")


class RejectFile:
    """Refused rows as JSON Lines: where each was, what was wrong, and the row as read."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None

    def __enter__(self) -> RejectFile:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        return self

    def write(self, row: SourceRow, problems: list[ImportProblem]) -> None:
        if self._file is not None:
            record = {"file": row.file, "line": row.line,
                      "problems": [{"column": p.column, "message": p.message} for p in problems], "row": row.raw}
            self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.close()

