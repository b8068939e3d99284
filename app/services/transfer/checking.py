"""The first pass of an import: every row checked against the other rows and the store;
nothing is written. What it learns (ids, matches, refusals) is kept for the write."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from itertools import groupby
from typing import Any

from app.domain.catalogue import OWNERSHIP, RelationshipTypeSpec
from app.domain.model import EntityKind, relationship_type_of
from app.domain.transfer import RecordFormat, RecordKind
from app.repositories.transfer import StoredRelationship
from app.services.bulk import new_ulids
from app.services.entities import closes_hierarchy_loop
from app.services.relationship_rules import RELATIONSHIP_FIELDS, not_ended
from app.services.transfer.converting import RowConverter
from app.services.transfer.readers import ImportSource, SourceRow
from app.services.transfer.report import ImportProblem, ImportReport
from app.services.transfer.state import EntityState, ImportState, Known, RowPosition, chunks, noun

# An entity's id is a ULID: an external id shaped like one may be an entity exported with
# no external id of its own (its id stood in), and is looked up by id too.
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


class ImportChecker:
    """Checks an import's rows, recording in its state what it learns."""

    def __init__(self, state: ImportState) -> None:
        self.state = state
        self.convert = RowConverter(state)

    def check(self, source: ImportSource) -> ImportReport:
        state = self.state
        report = ImportReport()
        for problem in source.problems():
            state.broken_files.setdefault(problem.file, []).append(problem)
        state.types_in_store = [code for code in state.types if state.repo.count_relationships_of_type(code)]
        total, done = source.total(), 0
        for record, rows in groupby(source.rows(), key=lambda row: row.record):
            fmt = record.format
            for chunk in chunks(rows, state.batch_size):
                if fmt.entity_kind is not None:
                    self._check_entities(fmt, chunk)
                else:
                    self._check_relationships(fmt, chunk)
                done += len(chunk)
                state.on_progress("checking", done, total)
            if fmt.entity_kind is not None:
                self._check_references(record)
        self._check_store_clashes()
        report.rows = done
        report.problems = [p for problems in state.broken_files.values() for p in problems]
        report.problems += [p for position in sorted(state.problems) for p in state.problems[position]]
        return report

    def _check_entities(self, fmt: RecordFormat, chunk: list[SourceRow]) -> None:
        state = self.state
        checked = []
        for row in chunk:
            position = state.position(row)
            if row.file in state.broken_files:  # refused whole; rows naming its rows say so
                state.problems.setdefault(position, [])
                ext = row.values.get("external_id")
                if isinstance(ext, str) and ext.strip() and ext.strip() not in state.entities:
                    state.entities[ext.strip()] = Known(None, fmt.entity_kind, position, EntityState.rejected)
                continue
            problems: list[ImportProblem] = []
            ext, fields, references = self.convert.convert_entity(fmt, position, row.values, problems)
            if ext is not None:
                known = state.entities.get(ext)
                if known is not None and known.position is not None:
                    problems.append(state.problem(position, "external_id",
                                                  f"'{ext}' is used already, on {state.where(known.position)}"))
                    ext = None
                elif known is None:
                    state.entities[ext] = Known(None, fmt.entity_kind, position, EntityState.pending)
            checked.append((position, ext, fields, references, problems))
        self._learn_stored([ext for _, ext, *_ in checked
                            if ext is not None and state.entities[ext].state is EntityState.pending])
        ids = iter(new_ulids(len(checked)))
        for position, ext, fields, references, problems in checked:
            known = state.entities.get(ext) if ext is not None else None
            if known is not None:
                if known.state.in_store and known.kind is not fmt.entity_kind:
                    problems.append(state.problem(position, "external_id", f"'{ext}' is a {noun(known.kind)} in the store, "
                                                                           f"not a {noun(fmt.entity_kind)}"))
                if problems:
                    known.id, known.position, known.state = None, position, EntityState.rejected
                else:
                    known.kind, known.position = fmt.entity_kind, position
                    if known.state is EntityState.pending:
                        known.id, known.state = next(ids), EntityState.new
                    else:
                        known.state = EntityState.stored
                    state.pending_references += [(position, ext, column, ref) for column, ref in references]
                    state.keep(position, (ext, fields, references))
                    if fmt.entity_kind is EntityKind.client:
                        state.file_owners[ext] = dict(references).get("owner")
            if problems:
                state.reject(position, problems)

    def _check_references(self, record: RecordKind) -> None:
        """Check the references of an entity record's rows once all its rows are read (a team
        member may report to one further down the file)."""
        state = self.state
        references, state.pending_references = state.pending_references, []
        if not references:
            return
        fmt = record.format
        self._learn_stored({ref for *_, ref in references if ref not in state.entities})
        refused = True
        while refused:  # a refused row takes the rows naming it with it
            refused = False
            for position, ext, column, ref in references:
                message = None if position in state.problems else state.reference_problem(ref, fmt.references[column])
                if message:
                    self._refuse_entity(position, ext, column, message)
                    refused = True
            if record is RecordKind.team_members:
                refused |= self._check_hierarchy(references)

    def _check_hierarchy(self, references: list[tuple[RowPosition, str, str, str]]) -> bool:
        """Refuse team members whose reports-to would close a loop, through the files and the
        store (the files' reports-to replaces the stored one)."""
        state = self.state
        members = {k.id for k in state.entities.values()
                   if k.kind is EntityKind.team_member and k.state in (EntityState.new, EntityState.stored)}
        reports = [(position, ext, state.entities[ext].id, state.entities[ref].id)
                   for position, ext, column, ref in references
                   if column == "reports_to" and position not in state.problems]
        reports_to = {member: manager for _, _, member, manager in reports}

        def manager_of(member_id: str) -> str | None:
            if member_id in members:
                return reports_to.get(member_id)
            stored = state.repo.get_entity(EntityKind.team_member, member_id)
            return stored.get("reports_to_id") if stored else None

        looped = [(position, ext) for position, ext, member, manager in reports
                  if closes_hierarchy_loop(member, manager, manager_of)]
        for position, ext in looped:
            self._refuse_entity(position, ext, "reports_to", "would make the team hierarchy a loop")
        return bool(looped)

    def _refuse_entity(self, position: RowPosition, ext: str, column: str, message: str) -> None:
        state = self.state
        known = state.entities[ext]
        known.id, known.state = None, EntityState.rejected
        state.converted.pop(position, None)
        state.reject(position, [state.problem(position, column, message)])

    def _check_relationships(self, fmt: RecordFormat, chunk: list[SourceRow]) -> None:
        state = self.state
        read = []
        for row in chunk:
            position = state.position(row)
            if row.file in state.broken_files:
                state.problems.setdefault(position, [])
                continue
            problems: list[ImportProblem] = []
            read.append((position, row, *self.convert.read_relationship(fmt, position, row.values, problems), problems))
        self._learn_stored({ref for *_, ends, _ in read for ref in ends if ref is not None and ref not in state.entities})
        stored = self._stored_relationships([(ext, spec.code if spec else None) for _, _, ext, spec, _, _ in read
                                             if ext is not None and ext not in state.relationship_positions])
        for position, row, ext, spec, ends, problems in read:
            if ext is not None:
                first = state.relationship_positions.setdefault(ext, position)
                if first != position:
                    problems.append(state.problem(position, "external_id",
                                                  f"'{ext}' is used already, on {state.where(first)}"))
            source, target, fields = self.convert.resolve_relationship(fmt, position, row.values, spec, ends, problems)
            match = stored.get(ext) if ext is not None and not problems else None
            if match is not None:
                ends_now, ends_stored = (source.id, target.id), (match["from_id"], match["to_id"])
                if match["type"] != spec.code or not (
                        ends_now == ends_stored or (spec.symmetric and ends_now == ends_stored[::-1])):
                    problems.append(state.problem(position, "external_id", (
                        f"'{ext}' is a {match['type']} relationship in the store between other ends; a relationship's "
                        "type and ends cannot change (end it, and import the new one with its own external id)")))
            if problems:
                state.reject(position, problems)
                continue
            if spec is OWNERSHIP:
                self._check_ownership(position, ext, source, target, ends, fields)
                continue
            if match is not None:
                state.existing_relationships[ext] = match["relationship"]["id"]
            if not_ended(fields, state.today) and not self._check_active(position, spec, source, target, ends, fmt.ends):
                continue
            state.keep(position, (ext, spec, source.id, target.id, fields))

    def _check_ownership(self, position: RowPosition, ext: str, owner: Known, client: Known, ends: list[str],
                         fields: dict[str, Any]) -> None:
        """An OWNER_OF row is the client's owner_id, written with the client (or, for a client
        only in the store, as a change of its owner_id): it carries nothing else, and may not
        disagree with the owner the client's own row names, nor with another OWNER_OF row."""
        state = self.state
        problem = None
        carried = [name for name in RELATIONSHIP_FIELDS if fields.get(name) is not None]
        named = state.file_owners.get(ends[1])
        earlier = state.ownerships.get(client.id)
        if carried:
            problem = state.problem(position, carried[0], (
                f"an {OWNERSHIP.code} row is the client's owner_id: it takes no {', '.join(RELATIONSHIP_FIELDS)}"))
        elif named is not None and state.entities[named].id != owner.id:
            problem = state.problem(position, "from", (
                f"'{ends[1]}' has the owner '{named}' on {state.where(client.position)}; a client has one owner "
                f"(its owner_id), and this {OWNERSHIP.code} row names '{ends[0]}'"))
        elif earlier is not None:
            problem = state.problem(position, "to", f"'{ends[1]}' has its {OWNERSHIP.code} row on "
                                                    f"{state.where(earlier[1])} already; a client has one owner")
        if problem is not None:
            state.reject(position, [problem])
            return
        state.ownerships[client.id] = (owner.id, position, client.position is not None)
        state.keep(position, (ext, OWNERSHIP, owner.id, client.id, fields))

    def _check_active(self, position: RowPosition, spec: RelationshipTypeSpec, source: Known, target: Known,
                      ends: list[str], columns: tuple[str, str]) -> bool:
        """The rules of ``ActiveRelationships`` within the files; the store is asked at the end."""
        state = self.state
        in_store = source.state.in_store or target.state.in_store
        earlier = state.active.add(position, spec, source.id, target.id, in_store=in_store)
        if earlier is not None:
            state.reject(position, [state.problem(
                position, None, f"repeats the active {spec.code} relationship on {state.where(earlier)}")])
            return False
        claimant = state.active.claim_role(position, spec, target.id, in_store=target.state.in_store)
        if claimant is not None:
            state.reject(position, [state.problem(position, columns[1], (
                f"'{ends[1]}' would have a second active {spec.role.value.replace('_', ' ')}; "
                f"{state.where(claimant)} names one already"))])
            return False
        if in_store:
            state.active_ends[position] = (ends[0], ends[1], columns[1])
        return True

    def _check_store_clashes(self) -> None:
        state = self.state
        # The relationships this import rewrites are left out: their rows speak for them.
        clashes = state.active.store_clashes(state.repo, today=state.today,
                                             ignoring=set(state.existing_relationships.values()))
        for clash in clashes:
            if clash.item in state.problems:
                continue
            source, target, target_column = state.active_ends[clash.item]
            if clash.role:
                problem = state.problem(clash.item, target_column,
                                        f"'{target}' has an active {clash.role.replace('_', ' ')} in the store already")
            else:
                problem = state.problem(clash.item, None, f"an active {clash.type_code} relationship joins '{source}' "
                                                          f"and '{target}' in the store already")
            state.converted.pop(clash.item, None)
            state.reject(clash.item, [problem])

    # -- store lookups ----------------------------------------------------------------------
    def _learn_stored(self, external_ids: Iterable[str]) -> None:
        """Look external ids up in the store: matches become known (kind and id)."""
        state = self.state
        wanted = list(external_ids)
        if state.trusted or not wanted:
            return
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(wanted, state.batch_size):
            found.update({e["external_id"]: e for e in state.repo.entities_by_external_id(chunk)})
            # An export writes the id of an entity that has no external id in its place.
            by_id = [ext for ext in chunk if ext not in found and _ULID.match(ext)]
            if by_id:
                found.update({e["id"]: e for e in state.repo.get_entities(by_id).values() if not e.get("external_id")})
        for ext, entity in found.items():
            kind = EntityKind(entity["entity_kind"])
            known = state.entities.get(ext)
            if known is not None and known.state is EntityState.pending:
                known.id, known.kind, known.state = entity["id"], kind, EntityState.stored
            elif known is None:
                state.entities[ext] = Known(entity["id"], kind, None, EntityState.store_only)

    def _stored_relationships(self, wanted: list[tuple[str, str | None]]) -> dict[str, dict[str, Any]]:
        """Stored relationships by external id (or by id, for exported ones that had none),
        looked for under the row's own type first, then under the other types in use."""
        state = self.state
        if state.trusted or not wanted or not state.types_in_store:
            return {}
        found: dict[str, dict[str, Any]] = {}

        def look(code: str, external_ids: list[str]) -> None:
            for chunk in chunks(external_ids, state.batch_size):
                for row in state.repo.relationships_by_external_id(code, chunk):
                    found[row.relationship["external_id"]] = _found(row, code)

        by_own_type: dict[str, list[str]] = defaultdict(list)
        for ext, code in wanted:
            if code in state.types_in_store:
                by_own_type[code].append(ext)
        for code, external_ids in by_own_type.items():
            look(code, external_ids)
        for code in state.types_in_store:  # a row whose type differs from the stored one
            look(code, [ext for ext, own in wanted if own != code and ext not in found])
        by_id: dict[str, list[str]] = defaultdict(list)  # exported with their id standing in
        for ext, _ in wanted:
            code = relationship_type_of(ext)
            if ext not in found and code in state.types_in_store:
                by_id[code].append(ext)
        for code, ids in by_id.items():
            for row in state.repo.relationships_by_id(code, ids):
                if not row.relationship.get("external_id"):
                    found[row.relationship["id"]] = _found(row, code)
        return found



def _found(row: StoredRelationship, type_code: str) -> dict[str, Any]:
    """A stored relationship an import row names, as the checker keeps it: with its type."""
    return {"relationship": row.relationship, "from_id": row.from_id, "to_id": row.to_id, "type": type_code}
