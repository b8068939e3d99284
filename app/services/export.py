"""Export the practice in the import format (CSV or JSON Lines), or as GraphML.

An export is what an import reads: one file per record kind, the same columns, every record
with its external id (an entity or relationship created through the API has none, and its
id stands in; importing the export into the same store then updates it rather than adding
a copy). Importing an export into an empty store gives the same graph, with new ids.

A whole-practice export reads a snapshot of the store (``GraphStore.snapshot``), so it is
consistent even while the practice is being changed. GraphML carries the relationship graph
for analysts' own tools (Gephi, networkx, igraph): entities and relationships with their
classification, not people's contact details.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO
from xml.sax.saxutils import escape, quoteattr

from app.domain.catalogue import OWNERSHIP, ownership_id, ownership_properties
from app.domain.errors import InvalidInput, NotFound
from app.domain.model import DEFAULT_EXPORT_DEPTH, MAX_NETWORK_DEPTH, EntityKind, today_iso
from app.domain.transfer import FILE_FORMATS, RECORD_OF_ENTITY_KIND, RecordKind
from app.repositories.catalogue import Catalogue
from app.repositories.entities import Entities
from app.repositories.transfer import BulkTransfer, OutgoingRelationship
from app.services.catalogue import stored_relationship_types
from app.services.generator import Batch
from app.services.relationship_rules import RELATIONSHIP_FIELDS, is_active

ExportFormat = Literal["csv", "jsonl", "graphml"]
#: On ``export_practice(..., on_progress=...)``: (phase, done, total).
Progress = Callable[[str, int, int | None], None]

PAGE_SIZE = 5_000
# The neighbourhood query's row limit: a network export takes every neighbour.
_NO_LIMIT = 100_000_000


@dataclass
class ExportReport:
    path: Path
    format: str
    #: Rows written per record kind (GraphML: "entities" and "relationships").
    counts: Counter[str] = field(default_factory=Counter)
    #: False where the store cannot take a point-in-time snapshot (see GraphStore.snapshot).
    point_in_time: bool = True


class ExportRepository(BulkTransfer, Entities, Catalogue, Protocol):
    """What an export reads."""


# -- files in the import format ----------------------------------------------------------------
class ImportFiles:
    """Writes rows into ``<directory>/<record>.<csv|jsonl>``, one file per record kind (all
    seven are made, so an export always has the same files)."""

    def __init__(self, directory: Path, file_format: str) -> None:
        if file_format not in FILE_FORMATS:
            raise InvalidInput(f"unknown file format '{file_format}'; use {' or '.join(FILE_FORMATS)}")
        directory.mkdir(parents=True, exist_ok=True)
        self.directory, self.format = directory, file_format
        self.counts: Counter[str] = Counter()
        self._files: dict[RecordKind, TextIO] = {}
        self._csv: dict[RecordKind, Any] = {}
        for record in RecordKind:
            handle = (directory / f"{record.value}.{file_format}").open("w", encoding="utf-8", newline="")
            self._files[record] = handle
            if file_format == "csv":
                self._csv[record] = csv.writer(handle)
                self._csv[record].writerow(record.format.columns)

    def write(self, record: RecordKind, row: Mapping[str, Any]) -> None:
        columns = record.format.columns
        if self.format == "csv":
            self._csv[record].writerow(["" if row.get(c) is None else row[c] for c in columns])
        else:
            self._files[record].write(json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False) + "\n")
        self.counts[record.value] += 1

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()

    def __enter__(self) -> ImportFiles:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_import_files(batches: Iterable[Batch], directory: Path, file_format: str = "csv") -> Counter[str]:
    """Write rows already in the import format (a generated practice) as import files."""
    with ImportFiles(directory, file_format) as files:
        for batch in batches:
            for row in batch.rows:
                files.write(batch.record, row)
    return files.counts


def entity_row(entity: Mapping[str, Any], external_of: Callable[[str], str]) -> tuple[RecordKind, dict[str, Any]]:
    """A stored entity as a row of its record kind; references become external ids."""
    record = RECORD_OF_ENTITY_KIND[EntityKind(entity["entity_kind"])]
    fmt = record.format
    row: dict[str, Any] = {"external_id": entity.get("external_id") or entity["id"]}
    for column in fmt.columns[1:]:
        if column in fmt.references:
            target = entity.get(fmt.field_of(column))
            row[column] = external_of(target) if target else None
        else:
            row[column] = entity.get(column)
    return record, row


def relationship_row(found: OutgoingRelationship) -> tuple[RecordKind, dict[str, Any]]:
    """A stored relationship (an ``outgoing_relationships`` row) as a membership or relationship row."""
    relationship = found.relationship
    row: dict[str, Any] = {"external_id": relationship.get("external_id") or relationship["id"]}
    if relationship.get("category") == "membership":
        record = RecordKind.memberships
        row.update(person=found.from_external_id, client=found.to_external_id, role=relationship.get("role"),
                   type=found.type)
    else:
        record = RecordKind.relationships
        row.update({"type": found.type, "from": found.from_external_id, "to": found.to_external_id})
    row.update({k: relationship.get(k) for k in RELATIONSHIP_FIELDS})
    return record, row


def ownership_rows(entities: Iterable[Mapping[str, Any]], team: Mapping[str, str]) -> list[OutgoingRelationship]:
    """The ownerships of the clients among ``entities`` (each owner_id, read as an OWNER_OF
    relationship), as ``outgoing_relationships`` rows: an export writes them as relationship
    rows beside owner_id. Each goes by ``OWNER_OF-<the client's external id>`` (its id where it
    has none, as for every record: then the relationship's own id), so an exported practice
    imported and exported again gives the same rows."""
    rows = []
    for entity in entities:
        owner = entity.get("owner_id") if entity["entity_kind"] == EntityKind.client.value else None
        if owner in team:
            client = entity.get("external_id") or entity["id"]
            rows.append(OutgoingRelationship(
                relationship={**ownership_properties(entity), "external_id": ownership_id(client)}, type=OWNERSHIP.code,
                from_id=owner, to_id=entity["id"], from_external_id=team[owner], to_external_id=client))
    return rows


# -- reading the practice ---------------------------------------------------------------------
def _everything(repository: ExportRepository, on_progress: Progress) -> Iterator[tuple[list[dict[str, Any]], list[OutgoingRelationship]]]:
    """Pages of entities, each with the relationships that start at them."""
    entities, _ = repository.practice_size()
    after, done = None, 0
    while page := repository.entities_page(after=after, limit=PAGE_SIZE):
        yield page, repository.outgoing_relationships(e["id"] for e in page)
        after, done = page[-1]["id"], done + len(page)
        on_progress("exporting", done, entities)


def _network(repository: ExportRepository, client: str, depth: int,
             on_progress: Progress) -> Iterator[tuple[list[dict[str, Any]], list[OutgoingRelationship]]]:
    """One client's network: everything within ``depth`` active relationships of it, the team
    members its entities name (owners, and whom they report to), and every relationship
    (ended ones too) between them."""
    if not 1 <= depth <= MAX_NETWORK_DEPTH:
        raise InvalidInput(f"depth must be between 1 and {MAX_NETWORK_DEPTH}")
    centre = repository.entity_by_id_or_external_id(EntityKind.client, client)
    if centre is None:
        raise NotFound(f"no client has the id or external id '{client}'")
    today = today_iso()
    entities = {centre["id"]: centre}
    frontier = [centre["id"]]
    for _ in range(depth):
        found = {row.neighbour["id"]: row.neighbour
                 for row in repository.neighbourhood(frontier, today=today, limit=_NO_LIMIT)}
        frontier = [i for i in found if i not in entities]
        entities.update(found)
    named = {e.get(key) for e in entities.values() for key in ("owner_id", "reports_to_id")} - set(entities) - {None}
    while named:  # so that the export imports on its own: owners and their managers come along
        found = repository.get_entities(named)
        entities.update(found)
        named = {e.get("reports_to_id") for e in found.values()} - set(entities) - {None}
    ids = sorted(entities)
    for start in range(0, len(ids), PAGE_SIZE):
        page = [entities[i] for i in ids[start:start + PAGE_SIZE]]
        yield page, [r for r in repository.outgoing_relationships(e["id"] for e in page) if r.to_id in entities]
        on_progress("exporting", min(len(ids), start + PAGE_SIZE), len(ids))


def _team_external_ids(repository: ExportRepository) -> dict[str, str]:
    """Every team member's external id (or id), by id: entity rows name owners by it."""
    found, after = {}, None
    while page := repository.list_entities(EntityKind.team_member, {}, after=after, limit=PAGE_SIZE):
        found.update({e["id"]: e.get("external_id") or e["id"] for e in page})
        after = page[-1]["id"]
    return found


# -- export -----------------------------------------------------------------------------------
def export_practice(
    repository: ExportRepository, target: Path, *, file_format: ExportFormat = "csv", client: str | None = None,
    depth: int = DEFAULT_EXPORT_DEPTH, on_progress: Progress | None = None,
) -> ExportReport:
    """Export everything, or one client's network (``client``: its id or external id), as
    import files in the directory ``target`` (csv, jsonl) or as one GraphML file ``target``."""
    progress = on_progress or (lambda phase, done, total: None)
    if file_format not in (*FILE_FORMATS, "graphml"):
        raise InvalidInput(f"unknown export format '{file_format}'; use csv, jsonl or graphml")
    # A network export reads a handful of queries from the live store: no copy of it all.
    with repository.snapshot() if client is None else nullcontext(repository) as source:
        team = _team_external_ids(source)
        pages = _everything(source, progress) if client is None else _network(source, client, depth, progress)
        # Each client's ownership is a relationship too (its owner_id, read as OWNER_OF).
        pages = ((entities, relationships + ownership_rows(entities, team)) for entities, relationships in pages)
        report = ExportReport(target, file_format, point_in_time=client is None and repository.snapshots_are_point_in_time)
        if file_format == "graphml":
            weights = {t.code: t.weight for t in (*stored_relationship_types(source), OWNERSHIP)}
            report.counts = _write_graphml(pages, target, team, weights)
            return report
        with ImportFiles(target, file_format) as files:
            for entities, relationships in pages:
                for entity in entities:
                    files.write(*entity_row(entity, lambda ref: team.get(ref, ref)))
                for found in relationships:
                    files.write(*relationship_row(found))
        report.counts = files.counts
        return report


# -- GraphML ----------------------------------------------------------------------------------
# (name, GraphML type) of the attributes written, for entities and for relationships.
_NODE_KEYS = (("external_id", "string"), ("entity_kind", "string"), ("name", "string"), ("kind", "string"),
              ("role", "string"), ("stage", "string"), ("segment", "string"), ("source", "string"),
              ("influencer_segment", "string"), ("owner_id", "string"), ("reports_to_id", "string"),
              ("annual_revenue", "double"), ("assets_under_management", "double"))
_EDGE_KEYS = (("external_id", "string"), ("type", "string"), ("category", "string"), ("role", "string"),
              ("since", "string"), ("until", "string"), ("strength", "double"), ("share", "double"),
              ("weight", "double"), ("active", "boolean"))


def _write_graphml(pages: Iterable[tuple[list[dict[str, Any]], list[OutgoingRelationship]]], path: Path,
                   team: Mapping[str, str], weights: Mapping[str, float]) -> Counter[str]:
    """Nodes first, then edges (spooled to a temporary file), as GraphML readers prefer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    counts: Counter[str] = Counter()
    today = today_iso()
    with path.open("w", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as edges:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                  '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                  'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                  'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for scope, keys in (("node", _NODE_KEYS), ("edge", _EDGE_KEYS)):
            for name, kind in keys:
                out.write(f'  <key id="{scope[0]}_{name}" for="{scope}" attr.name="{name}" attr.type="{kind}"/>\n')
        out.write('  <graph id="rapport" edgedefault="directed">\n')
        for entities, relationships in pages:
            for entity in entities:
                out.write(f"    <node id={quoteattr(entity['id'])}>")
                values = {**entity, "external_id": entity.get("external_id") or entity["id"]}
                out.write(_data("n", _NODE_KEYS, values))
                out.write("</node>\n")
                counts["entities"] += 1
            for found in relationships:
                relationship = found.relationship
                values = {**relationship, "external_id": relationship.get("external_id") or relationship["id"],
                          "type": found.type, "weight": weights.get(found.type),
                          "active": is_active(relationship, today)}
                edges.write(f"    <edge id={quoteattr(relationship['id'])} source={quoteattr(found.from_id)} "
                            f"target={quoteattr(found.to_id)}>{_data('e', _EDGE_KEYS, values)}</edge>\n")
                counts["relationships"] += 1
        edges.seek(0)
        shutil.copyfileobj(edges, out)
        out.write("  </graph>\n</graphml>\n")
    return counts


def _data(prefix: str, keys: tuple[tuple[str, str], ...], values: Mapping[str, Any]) -> str:
    parts = []
    for name, kind in keys:
        value = values.get(name)
        if value is None:
            continue
        text = ("true" if value else "false") if kind == "boolean" else str(value)
        parts.append(f'<data key="{prefix}_{name}">{escape(text)}</data>')
    return "".join(parts)
