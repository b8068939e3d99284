"""``rapport groups`` and ``rapport mailing`` on the embedded store, loaded with the example
import of the sample practice (which carries addresses for the Elliott Household, Smart
Systems Ltd and Rose Elliott) and plans made from the tiers a tier run suggests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "import" / "csv"


def rapport(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("command", [("groups", c) for c in ("list", "show", "create", "filter", "rename", "add", "remove",
                                                             "delete")] + [("mailing", "group"), ("mailing", "tasks")])
def test_every_command_has_help(command):
    result = rapport(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_groups_and_mailings_from_the_command_line(data_dir, tmp_path):
    assert rapport("import", EXAMPLES).exit_code == 0
    made = rapport("groups", "create", "Clients", "--stage", "client", "--description", "Everyone at the client stage")
    assert made.exit_code == 0, made.output
    assert re.fullmatch(r"created Clients: 3 members \(0 picked by hand, 3 more by its filter of clients: stage=client\) "
                        r"\[\w+, version 1\]\n", made.stdout)
    shown = rapport("groups", "show", "clients")
    assert shown.exit_code == 0, shown.output
    rows = re.findall(r"│ ([^│]+?)\s+│ (\w+)\s+│ (by \w+)\s+│ (\w+)\s+│", shown.stdout)
    assert [row[:3] for row in rows] == [("Elliott Household", "client", "by filter"), ("Sam Reid", "client", "by filter"),
                                         ("Smart Systems Ltd", "client", "by filter")]
    elliott = next(row[3] for row in re.findall(r"│ ([^│]+?)\s+│ (\w+)\s+│ (by \w+)\s+│ (\w+)\s+│",
                                             rapport("groups", "show", "Clients").stdout) if row[0] == "Elliott Household")
    added = rapport("groups", "add", "Clients", elliott)
    assert "3 members (1 picked by hand" in added.stdout
    # A backup carries groups, their filters and hand-picked members.
    assert rapport("backup", tmp_path / "practice.jsonl.gz").exit_code == 0
    assert rapport("restore", tmp_path / "practice.jsonl.gz", "--force").exit_code == 0
    assert "Clients: 3 members (1 picked by hand, 2 more by its filter of clients: stage=client)" in rapport(
        "groups", "list").stdout
    assert "renamed Everyone: 3 members (1 picked by hand" in rapport("groups", "rename", "clients", "Everyone").stdout
    assert "changed Everyone: 3 members (0 picked by hand" in rapport("groups", "remove", "Everyone", elliott).stdout

    mailing = rapport("mailing", "group", "everyone")
    assert mailing.exit_code == 0, mailing.output
    assert mailing.stdout.splitlines() == [
        "name,salutation,address_line1,address_line2,locality,region,postcode,country",
        "John and Jean Elliott,John and Jean Elliott,12 Elm Road,Roundhay,Leeds,,LS8 2AB,GB",
        "Smart Systems Ltd,Jean and the Smart Systems team,\"Unit 4, Canal Wharf\",,Leeds,,LS11 5PS,GB",
    ]
    assert "2 addressees" in mailing.stderr and re.search(r"1 without a postal address, left out: Sam Reid \(\w+\)",
                                                         mailing.stderr)

    run_id = re.search(r"rapport tiers apply\s+(\w+)", rapport("tiers", "run").output).group(1)
    assert rapport("tiers", "apply", run_id).exit_code == 0
    assert rapport("work", "plan", "--as-of", "2026-11-23").exit_code == 0
    out = tmp_path / "birthdays.csv"
    birthdays = rapport("mailing", "tasks", "--kind", "birthday", "--from", "2027-01-01", "--to", "2027-12-31", "-o", out)
    assert birthdays.exit_code == 0, birthdays.output
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1:]] == [
        "James Elliott", "Jean Elliott", "John Elliott", "Ms Rose Elliott"]
    assert f"4 addressees to {out}" in birthdays.stderr

    for args, message in (
        (("groups", "create", "EVERYONE"), "a group named 'EVERYONE' exists already"),
        (("groups", "show", "Nobody"), "no group with id or name 'Nobody'"),
        (("groups", "create", "X", "--stage", "retired"), "filter.unknown stage 'retired'"),
        (("groups", "filter", "Everyone"), "give either --clear or the fields of the new filter"),
        (("mailing", "tasks", "--kind", "birthday", "--from", "1/1/2027", "--to", "2027-12-31"),
         "--from: '1/1/2027' is not a date"),
    ):
        refused = rapport(*args)
        assert refused.exit_code == 1 and message in refused.output, (args, refused.output)
    assert "deleted group Everyone" in rapport("groups", "delete", "everyone").stdout
    assert rapport("groups", "list").stdout == ""
