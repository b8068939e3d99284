"""``rapport tiers`` and ``rapport service`` on the embedded store, loaded with the example
import of the sample practice: tables printed, a run applied, refusals as one line."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.domain.tiers import TierSettings
from app.schemas.tiers import TierRunCreate
from tests.test_cli import refusal

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
    assert ("5 clients; suggested A 1, B 2, C 1, none 1; 4 differ from the assigned tier "
            "(assigned -> suggested: none -> A 1, none -> B 2, none -> C 1)") in result.stdout
    assert "Elliott Household" not in result.stdout  # a summary: no client listed unless asked
    run_id = re.search(r"rapport tiers apply (\S+);", result.output).group(1)

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


def test_tiers_run_lists_on_request_and_takes_the_api_settings(data_dir):
    assert rapport("import", EXAMPLES).exit_code == 0
    top = rapport("tiers", "run", "--top", 2)
    assert top.exit_code == 0, top.output
    listed = re.findall(r"^│ (\S[^│]*?)\s+│", top.stdout, flags=re.MULTILINE)
    assert listed == ["Elliott Household", "Okafor Household"]  # best suggested tier first: A, then a B
    mine = rapport("tiers", "run", "--owner", "T-101")  # an external id, as import and export take
    assert re.findall(r"^│ (\S[^│]*?)\s+│", mine.stdout, flags=re.MULTILINE) == ["Elliott Household", "Smart Systems Ltd"]
    assert refusal(rapport("tiers", "run", "--owner", "T-999")) == "rapport: no team member has the id or external id 'T-999'"

    # The API's settings, with the API's defaults (the domain's TierSettings) and the API's date messages.
    dated = rapport("tiers", "run", "--as-of", "2020-01-01", "--min-quality-referrals", 2, "--cost-window-days", 30)
    assert dated.exit_code == 0 and "as of 2020-01-01" in dated.stdout
    assert refusal(rapport("tiers", "run", "--as-of", "2021-02-29")) == (
        "rapport: --as-of: 2021-02-29 has no such day (February 2021 has 28 days)")
    assert "min_quality_referrals must be at least 1" in refusal(rapport("tiers", "run", "--min-quality-referrals", 0))
    help_text = rapport("tiers", "run", "--help").stdout
    assert "[default: 365]" in help_text and "[default: 1]" in help_text
    schema = TierRunCreate.model_json_schema()["properties"]
    assert {name: schema[name].get("default") for name in ("min_quality_referrals", "cost_window_days")} == {
        "min_quality_referrals": TierSettings().min_quality_referrals, "cost_window_days": TierSettings().cost_window_days}


def test_tiers_apply_takes_external_ids_as_export_does(data_dir):
    assert rapport("import", EXAMPLES).exit_code == 0
    run_id = re.search(r"rapport tiers apply (\S+);", rapport("tiers", "run").stdout).group(1)
    assert refusal(rapport("tiers", "apply", run_id, "--client", "C-9999")) == (
        "rapport: no client has the id or external id 'C-9999'")
    applied = rapport("tiers", "apply", run_id, "--client", "C-1001")
    assert applied.exit_code == 0 and applied.stdout.startswith("applied 1 of 1 tier changes"), applied.output
    network = rapport("export", data_dir / "net", "--client", "C-1001", "--depth", 1)  # export resolves it the same way
    assert network.exit_code == 0, network.output
    with (data_dir / "net" / "clients.csv").open() as exported:
        assert [(c["external_id"], c["tier"]) for c in csv.DictReader(exported)] == [("C-1001", "A")]
