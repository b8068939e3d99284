"""``rapport work`` on the embedded store, loaded with the example import of the sample
practice and the tiers a tier run suggests (Elliott A, Smart Systems B, Sam Reid C; the
Okafors are prospects): plans made once, a queue printed, tasks done and skipped, refusals
as one line."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli
from app.domain.service_plan import first_review

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "import" / "csv"


def rapport(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("command", ["plan", "tasks", "queue", "done", "skip"])
def test_every_command_has_help(command):
    result = rapport("work", command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_a_week_of_work_from_the_command_line(data_dir, tmp_path):
    assert rapport("import", EXAMPLES).exit_code == 0
    run_id = re.search(r"rapport tiers apply (\S+);", rapport("tiers", "run").stdout).group(1)
    assert rapport("tiers", "apply", run_id).exit_code == 0
    made = rapport("work", "plan", "--as-of", "2026-11-23")
    assert made.exit_code == 0, made.output
    assert "5 clients read, 3 changed; tasks 32 created" in made.stdout
    assert "0 changed; tasks 0 created" in rapport("work", "plan", "--as-of", "2026-11-23").stdout

    # Never reviewed, Elliott (A: semi-annual) and Smart Systems (B: annual) are due their first
    # reviews on their own days of the first interval, drawn from their ids (read from a backup).
    assert rapport("backup", tmp_path / "backup.jsonl.gz").exit_code == 0
    with gzip.open(tmp_path / "backup.jsonl.gz", "rt", encoding="utf-8") as backup:
        records = [json.loads(line) for line in backup]
    client_ids = {r["properties"]["name"]: r["properties"]["id"] for r in records
                  if r.get("record") == "entity" and r["properties"]["entity_kind"] == "client"}
    reviews = sorted((first_review(client_ids[name], date(2026, 11, 23), months).isoformat(), name, "review", "Anna Shaw")
                     for name, months in (("Elliott Household", 6), ("Smart Systems Ltd", 12)))
    queue = rapport("work", "queue", "--member", "anna shaw", "--today", "2026-11-23", "--days", "14")
    assert queue.exit_code == 0, queue.output
    shown = [r for r in reviews if r[0] <= "2026-12-07"]
    this_week = len([r for r in shown if r[0] <= "2026-11-29"])
    assert (f"Work queue of Anna Shaw and 1 below them, 2026-11-23: 0 overdue, {1 + this_week} due this week "
            f"(to 2026-11-29), {2 + len(shown) - this_week} coming up (to 2026-12-07)") in queue.stdout
    rows = re.findall(r"│ (\d{4}-\d\d-\d\d) │ ([^│]+?)\s+│ ([^│]+?)\s+│ ([^│]+?)\s+│ (\w+)\s+│", queue.stdout)
    assert sorted(row[:4] for row in rows) == sorted([
        ("2026-11-25", "Elliott Household", "touch", "Anna Shaw"),
        ("2026-12-01", "Elliott Household", "holiday card", "Priya Patel"),
        ("2026-12-01", "Smart Systems Ltd", "holiday card", "Priya Patel"), *shown])
    call = next(row[4] for row in rows if row[2] == "touch")
    card = next(row[4] for row in rows if row[1:3] == ("Elliott Household", "holiday card"))
    done = rapport("work", "done", call, "--date", "2026-11-24", "--notes", "Called about the review")
    assert done.exit_code == 0 and done.stdout.startswith("done: touch for Elliott Household (touch ")
    skipped = rapport("work", "skip", card, "--reason", "They asked for no cards")
    assert skipped.stdout == "skipped: holiday card for Elliott Household (They asked for no cards)\n"
    after = rapport("work", "queue", "--member", "Anna Shaw", "--today", "2026-11-23", "--days", "14", "--no-reports")
    assert f"Work queue of Anna Shaw, 2026-11-23: 0 overdue, {this_week} due this week" in after.stdout
    assert call not in after.stdout and card not in after.stdout

    for args, message in (
        (("work", "done", call), f"task '{call}' is done already"),
        (("work", "queue", "--member", "Nobody"), "--member: no team member with id or name 'Nobody' (see GET /team-members)"),
        (("work", "plan", "--as-of", "23/11/2026"), "--as-of: '23/11/2026' is not a date; write dates as YYYY-MM-DD"),
        (("work", "tasks", "nobody"), "no client with id 'nobody'"),
    ):
        refused = rapport(*args)
        assert refused.exit_code == 1 and [line for line in refused.stderr.splitlines() if line.startswith("rapport: ")] == [
            f"rapport: {message}"], refused.output
