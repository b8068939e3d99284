"""Load the query files in ``cypher/`` and fill their identifier placeholders safely.

Each query lives in ``cypher/<name>.cypher``, in the Cypher both stores run. Where the
stores really differ, ``<name>.<dialect>.cypher`` overrides it for one dialect. Values are
always ``$parameters``; the only text substituted is an identifier placeholder
``{{name}}`` (a label, relationship type or property name), checked against a strict
pattern and always backticked in the file. A block between ``// each <name>`` and
``// end each`` is repeated once per identifier in a list (one FOREACH per relationship
type in a batch, for instance).

A line ``// visible: x, y`` keeps only rows whose entities ``x`` and ``y`` the caller may see
(the visibility rule, defined once here): rendered with ``restricted=True`` it becomes a
``WITH *`` and a ``WHERE`` over the ``$owners`` parameter; otherwise it stays a comment, so
a caller who sees everything pays nothing for it. ``x <- row.entity_id`` first looks the
entity up by id (a missing one is never visible to a restricted caller); its property may
be a placeholder (``x <- row.`{{subject_id}}```), filled as any other. ``x:Client`` says
that ``x`` can only be a client, which needs its owner alone (no look at its relationships).

A line ``// lock: <list of nodes>`` is where a write query takes the write locks its rule
needs before it checks anything (the concurrency rule, defined once here, in
``lock_nodes``). Neo4j runs transactions side by side at read-committed isolation, so two
writes could both check "no such relationship yet" and both create one; there the line
becomes a write to each node, which holds the node's exclusive lock until commit, so
competing writes pass the check one after the other. FalkorDB runs a graph's write
queries one at a time, so a query that checks and writes is already alone: there the line
stays a comment and costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path

CYPHER_DIR = Path(__file__).resolve().parents[2] / "cypher"

_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_EACH_BLOCK = re.compile(r"^[ \t]*// each ([a-z_]+)\n(.*?)^[ \t]*// end each\n", re.M | re.S)
_SAFE_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_VARIABLE = r"[a-z][a-z0-9_]*"
#: A property looked up in a ``// visible:`` line: a name, or a backticked placeholder.
_PROPERTY = rf"(?:{_VARIABLE}|`\{{\{{[a-z_]+\}}\}}`)"
_VISIBLE_ITEM = re.compile(rf"({_VARIABLE})(?: <- ({_VARIABLE}\.{_PROPERTY}))?(:Client)?")
_LOCK_LINE = re.compile(r"^([ \t]*)// lock: (\S.*?)[ \t]*$", re.M)
_VISIBLE_LINE = re.compile(rf"^([ \t]*)// visible: ({_VISIBLE_ITEM.pattern}(?:, {_VISIBLE_ITEM.pattern})*)[ \t]*$", re.M)


class Dialect(StrEnum):
    neo4j = "neo4j"
    falkordb = "falkordb"


class QueryTemplateError(ValueError):
    """A query was asked for with a missing or unsafe identifier (a programming error)."""


def _safe(identifier: str) -> str:
    if not isinstance(identifier, str) or not _SAFE_IDENTIFIER.fullmatch(identifier):
        raise QueryTemplateError(f"unsafe identifier {identifier!r}")
    return identifier


class QueryLibrary:
    """The query files of one dialect, by name."""

    def __init__(self, dialect: Dialect, directory: Path = CYPHER_DIR) -> None:
        self.dialect = Dialect(dialect)
        self._texts: dict[str, str] = {}
        for path in sorted(directory.glob("*.cypher")):
            stem = path.name.removesuffix(".cypher")
            name, _, variant = stem.partition(".")
            if variant and variant != self.dialect:
                continue
            if variant or name not in self._texts:
                self._texts[name] = path.read_text(encoding="utf-8")
        # The locks rendered once, here: query texts are asked for on every request.
        self._ready = {name: lock_nodes(text, self.dialect) for name, text in self._texts.items()}

    def names(self) -> list[str]:
        return sorted(self._texts)

    def __call__(self, name: str, *, restricted: bool = False, **identifiers: str | Iterable[str]) -> str:
        """The text of query ``name`` with its placeholders filled from ``identifiers``;
        ``restricted``: with its ``// visible:`` lines turned into the visibility filter."""
        try:
            template = self._ready[name]
        except KeyError:
            raise QueryTemplateError(f"no query file cypher/{name}.cypher") from None
        if restricted:
            template, count = _VISIBLE_LINE.subn(_visibility_filter, template)
            if not count:
                raise QueryTemplateError(f"cypher/{name}.cypher has no '// visible:' line to restrict")
        return _render(template, identifiers)

    def locking(self) -> list[str]:
        """The queries with a ``// lock:`` line."""
        return sorted(name for name, text in self._texts.items() if _LOCK_LINE.search(text))

    def restrictable(self) -> list[str]:
        """The queries with a ``// visible:`` line."""
        return sorted(name for name, text in self._texts.items() if _VISIBLE_LINE.search(text))


@cache
def query_library(dialect: Dialect) -> QueryLibrary:
    return QueryLibrary(dialect)


def lock_nodes(template: str, dialect: Dialect) -> str:
    """``template`` with its ``// lock:`` lines made into locks where ``dialect`` needs them.

    On Neo4j a lock is a property set and removed in the same transaction: measured on
    5.26, a second transaction doing the same waits until the first commits, while
    ``REMOVE`` of a missing property, or ``SET`` of a property to its own value, takes no
    lock. The nodes are locked in the order listed; a query that locks several nodes lists
    them in id order, so competing writes queue instead of deadlocking (a deadlock that
    happens anyway is a transient error the driver retries, and every write query is safe
    to repeat because the failed attempt was rolled back). A null in the list (a node an
    OPTIONAL MATCH did not find) is passed over.
    """
    if dialect is not Dialect.neo4j:
        return template
    return _LOCK_LINE.sub(
        lambda m: f"{m[1]}FOREACH (locked IN [lockable IN {m[2]} WHERE lockable IS NOT NULL] |"
                  f" SET locked.rapport_lock = true REMOVE locked.rapport_lock)\n{m[1]}WITH *", template
    )


def visible_predicate(x: str) -> str:
    """Whether the caller may see entity ``x``, once ``x_clients_seen`` and ``x_clients``
    are in scope.

    Clients are visible when ``$owners`` holds their owner; people when they have any
    relationship (any type, active or ended, either way) with such a client, or with no
    client at all (someone just added, not yet attached: else an adviser could not attach
    a new person to their own client); team members, providers and divisions (the
    practice's directory) always.
    """
    return (
        f"(NOT ({x}:Client OR {x}:Person) OR {x}.owner_id IN $owners OR size({x}_clients_seen) > 0"
        f" OR ({x}:Person AND size({x}_clients) = 0))"
    )


def clients_seen(x: str) -> str:
    """For each client ``x`` is related to, one element in ``x_clients``, and for each
    visible one, one in ``x_clients_seen``. Projections, not WHERE predicates: FalkorDB
    evaluates pattern comprehensions only in WITH/RETURN."""
    return (
        f"[({x}:Person)--({x}_client:Client) WHERE {x}_client.owner_id IN $owners | 1] AS {x}_clients_seen, "
        f"[({x}:Person)--({x}_any:Client) | 1] AS {x}_clients"
    )


def _visibility_filter(match: re.Match[str]) -> str:
    indent = match.group(1)
    items = [_VISIBLE_ITEM.fullmatch(item) for item in match.group(2).split(", ")]
    lines = [f"{indent}OPTIONAL MATCH ({m[1]}:Entity {{id: {m[2]}}})" for m in items if m[2]]
    # ``x:Client``: x is a client (matched as one), whose visibility is its owner's alone.
    variables = [m[1] for m in items if not m[3]]
    if variables:
        lines.append(f"{indent}WITH *, {', '.join(clients_seen(x) for x in variables)}")
    else:
        lines.append(f"{indent}WITH *")
    lines.append(f"{indent}WHERE {' AND '.join(visible_client(m[1]) if m[3] else visible_predicate(m[1]) for m in items)}")
    return "\n".join(lines)


def visible_client(x: str) -> str:
    """Whether the caller may see ``x``, known to be a client: the rule of ``visible_predicate``
    for clients, without the pattern comprehensions people need."""
    return f"({x}:Client AND {x}.owner_id IN $owners)"


def _render(template: str, identifiers: Mapping[str, str | Iterable[str]]) -> str:
    def repeat(match: re.Match[str]) -> str:
        key, block = match.group(1), match.group(2)
        values = identifiers.get(key)
        if values is None or isinstance(values, str):
            raise QueryTemplateError(f"block '{key}' needs a list of identifiers")
        return "".join(_PLACEHOLDER.sub(lambda m, v=v: _fill(m, {**identifiers, key: v}), block) for v in values)

    text = _EACH_BLOCK.sub(repeat, template)
    return _PLACEHOLDER.sub(lambda m: _fill(m, identifiers), text)


def _fill(match: re.Match[str], identifiers: Mapping[str, str | Iterable[str]]) -> str:
    key = match.group(1)
    value = identifiers.get(key)
    if not isinstance(value, str):
        raise QueryTemplateError(f"placeholder {{{{{key}}}}} needs one identifier")
    return _safe(value)
