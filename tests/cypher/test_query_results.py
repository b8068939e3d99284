"""Each query's rows have a declared type (``app.repositories.base.QUERY_RESULTS``): a frozen
dataclass whose fields are the query's final RETURN columns. A column renamed in a query file,
or a field renamed in its type, fails here instead of at run time."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import app.repositories.groups  # noqa: F401  (with practice: every module, so every type is registered)
import app.repositories.practice  # noqa: F401
from app.repositories import suggestion_runs
from app.repositories.base import QUERY_RESULTS
from app.repositories.cypher import CYPHER_DIR, Dialect, query_library

_COMMENT = re.compile(r"//[^\n]*")
_AFTER_RETURN = re.compile(r"\b(ORDER\s+BY|SKIP|LIMIT|UNION)\b", re.I)
_ALIASED = re.compile(r"\s+AS\s+`?(\w+)`?$", re.I | re.S)


def _top_level(text: str) -> list[tuple[int, str]]:
    """Each character of ``text`` outside brackets and strings, after its position."""
    depth, quote, kept = 0, None, []
    for position, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            kept.append((position, char))
    return kept


def return_columns(query: str) -> list[str]:
    """The column names of a query's final RETURN (outside any subquery)."""
    text = _COMMENT.sub("", query)
    kept = dict(_top_level(text))
    outside = "".join(kept.get(position, " ") for position in range(len(text)))
    starts = [m.end() for m in re.finditer(r"\bRETURN\b", outside, re.I)]
    assert starts, "no RETURN outside a subquery"
    clause, flat = text[starts[-1]:], outside[starts[-1]:]
    end = _AFTER_RETURN.search(flat)
    clause, flat = (clause[:end.start()], flat[:end.start()]) if end else (clause, flat)
    clause = re.sub(r"^\s*DISTINCT\b", "", clause, flags=re.I)
    flat = re.sub(r"^\s*DISTINCT\b", "", flat, flags=re.I)
    cuts = [i for i, char in enumerate(flat) if char == ","]
    items = [clause[a:b].strip() for a, b in zip([0, *(c + 1 for c in cuts)], [*cuts, len(clause)], strict=True)]
    columns = []
    for item in items:
        aliased = _ALIASED.search(item)
        if aliased:
            columns.append(aliased[1])
        elif re.fullmatch(r"\w+", item):
            columns.append(item)
        else:
            raise AssertionError(f"RETURN item {item!r} has no name (give it one with AS)")
    return columns


def _files(name: str) -> list[Path]:
    """The query's file and its dialect overrides."""
    return sorted(CYPHER_DIR.glob(f"{name}.cypher")) + sorted(CYPHER_DIR.glob(f"{name}.*.cypher"))


def _fields(result: type) -> list[str]:
    assert dataclasses.is_dataclass(result) and result.__dataclass_params__.frozen, f"{result.__name__}: not frozen"
    return sorted(field.name for field in dataclasses.fields(result))


@pytest.mark.parametrize("name", sorted(QUERY_RESULTS))
def test_return_columns_are_the_result_fields(name: str) -> None:
    result = QUERY_RESULTS[name]
    fields = _fields(result)
    files = _files(name)
    assert files, f"no cypher/{name}.cypher for {result.__name__}"
    for path in files:
        assert sorted(return_columns(path.read_text(encoding="utf-8"))) == fields, (
            f"{path.name} returns other columns than {result.__name__} declares")


#: The queries of suggestion runs: those whose types the suggestion-run repository declares.
RUN_QUERIES = sorted(name for name, result in QUERY_RESULTS.items() if result.__module__ == suggestion_runs.__name__)


@pytest.mark.parametrize("name", RUN_QUERIES)
def test_run_queries_return_the_result_fields_for_every_kind(name: str) -> None:
    """A suggestion-run query's placeholders are filled per kind of run: each kind's text, as
    the repository renders it in each dialect (restricted too, where it can be), returns
    the type's fields."""
    result = QUERY_RESULTS[name]
    for dialect in Dialect:
        library = query_library(dialect)
        for restricted in (False, True) if name in library.restrictable() else (False,):
            for kind in suggestion_runs.RUN_KINDS:
                text = library(name, restricted=restricted, **kind.identifiers())
                assert sorted(return_columns(text)) == _fields(result), (
                    f"{name} ({kind.run_label}, {dialect}, restricted={restricted}) returns other columns than "
                    f"{result.__name__} declares")


def test_every_query_of_a_run_kind_is_checked_for_every_kind() -> None:
    """The queries that name a kind's run, suggestion or application label are those above."""
    labels = re.compile(r"\{\{(run|suggestion|application)_label\}\}")
    of_runs = {path.name.split(".")[0] for path in CYPHER_DIR.glob("*.cypher") if labels.search(path.read_text())}
    assert of_runs and of_runs == set(RUN_QUERIES)


def test_every_query_has_a_result_type() -> None:
    names = {path.name.split(".")[0] for path in CYPHER_DIR.glob("*.cypher")}
    returning = {name for name in names if any(re.search(r"\bRETURN\b", _COMMENT.sub("", p.read_text()), re.I)
                                               for p in _files(name))}
    assert returning <= set(QUERY_RESULTS), f"queries with no result type: {sorted(returning - set(QUERY_RESULTS))}"
    assert set(QUERY_RESULTS) <= returning, f"types of queries that return no rows: {sorted(set(QUERY_RESULTS) - returning)}"


def test_return_columns() -> None:
    assert return_columns("MATCH (n) CALL { WITH n RETURN n.x AS y } RETURN n {.*} AS entity, y, count(*) AS c "
                          "ORDER BY y LIMIT 3") == ["entity", "y", "c"]
    assert return_columns("RETURN DISTINCT a.b AS `b`, [x IN [1, 2] | {k: x}] AS ks") == ["b", "ks"]
    with pytest.raises(AssertionError, match="has no name"):
        return_columns("MATCH (n) RETURN n.id")
