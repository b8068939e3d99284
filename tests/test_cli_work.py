"""``rapport work`` on the embedded store, loaded with the example import of the sample
practice and the tiers a tier run suggests (Elliott A, Smart Systems B, Sam Reid C; the
Okafors are prospects): plans made once, a queue printed, tasks done and skipped, refusals
as one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "import" / "csv"


def rapport(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("command", ["plan", "tasks", "queue", "done", "skip"])
def test_every_command_has_help(command):
    result = rapport("work", command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_a_week_of_work_from_the_command_line(data_dir):
    assert rapport("import", EXAMPLES).exit_code == 0
    run_id = re.search(r"rapport tiers apply (\S+);", rapport("tiers", "run").stdout).group(1)
    assert rapport("tiers", "apply", run_id).exit_code == 0
    made = rapport("work", "plan", "--as-of", "2026-11-23")
    assert made.exit_code == 0, made.output
    assert "5 clients read, 3 changed; tasks 32 created" in made.stdout
    assert "0 changed; tasks 0 created" in rapport("work", "plan", "--as-of", "2026-11-23").stdout

    queue = rapport("work", "queue", "--member", "anna shaw", "--today", "2026-11-23", "--days", "14")
    assert queue.exit_code == 0, queue.output
    assert ("Work queue of Anna Shaw and 1 below them, 2026-11-23: 0 overdue, 3 due this week (to 2026-11-29), "
            "2 coming up (to 2026-12-07)") in queue.stdout
    rows = re.findall(r"│ (\d{4}-\d\d-\d\d) │ ([^│]+?)\s+│ ([^│]+?)\s+│ ([^│]+?)\s+│ (\w+)\s+│", queue.stdout)
    assert [row[:4] for row in rows] == [
        ("2026-11-23", "Elliott Household", "review", "Anna Shaw"), ("2026-11-23", "Smart Systems Ltd", "review", "Anna Shaw"),
        ("2026-11-25", "Elliott Household", "touch", "Anna Shaw"),
        ("2026-12-01", "Elliott Household", "holiday card", "Priya Patel"),
        ("2026-12-01", "Smart Systems Ltd", "holiday card", "Priya Patel")]
    review, card = rows[0][4], rows[3][4]
    done = rapport("work", "done", review, "--date", "2026-11-24", "--notes", "Annual review")
    assert done.exit_code == 0 and done.stdout.startswith("done: review for Elliott Household (touch ")
    skipped = rapport("work", "skip", card, "--reason", "They asked for no cards")
    assert skipped.stdout == "skipped: holiday card for Elliott Household (They asked for no cards)\n"
    after = rapport("work", "queue", "--member", "Anna Shaw", "--today", "2026-11-23", "--days", "14", "--no-reports")
    assert "Work queue of Anna Shaw, 2026-11-23: 0 overdue, 2 due this week" in after.stdout and review not in after.stdout

    for args, message in (
        (("work", "done", review), f"task '{review}' is done already"),
        (("work", "queue", "--member", "Nobody"), "--member: no team member with id or name 'Nobody' (see GET /team-members)"),
        (("work", "plan", "--as-of", "23/11/2026"), "--as-of: '23/11/2026' is not a date; write dates as YYYY-MM-DD"),
        (("work", "tasks", "nobody"), "no client with id 'nobody'"),
    ):
        refused = rapport(*args)
        assert refused.exit_code == 1 and [line for line in refused.stderr.splitlines() if line.startswith("rapport: ")] == [
            f"rapport: {message}"], refused.output
