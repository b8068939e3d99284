"""``rapport tiers`` and ``rapport service`` on the embedded store, loaded with the example
import of the sample practice: tables printed, a run applied, refusals as one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "import" / "csv"


def rapport(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("command", [("tiers", "run"), ("tiers", "apply"), ("service", "report"), ("service", "dates")])
def test_every_command_has_help(command):
    result = rapport(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_tiers_and_the_cycle_of_service_from_the_command_line(data_dir):
    assert rapport("import", EXAMPLES).exit_code == 0
    result = rapport("tiers", "run")
    assert result.exit_code == 0, result.output
    assert "5 clients; suggested A 1, B 2, none 1, C 1; 4 differ from the assigned tier" in result.output
    assert re.search(r"Elliott Household\s+│\s+client\s+│\s+A\s", result.output)
    run_id = re.search(r"rapport tiers apply (\S+)", result.output).group(1)

    applied = rapport("tiers", "apply", run_id)
    assert applied.exit_code == 0 and applied.stdout.startswith("applied 4 of 4 tier changes")
    again = rapport("tiers", "apply", run_id)
    assert again.exit_code == 1 and "no client still has the tier" in again.stderr

    report = rapport("service", "report")
    assert report.exit_code == 0, report.output
    assert re.search(r"Elliott Household\s+│\s+Anna Shaw\s+│\s+A\s", report.output)
    assert "Okafor Household" in report.output  # now a B
    dates = rapport("service", "dates", "--days", "366")
    assert dates.exit_code == 0 and "John Elliott" in dates.output and "birthday" in dates.output

    refused = rapport("tiers", "apply", "NOPE")
    assert refused.exit_code == 1
    assert [line for line in refused.stderr.splitlines() if line.startswith("rapport: ")] == [
        "rapport: no tier run with id 'NOPE'"]
    assert rapport("tiers", "run", "--revenue-threshold", "-1").exit_code == 2  # refused by the option's bounds
