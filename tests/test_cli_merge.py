"""``rapport people merge`` and ``rapport clients merge`` on the embedded store, loaded with the
example import and a duplicate of John Elliott: a merge by external ids, refusals as one line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from app.cli import cli
from tests.test_cli import refusal

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "import" / "csv"


def rapport(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_merging_people_and_clients_from_the_command_line(data_dir, tmp_path):
    (tmp_path / "people.csv").write_text(
        "external_id,first_name,last_name,phone\nP-9001,john,elliott,+44 20 7946 0000\n", encoding="utf-8")
    (tmp_path / "relationships.csv").write_text(
        "external_id,type,from,to,until\nR-9001,ACQUAINTANCE_OF,P-9001,P-2003,\nR-9002,SPOUSE_OF,P-9001,P-2001,2020-01-01\n",
        encoding="utf-8")
    assert rapport("import", EXAMPLES).exit_code == 0
    assert rapport("import", tmp_path).exit_code == 0

    merged = rapport("people", "merge", "P-2001", "P-9001")
    assert merged.exit_code == 0, merged.output
    assert merged.stdout.startswith("Merged john elliott (")
    assert ("into John Elliott (" in merged.stdout and "moved 1 relationship and 0 records; dropped 1 relationship "
            "between the two; filled phone." in merged.stdout)
    assert refusal(rapport("people", "merge", "P-2001", "P-9001")) == "rapport: no person has the id or external id 'P-9001'"
    assert "cannot be merged into itself" in refusal(rapport("people", "merge", "P-2001", "P-2001"))
    # Two clients with their own primary contacts: refused, naming both.
    clash = refusal(rapport("clients", "merge", "C-1001", "C-1003"))
    assert "active primary contact (John Elliott of Elliott Household, Grace Okafor of Okafor Household)" in clash
    assert clash.endswith("Nothing was changed.")
    assert rapport("clients", "merge", "--help").exit_code == 0
