"""Rows into what the store takes, by the API's own rules (the create bodies, the category
lists, the relationship-type catalogue): both passes of an import convert rows (the write
again only those the check could not keep)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from app.domain.catalogue import OWNERSHIP, CategoryList, RelationshipTypeSpec
from app.domain.errors import InvalidInput, RapportError
from app.domain.fields import error_in_words
from app.domain.transfer import MAX_EXTERNAL_ID_LENGTH, RecordFormat, RecordKind, membership_role_adapter
from app.services.entities import check_categories
from app.services.relationship_rules import RELATIONSHIP_FIELDS, check_kinds, check_share
from app.services.transfer.report import ImportProblem
from app.services.transfer.state import ImportState, Known, RowPosition

_CATEGORY_FIELDS = frozenset(name.client_field for name in CategoryList)
_RELATIONSHIPS = RecordKind.relationships  # read for every row: a module name is quicker than a member


class RowConverter:
    """Converts one import's rows, naming problems by the rows' positions."""

    def __init__(self, state: ImportState) -> None:
        self.state = state

    def convert_entity(self, fmt: RecordFormat, position: RowPosition, values: Mapping[str, Any],
                       problems: list[ImportProblem]) -> tuple[str | None, dict[str, Any] | None, list[tuple[str, str]]]:
        """External id, fields (validated by the API's create body and category lists) and
        the external ids the reference columns name."""
        state = self.state
        ext = self._external_id(position, values, problems)
        if "#json" in values:  # a line that is no JSON object has nothing more to check
            return None, None, []
        self._unknown_columns(fmt, position, values, problems)
        data = {fmt.field_of(c): values[c] for c in fmt.columns[1:] if c not in fmt.references and values.get(c) is not None}
        references = [(column, ref) for column in fmt.references if values.get(column) is not None
                      and (ref := self._reference(position, values, column, problems)) is not None]
        try:
            # Lax: a CSV cell is text, whatever its column holds (the API's bodies are strict).
            fields = fmt.model.model_validate(data, strict=False).model_dump(mode="json", exclude_none=True)
        except ValidationError as error:
            problems += [state.problem(position, fmt.column_of(str(e["loc"][0])) if e["loc"] else None, error_in_words(e))
                         for e in error.errors()]
            return ext, None, references
        if fields.keys() & _CATEGORY_FIELDS:
            try:
                check_categories(fields, state.category_codes)
            except InvalidInput as error:
                problems.append(state.problem(position, error.extra.get("field"), error.detail))
                return ext, None, references
        return ext, fields, references

    def read_relationship(self, fmt: RecordFormat, position: RowPosition, values: Mapping[str, Any],
                          problems: list[ImportProblem]) -> tuple[str | None, RelationshipTypeSpec | None, list[str | None]]:
        """External id, type and the external ids of the two ends."""
        ext = self._external_id(position, values, problems)
        if "#json" in values:
            return None, None, [None, None]
        spec = self._relationship_type(fmt, position, values, problems)
        return ext, spec, [self._reference(position, values, column, problems) for column in fmt.ends]

    def resolve_relationship(self, fmt: RecordFormat, position: RowPosition, values: Mapping[str, Any],
                             spec: RelationshipTypeSpec | None, ends: list[str | None],
                             problems: list[ImportProblem]) -> tuple[Known, Known, dict[str, Any]]:
        """The two ends (known entities of the kinds the type joins) and the fields."""
        state = self.state
        source = self._end(fmt, position, fmt.ends[0], ends[0], problems)
        target = self._end(fmt, position, fmt.ends[1], ends[1], problems)
        self._unknown_columns(fmt, position, values, problems)
        data = {"type": spec.code if spec else "UNKNOWN", "from_id": source.id if source else "?from",
                "to_id": target.id if target else "?to"}
        for name in RELATIONSHIP_FIELDS:
            value = values.get(name)
            if value is not None:
                data[name] = value
        fields: dict[str, Any] = {}
        try:
            fields = fmt.model.model_validate(data, strict=False).__dict__  # the validated fields (and type and ends)
        except ValidationError as error:
            for e in error.errors():
                column = fmt.column_of(str(e["loc"][0])) if e["loc"] else None
                message = error_in_words(e).replace("from_id", fmt.ends[0]).replace("to_id", fmt.ends[1])
                problems.append(state.problem(position, column if column in fmt.columns else None, message))
        if spec is not None and source is not None and target is not None and not problems:
            kinds = (spec.code, source.kind, target.kind)
            if kinds not in state.allowed_kinds:
                try:
                    check_kinds(spec, source.kind, target.kind)
                    state.allowed_kinds.add(kinds)
                except InvalidInput as error:
                    problems.append(state.problem(position, "type" if fmt.kind is _RELATIONSHIPS else "role", error.detail))
            try:
                check_share(spec, fields.get("share"))
            except InvalidInput as error:
                problems.append(state.problem(position, "share", error.detail))
        return source, target, fields

    def _external_id(self, position: RowPosition, values: Mapping[str, Any], problems: list[ImportProblem]) -> str | None:
        state = self.state
        for key in ("#json", "#extra"):  # a line that is no row (see the readers)
            if key in values:
                message = (values[key] if key == "#json"
                           else f"more cells than the header has columns ({len(values[key])} extra)")
                problems.append(state.problem(position, None, message))
                return None
        return self._reference(position, values, "external_id", problems)

    def _reference(self, position: RowPosition, values: Mapping[str, Any], column: str,
                   problems: list[ImportProblem]) -> str | None:
        """An external id in ``column``: text (or a whole number, in JSON), trimmed."""
        state = self.state
        value = values.get(column)
        if value.__class__ is str:  # the common case, first
            value = value.strip()
            if 0 < len(value) <= MAX_EXTERNAL_ID_LENGTH:
                return value
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = value.strip()
            if value and len(value) <= MAX_EXTERNAL_ID_LENGTH:
                return value
        problems.append(state.problem(position, column, (
            "is required" if not value else "must be text" if not isinstance(value, str)
            else f"is longer than {MAX_EXTERNAL_ID_LENGTH} characters")))
        return None

    def _unknown_columns(self, fmt: RecordFormat, position: RowPosition, values: Mapping[str, Any],
                         problems: list[ImportProblem]) -> None:
        state = self.state
        if len(values) <= len(fmt.columns) and fmt.column_set.issuperset(values):
            return
        unknown = values.keys() - fmt.column_set
        problems += [state.problem(position, k, f"unknown column; {fmt.kind.value} columns are: {', '.join(fmt.columns)}")
                     for k in sorted(unknown) if not k.startswith("#")]

    def _relationship_type(self, fmt: RecordFormat, position: RowPosition, values: Mapping[str, Any],
                           problems: list[ImportProblem]) -> RelationshipTypeSpec | None:
        state = self.state
        code = values.get("type")
        if code is not None and not isinstance(code, str):
            problems.append(state.problem(position, "type", "must be text"))
            return None
        if fmt.kind is _RELATIONSHIPS:
            if code is None:
                problems.append(state.problem(position, "type", "is required"))
                return None
            if code.strip() == OWNERSHIP.code:  # a client's owner_id (see ImportChecker._check_ownership)
                return OWNERSHIP
            spec = state.types.get(code.strip())
            if spec is None:
                try:
                    state.catalogue.known_relationship_type(code.strip(), state.types)
                except InvalidInput as error:
                    problems.append(state.problem(position, "type", error.detail))
            return spec
        if values.get("role") is None:
            problems.append(state.problem(position, "role", "is required"))
            return None
        try:
            role = membership_role_adapter.validate_python(values["role"])
        except ValidationError as error:
            problems.append(state.problem(position, "role", error_in_words(error.errors()[0])))
            return None
        candidates = state.membership_types.get(role.value, [])
        if code is not None:
            spec = state.types.get(code.strip())
            if spec is None or spec not in candidates:
                names = ", ".join(s.code for s in candidates) or "none"
                problems.append(state.problem(position, "type",
                                                   f"'{code}' is not a membership type with role {role.value} ({names})"))
                return None
            return spec
        if len(candidates) != 1:
            problems.append(state.problem(position, "role", (
                f"no membership type gives the role {role.value}" if not candidates else
                f"several membership types give the role {role.value} ({', '.join(s.code for s in candidates)}); "
                "name one in the type column")))
            return None
        return candidates[0]

    def _end(self, fmt: RecordFormat, position: RowPosition, column: str, ref: str | None,
             problems: list[ImportProblem]) -> Known | None:
        """The entity a relationship row names in ``column``."""
        state = self.state
        if ref is None:
            return None
        known = state.entities.get(ref)
        wanted = fmt.references.get(column)
        if known is not None and known.state.usable and (wanted is None or known.kind is wanted):
            return known
        if state.trusted:
            raise RapportError(f"generated row {state.where(position)} names '{ref}' before it was made")
        message = state.reference_problem(ref, wanted)
        if message:
            problems.append(state.problem(position, column, message))
            return None
        return state.entities[ref]
