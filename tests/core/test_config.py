"""Settings: the per-user data directory, the port, and how a store is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("RAPPORT_DATA_DIR", "RAPPORT_PORT", "RAPPORT_GRAPH_URL", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_the_data_directory_is_per_user_not_per_working_directory(env, tmp_path):
    assert Settings(_env_file=None).data_dir == tmp_path / "home" / ".local" / "share" / "rapport"
    env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert Settings(_env_file=None).data_dir == tmp_path / "xdg" / "rapport"
    env.setenv("XDG_DATA_HOME", "relative/dir")  # the XDG spec says to ignore a relative path
    assert Settings(_env_file=None).data_dir == tmp_path / "home" / ".local" / "share" / "rapport"
    env.setenv("RAPPORT_DATA_DIR", str(tmp_path / "mine"))
    assert Settings(_env_file=None).data_dir == tmp_path / "mine"


def test_port_setting(env):
    assert Settings(_env_file=None).port == 8000
    env.setenv("RAPPORT_PORT", "8123")
    assert Settings(_env_file=None).port == 8123
    for bad in ("0", "65536", "http"):
        env.setenv("RAPPORT_PORT", bad)
        with pytest.raises(ValidationError):
            Settings(_env_file=None)


def test_the_store_is_named_without_credentials(env, tmp_path):
    env.setenv("RAPPORT_DATA_DIR", str(tmp_path / "d"))
    assert Settings(_env_file=None).store_location == f"the embedded FalkorDB store in {tmp_path / 'd'}"
    neo4j = Settings(_env_file=None, graph_url="neo4j+s://user:secret@db.example:7687", neo4j_database="practice")
    assert neo4j.store_location == "Neo4j at db.example:7687, database practice"
    falkor = Settings(_env_file=None, graph_url="falkor://:pw@cache.example", graph_name="p1")
    assert falkor.store_location == "FalkorDB at cache.example, graph p1"
