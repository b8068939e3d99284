"""Exports: import files that import back to the same graph, one client's network, GraphML."""

from __future__ import annotations

import networkx as nx
import pytest

from app.bootstrap import Services
from app.domain.errors import NotFound
from app.domain.model import EntityKind as K
from app.domain.transfer import RecordKind
from app.services.export import export_practice
from app.services.sample import SAMPLE_ENTITY_COUNT, load_sample_practice
from tests.services.practice_files import (
    EXAMPLES,
    by_external_id,
    empty,
    exported,
    import_dir,
)


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_round_trip_gives_the_same_graph(repository, tmp_path, file_format):
    import_dir(repository, EXAMPLES / "csv")
    first = exported(repository, tmp_path / "first", file_format)
    # Each owned client's ownership is a relationship row too (its owner_id, read as OWNER_OF).
    assert len(first["relationships"]) == 21 + 5 and len(first["memberships"]) == 11
    assert len([row for row in first["relationships"] if "OWNER_OF" in str(row)]) == 5
    empty(repository)
    assert import_dir(repository, tmp_path / "first").problems == []
    assert exported(repository, tmp_path / "second", file_format) == first


def test_an_export_of_api_made_records_imports_back_without_copies(repository, tmp_path):
    services = Services(repository)
    load_sample_practice(services.entities(), services.relationships())
    size = repository.practice_size()
    export_practice(repository, tmp_path / "out")
    report = import_dir(repository, tmp_path / "out")
    assert report.problems == [] and not report.created
    assert sum(report.unchanged.values()) == SAMPLE_ENTITY_COUNT + size[1]
    assert repository.practice_size() == size


def test_one_clients_network(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    rows = exported(repository, tmp_path / "okafor", client="C-1003", depth=1)
    assert {r[0] for rows_ in rows.values() for r in rows_} == {
        "C-1003", "P-2006", "P-2007", "P-2001", "T-102", "T-100",  # members, adviser, referrer; the adviser's manager
        "M-5008", "M-5009", "R-7004", "R-7007", "R-7015", "OWNER_OF-C-1003"}
    empty(repository)
    assert import_dir(repository, tmp_path / "okafor").problems == []
    internal_id = by_external_id(repository, "C-1003")["id"]
    assert len(exported(repository, tmp_path / "again", client=internal_id, depth=3)["clients"]) == 1
    with pytest.raises(NotFound):
        export_practice(repository, tmp_path / "nobody", client="C-404")


def test_graphml_for_analysts(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    report = export_practice(repository, tmp_path / "practice.graphml", file_format="graphml")
    assert dict(report.counts) == {"entities": 27, "relationships": 32 + 5}  # 5 owned clients' OWNER_OF
    graph = nx.read_graphml(tmp_path / "practice.graphml")
    assert (graph.number_of_nodes(), graph.number_of_edges(), graph.is_directed()) == (27, 37, True)
    elliott = graph.nodes[by_external_id(repository, "C-1001")["id"]]
    assert (elliott["external_id"], elliott["entity_kind"], elliott["stage"], elliott["annual_revenue"]) == (
        "C-1001", "client", "client", 14500.0)
    edges = {data["external_id"]: data for _, _, data in graph.edges(data=True)}
    assert (edges["R-7014"]["active"], edges["R-7001"]["active"], edges["R-7001"]["weight"]) == (False, True, 1.0)
    owner = edges["OWNER_OF-C-1001"]
    assert (owner["type"], owner["category"], owner["weight"], owner["active"]) == ("OWNER_OF", "professional", 1.0, True)
    assert "email" not in graph.nodes[by_external_id(repository, "P-2001")["id"]]


def test_a_membership_share_survives_export_and_import(repository, tmp_path):
    import_dir(repository, EXAMPLES / "csv")
    relationships = Services(repository).relationships()
    household = by_external_id(repository, "C-1001")["id"]
    membership = next(r for r in relationships.of_entity(K.client, household, category="membership")
                      if r["relationship"]["role"] == "primary_contact")
    relationships.update(membership["relationship"]["id"], {"share": 0.75})
    original = exported(repository, tmp_path / "before")
    share = RecordKind.memberships.format.columns.index("share")
    assert [row[share] for row in original["memberships"] if row[0] == "M-5001"] == ["0.75"]
    empty(repository)
    import_dir(repository, tmp_path / "before")
    assert exported(repository, tmp_path / "after") == original
    # GraphML carries it too, for analysts who weigh households by members' shares.
    export_practice(repository, tmp_path / "practice.graphml", file_format="graphml")
    edges = {data["external_id"]: data for _, _, data in nx.read_graphml(tmp_path / "practice.graphml").edges(data=True)}
    assert edges["M-5001"]["share"] == 0.75 and "share" not in edges["M-5002"]
