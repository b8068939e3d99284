"""The FalkorDB adapter builds the ``CYPHER name=value ...`` parameter header and reads the
compact answers itself, instead of the falkordb client's slower ``Graph.query``.

The header must be exactly the text the client writes (the format FalkorDB is known to read back
unchanged), every value must come back from the store as it went in, and answers must read as
the client reads them.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from enum import IntEnum, StrEnum
from typing import Any

import pytest
from falkordb import FalkorDB
from falkordb.graph import Graph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.repositories.falkordb_store import FalkorGraphStore, cypher_literal, params_header

TRICKY = [
    "",
    'O\'Brien "the \\"boss\\""',
    "back\\slash \\n \\u0041 \\' \\\\ \\",
    "trailing backslash \\",
    '"',
    "line one\nline two\r\nthree\ttab\x0bvt\x7fdel\x1b[31m\x01\x1f\x1e",
    "Émilie Ñúñez 😀 🇬🇧 中文 עברית \u200b\u2028\ufeff\U0010ffff",
    "`{{label}}` $name {param} `x` ``",
    '"}) MATCH (n) DETACH DELETE n //',
    '{"after": {"a": "b\\"c"}, "x": [1, 2]}',
    '":', ',":"', "\\u0000 written out",
]


def client_header(params: dict[str, Any]) -> str:
    """The header the falkordb client builds (its method reads nothing from the graph)."""
    return Graph._build_params_header(None, params)  # type: ignore[arg-type]


class Colour(StrEnum):
    red = "red"


class Size(IntEnum):
    big = 3


# Everything a query parameter may hold: the JSON types, tuples, and keys of all sorts.
text = st.one_of(st.sampled_from(TRICKY), st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), text,
)
keys = st.one_of(st.sampled_from(["id", "name", "x y", "ünïcode", "@type", "a-b"]),
                 st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="`\x00"), min_size=1))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


@pytest.mark.slow  # 600 examples: seconds of CPU
@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(["rows", "id", "p", "audits"]), values, min_size=1, max_size=3))
def test_the_header_is_the_clients_text(params: dict[str, Any]) -> None:
    assert params_header(params) == client_header(params)


@pytest.mark.parametrize(
    "value",
    [Colour.red, Size.big, dt.date(2024, 2, 29), b"bytes \"q\"", math.nan, math.inf, -0.0, 1e-07, 10**20,
     {Colour.red: 1, 3: "three", b"raw": True}, [Colour.red, (1, Size.big)], {"nested": {"deep": [{"k": "v"}]}}],
    ids=repr,
)
def test_values_of_other_types_are_written_as_the_client_writes_them(value: Any) -> None:
    assert params_header({"v": value}) == client_header({"v": value})


@pytest.mark.parametrize("bad", [{"": 1}, {"a`b": 1}, {"ok": {"": 1}}, {"ok": [{"x`": 1}]}])
def test_names_falkordb_cannot_read_are_refused_like_the_client_does(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        client_header(bad)
    with pytest.raises(ValueError):
        params_header(bad)
    with pytest.raises(ValueError):
        params_header({"p": bad})


def test_map_keys_are_backticked_and_strings_escape_only_quote_and_backslash() -> None:
    assert cypher_literal({"a b": 'say "hi"\\\n', "n": [1, 2.5, True, None]}) == '{`a b`:"say \\"hi\\"\\\\\n",`n`:[1,2.5,True,null]}'


@pytest.fixture
def graph(falkordb_server) -> FalkorGraphStore:
    client = FalkorDB(unix_socket_path=str(falkordb_server.socket_path))
    store = FalkorGraphStore(client, f"params_{uuid.uuid4().hex[:12]}")
    store.write("RETURN 1")  # creates the graph, so read-only queries find it
    yield store
    client.select_graph(store.graph_name).delete()
    client.connection.close()


def test_tricky_strings_come_back_from_the_store_unchanged(graph: FalkorGraphStore) -> None:
    rows = [{"i": i, "text": value, "map": {"text": value, "list": [value, value]}} for i, value in enumerate(TRICKY)]
    back = graph.read("UNWIND $rows AS row RETURN row.i AS i, row.text AS text, row.map AS map", {"rows": rows})
    assert back == [{"i": row["i"], "text": row["text"], "map": row["map"]} for row in rows]
    # Written as properties and read back too.
    graph.write("UNWIND $rows AS row CREATE (n:Probe) SET n.i = row.i, n.text = row.text", {"rows": rows})
    stored = graph.read("MATCH (n:Probe) RETURN n.i AS i, n.text AS text ORDER BY i")
    assert stored == [{"i": row["i"], "text": row["text"]} for row in rows]


# FalkorDB answers a float with 15 significant digits, whatever header wrote it.
stored_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1), text,
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: float(f"{f:.15g}")).filter(math.isfinite),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(text, st.dictionaries(st.sampled_from(["a", "b c", "é"]), stored_scalars, max_size=3)), max_size=5))
def test_any_text_and_map_comes_back_unchanged(graph: FalkorGraphStore, items: list[tuple[str, dict[str, Any]]]) -> None:
    params = {"items": [[value, mapping] for value, mapping in items]}
    back = graph.read("RETURN $items AS items", params)
    assert back == [{"items": params["items"]}]


def test_nul_is_refused_as_invalid_input(graph: FalkorGraphStore) -> None:
    with pytest.raises(InvalidInput, match="NUL"):
        graph.write("CREATE (n:Probe) SET n.text = $text", {"text": "before\x00after"})
    with pytest.raises(InvalidInput, match="NUL"):
        graph.read("RETURN $rows AS rows", {"rows": [{"notes": "nested \x00 nul"}]})
    assert graph.read("MATCH (n:Probe) RETURN count(n) AS n") == [{"n": 0}]


def test_answers_read_as_the_client_reads_them(graph: FalkorGraphStore, falkordb_server) -> None:
    graph.write("CREATE (:A:B {s: 'x', n: 1, f: 1.5, l: [1, 2]})-[:R {w: 0.5}]->(:C {d: 'y'})")
    query = (
        "MATCH p = (a:A)-[r:R]->(c:C) RETURN a, r, c, p, a {.*} AS m, [a.s, a.n, a.f, null, true, false, [a.l]] AS l, "
        "point({latitude: 1.5, longitude: 2.5}) AS pt, {k: {n: [1, 'z'], e: {}}} AS nested, date('2024-02-29') AS d, "
        "localdatetime('2024-02-29T10:11:12') AS at, -9223372036854775808 AS low, 'é \\\\ \\' x' AS text"
    )
    client = FalkorDB(unix_socket_path=str(falkordb_server.socket_path))
    theirs = client.select_graph(graph.graph_name).ro_query(query)
    names = [column[1] for column in theirs.header]
    assert graph.read(query) == [dict(zip(names, row, strict=True)) for row in theirs.result_set]
    assert graph.read(query)[0]["nested"] == {"k": {"n": [1, "z"], "e": {}}}
    assert graph.read("MATCH (n:Nothing) RETURN n") == []
    assert graph.write("CREATE (:Q)") == []


def test_runtime_errors_are_raised(graph: FalkorGraphStore) -> None:
    import redis.exceptions

    with pytest.raises(redis.exceptions.ResponseError, match="Division by zero"):
        graph.read("UNWIND [0] AS z RETURN 1 / z AS x")


def test_a_prepared_write_is_sent_only_when_called(graph: FalkorGraphStore) -> None:
    write = graph.prepare_write("CREATE (n:Probe) SET n.text = $text RETURN n.text AS text", {"text": 'say "hi"\n'})
    assert graph.read("MATCH (n:Probe) RETURN count(n) AS n") == [{"n": 0}]
    assert write() == [{"text": 'say "hi"\n'}]
    assert graph.read("MATCH (n:Probe) RETURN count(n) AS n") == [{"n": 1}]
    with pytest.raises(InvalidInput, match="NUL"):
        graph.prepare_write("CREATE (n:Probe) SET n.text = $text", {"text": "a\x00b"})()
