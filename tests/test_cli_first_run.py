"""A first run without traps: the first admin key cannot be missed, the port is a setting,
every command names its store, and a command that needs a practice refuses a store that
holds none instead of creating an empty one."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.repositories.embedded_falkordb import AOF_DIR_NAME, EmbeddedFalkorDB
from tests.test_cli import rapport, refusal


def test_the_first_key_is_boxed_with_where_it_goes(data_dir, monkeypatch):
    monkeypatch.setenv("RAPPORT_PORT", "8123")
    captured = rapport("keys", "bootstrap")  # stdout captured, as in KEY=$(rapport keys bootstrap)
    assert captured.exit_code == 0, captured.output
    key = captured.stdout.strip()
    assert key.startswith("rpk_") and "\n" not in key
    box = captured.stderr
    assert "╔" in box and "shown only now" in box and key not in box  # the key only once
    assert "workspace at http://127.0.0.1:8123/ui/" in box and "Authorization: Bearer" in box


def test_on_a_terminal_the_key_is_inside_the_box(data_dir, monkeypatch):
    monkeypatch.setattr("app.cli_keys._stdout_is_terminal", lambda: True)
    shown = rapport("keys", "bootstrap", "--name", "Ada Admin")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    key_lines = [line for line in lines if "rpk_" in line]
    assert len(key_lines) == 1 and key_lines[0].startswith("║     rpk_")
    assert lines[0].startswith("╔") and lines[-1].startswith("╚") and len({len(line) for line in lines}) == 1
    assert "admin Ada Admin" in shown.stdout and "/ui/" in shown.stdout


@pytest.mark.parametrize(("argv", "env", "port"), [((), {}, 8000), ((), {"RAPPORT_PORT": "8123"}, 8123),
                                                   (("--port", "9001"), {"RAPPORT_PORT": "8123"}, 9001)])
def test_serve_listens_on_the_port_setting_unless_told(data_dir, monkeypatch, argv, env, port):
    started = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: started.update(options))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = rapport("serve", *argv)
    assert result.exit_code == 0, result.output
    assert started["port"] == port
    assert f"Rapport on http://127.0.0.1:{port}: the workspace at /ui/" in result.stderr
    assert f"store: the embedded FalkorDB store in {data_dir}" in result.stderr


def test_every_command_names_its_store_on_stderr(data_dir):
    shown = rapport("settings", "visibility")
    assert shown.stdout == "open\n"  # stdout stays clean for pipes
    assert shown.stderr.splitlines()[0] == f"store: the embedded FalkorDB store in {data_dir}"


@pytest.mark.parametrize("command", [("backup", "b.gz"), ("export", "out"), ("service", "report"),
                                     ("service", "dates"), ("tiers", "run"), ("analytics", "score")])
def test_a_directory_with_no_store_is_refused_and_left_alone(data_dir, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    line = refusal(rapport(*command))
    assert f"the embedded FalkorDB store in {data_dir} holds no practice, so there is nothing to" in line
    assert "RAPPORT_DATA_DIR" in line
    assert list(data_dir.iterdir()) == [] and not (tmp_path / command[-1]).exists()  # no store, no file made


def test_a_store_never_set_up_is_refused(data_dir, tmp_path):
    EmbeddedFalkorDB(data_dir).start().stop()  # a store that exists but Rapport never used
    assert (data_dir / AOF_DIR_NAME).is_dir()
    line = refusal(rapport("backup", tmp_path / "b.gz"))
    assert "holds no practice, so there is nothing to back up" in line
    assert not (tmp_path / "b.gz").exists()
    assert rapport("keys", "bootstrap").exit_code == 0  # sets it up (and loads the sample practice)
    assert rapport("backup", tmp_path / "b.gz").exit_code == 0
