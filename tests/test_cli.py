"""The ``rapport`` command on the embedded default store: demo, import, export, backup,
restore; help on every command; refusals as one line and a non-zero exit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from app.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "import"
COMMANDS = ("serve", "demo", "import", "export", "backup", "restore")


def rapport(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def refusal(result: Result) -> str:
    """The one line a refused command prints."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("rapport: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = rapport(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_the_command_lists_its_commands():
    result = rapport("--help")
    assert result.exit_code == 0 and all(command in result.output for command in COMMANDS)


def test_import_export_backup_restore(data_dir, tmp_path):
    dry = rapport("import", EXAMPLES / "csv", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 59 rows checked, nothing written" in dry.stdout
    done = rapport("import", EXAMPLES / "csv")
    assert done.exit_code == 0 and "Imported 59 rows" in done.stdout and "relationships/s" in done.stdout
    assert "clients 5" in done.stdout and "checking" in done.stderr  # counts, and the progress bars
    again = rapport("import", EXAMPLES / "jsonl")
    assert again.exit_code == 0 and "created none; updated none; unchanged team members 5" in again.stdout
    exported = rapport("export", tmp_path / "out", "--format", "jsonl")
    assert exported.exit_code == 0 and "relationships 26" in exported.stdout  # 21, and 5 owners (OWNER_OF)
    assert len((tmp_path / "out" / "people.jsonl").read_text().splitlines()) == 12
    network = rapport("export", tmp_path / "okafor.graphml", "--format", "graphml", "--client", "C-1003", "--depth", "1")
    assert network.exit_code == 0 and "entities 6" in network.stdout
    assert rapport("backup", tmp_path / "practice.gz").exit_code == 0
    assert "not empty" in refusal(rapport("restore", tmp_path / "practice.gz"))
    restored = rapport("restore", tmp_path / "practice.gz", "--force")
    assert restored.exit_code == 0 and "entity 27" in restored.stdout
    assert not (data_dir / "falkordb.pid").exists()  # each command stops the store it started


def test_a_bad_file_is_reported_and_nothing_imported(data_dir, tmp_path):
    folder = Path(shutil.copytree(EXAMPLES / "csv", tmp_path / "in"))
    people = folder / "people.csv"
    people.write_text(people.read_text().replace("1968-04-12", "12/04/1968").replace("1970-09-30", "1970-02-30"))
    result = rapport("import", folder)
    # John and Jean Elliott, and the 8 rows naming them
    assert refusal(result) == "rapport: 11 problems in 59 rows; nothing was imported"
    assert "people.csv:2: birth_date: '12/04/1968' is not a date; write dates as YYYY-MM-DD" in result.stderr
    assert "people.csv:3: birth_date: 1970-02-30 has no such day (February 1970 has 28 days)" in result.stderr
    assert "would have created team members 5" in rapport("import", folder / "team_members.csv", "--dry-run").stdout
    dry = rapport("import", folder, "--skip-bad-rows", "--dry-run")
    assert "Dry run: 59 rows checked, 10 of them to be left out, nothing written" in dry.stdout
    rejects = tmp_path / "rejects.jsonl"
    skipped = rapport("import", folder, "--skip-bad-rows", "--reject-file", rejects)
    assert skipped.exit_code == 0
    assert f"Imported 49 rows; rejected 10, written to {rejects}, in" in skipped.stdout
    assert "people 10, memberships 7, relationships 17" in skipped.stdout  # 12, 11 and 21 in the files
    left_out = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["file"], r["line"]) for r in left_out][:2] == [("people.csv", 2), ("people.csv", 3)]
    assert len(left_out) == 10


def test_demo_generates_and_loads_a_practice(data_dir, tmp_path):
    loaded = rapport("demo", "--entities", 300, "--relationships", 1_500, "--seed", 3)
    assert loaded.exit_code == 0, loaded.output
    assert "300 entities and 1,500 relationships" in loaded.stdout
    assert "--force" in refusal(rapport("demo", "--entities", 300, "--relationships", 1_500))
    assert rapport("demo", "--entities", 400, "--relationships", 1_600, "--force").exit_code == 0
    written = rapport("demo", "--entities", 100, "--relationships", 400, "--files", tmp_path / "files", "--format", "jsonl")
    assert written.exit_code == 0 and len((tmp_path / "files" / "clients.jsonl").read_text().splitlines()) > 10
    assert "need at least" in refusal(rapport("demo", "--entities", 1_000, "--relationships", 10, "--force"))
    assert "relationships 1," in rapport("export", tmp_path / "kept").stdout  # the refusal deleted nothing


def test_a_store_still_loading_shows_progress_then_one_clear_line(data_dir, monkeypatch):
    from app import bootstrap
    from app.repositories.embedded_falkordb import LoadProgress, StoreStillLoading

    def loading_store(settings, *, on_loading=None):
        assert settings.store_start_timeout == 7.5
        for waited in (0.5, 1.5, 12.0):
            on_loading(LoadProgress(percent=40.0, eta_s=90, loaded_bytes=4_000_000, total_bytes=10_000_000,
                                    waited_s=waited))
        raise StoreStillLoading("the embedded FalkorDB store in X (pid 1) is still loading its data after 7.5 s: ...")

    monkeypatch.setattr(bootstrap, "open_practice", loading_store)
    monkeypatch.setenv("RAPPORT_STORE_START_TIMEOUT", "7.5")
    result = rapport("keys", "list")
    assert "is still loading its data after 7.5 s" in refusal(result)
    progress = [line for line in result.stderr.splitlines() if line.startswith("waiting for the store")]
    # Not for the first second (a compact store loads in a moment), then every 10 s off a terminal.
    assert progress == [
        "waiting for the store to load its data: 40.0% loaded of 10.0 MB, about 90 s left (waited 2 s)",
        "waiting for the store to load its data: 40.0% loaded of 10.0 MB, about 90 s left (waited 12 s)",
    ]


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_bad_store_start_timeout_is_refused(data_dir, monkeypatch, value):
    monkeypatch.setenv("RAPPORT_STORE_START_TIMEOUT", value)
    result = rapport("keys", "list")
    assert refusal(result) == "rapport: invalid settings: 1 validation error for Settings"
    assert "store_start_timeout" in result.stderr


def test_refusals_are_one_line(data_dir, tmp_path):
    assert refusal(rapport("import", tmp_path / "nowhere")).endswith("nowhere: no such file or directory")
    assert "unknown export format 'xml'" in refusal(rapport("export", tmp_path / "x", "--format", "xml"))
    assert "no such file" in refusal(rapport("restore", tmp_path / "missing.gz"))
    (tmp_path / "clients.csv").write_bytes(b"external_id,name,kind\nC-1,Caf\xe9,household\n")
    assert "not UTF-8 text" in refusal(rapport("import", tmp_path / "clients.csv"))


@pytest.mark.parametrize("k", ["1", "100001", "many"])
def test_a_betweenness_sample_outside_the_apis_bounds_is_refused(k):
    """The CLI takes the sample sizes the API takes (2 to 100,000), refused before any work."""
    result = rapport("analytics", "score", "--betweenness-k", k)
    assert result.exit_code == 2 and "--betweenness-k" in result.stderr


def _cli_option(path: tuple[str, ...], name: str) -> tuple[object, object, object]:
    """(default, min, max) of a command's option, as typer holds it."""
    import typer.main

    command = typer.main.get_command(cli)
    for word in path:
        command = command.commands[word]
    option = next(p for p in command.params if p.name == name)
    return option.default, option.min, option.max


def _api_parameter(route: object, name: str) -> tuple[object, object, object]:
    """(default, ge, le) of a route function's query parameter (read from its signature: no app built)."""
    import inspect
    from typing import get_args, get_type_hints

    default = inspect.signature(route).parameters[name].default
    query = get_args(get_type_hints(route, include_extras=True)[name])[1]
    bounds = {type(m).__name__: m for m in query.metadata}
    return default, getattr(bounds.get("Ge"), "ge", None), getattr(bounds.get("Le"), "le", None)


def test_the_command_line_takes_the_apis_defaults_and_bounds():
    # Each default and bound is written once (in the domain or analytics parameter types); an
    # option of the CLI that is also the API's must not drift from it.
    from app.api.routes import entities, tiers, work
    from app.schemas.analytics import ScoringRunCreate
    from app.schemas.tiers import TierRunCreate

    assert _cli_option(("service", "dates"), "days") == _api_parameter(tiers.upcoming_dates, "days")
    assert _cli_option(("work", "queue"), "days") == _api_parameter(work.work_queue, "days")
    assert _cli_option(("work", "queue"), "limit")[2] == _api_parameter(work.work_queue, "limit")[2]
    # An exported network reaches as far as the API's ego network may.
    entity_network = next(r.endpoint for r in entities.routers[0].routes if r.path.endswith("/network"))
    assert _cli_option(("export",), "depth")[1:] == _api_parameter(entity_network, "depth")[1:]
    body = ScoringRunCreate.model_json_schema()["properties"]
    for name in ("betweenness_k", "seed"):
        field = body[name].get("anyOf", [body[name]])[0]
        assert _cli_option(("analytics", "score"), name) == (body[name]["default"], field["minimum"], field["maximum"])
    thresholds = TierRunCreate.model_json_schema()["properties"]
    for name, field in thresholds.items():
        if name != "as_of":
            assert _cli_option(("tiers", "run"), name)[0] == field.get("default"), name
