"""Load the query files in ``cypher/`` and fill their identifier placeholders safely.

Each query lives in ``cypher/<name>.cypher``, in the Cypher both stores run. Where the
stores really differ, ``<name>.<dialect>.cypher`` overrides it for one dialect. Values are
always ``$parameters``; the only text substituted is an identifier placeholder
``{{name}}`` (a label, relationship type or property name), checked against a strict
pattern and always backticked in the file. A block between ``// each <name>`` and
``// end each`` is repeated once per identifier in a list (one FOREACH per relationship
type in a batch, for instance).
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

    def names(self) -> list[str]:
        return sorted(self._texts)

    def __call__(self, name: str, **identifiers: str | Iterable[str]) -> str:
        """The text of query ``name`` with its placeholders filled from ``identifiers``."""
        try:
            template = self._texts[name]
        except KeyError:
            raise QueryTemplateError(f"no query file cypher/{name}.cypher") from None
        return _render(template, identifiers)


@cache
def query_library(dialect: Dialect) -> QueryLibrary:
    return QueryLibrary(dialect)


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
