"""The layers import only downwards: services never reach up into the API (its routes or
its schemas), and the domain imports nothing of the application but itself."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@cache  # read once for the tests below
def imported_modules(package: str) -> dict[str, set[str]]:
    """Absolute imports of each module of ``package`` (a folder under the repository root)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module)
            elif isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = modules
    return found


@pytest.mark.parametrize(("package", "forbidden"), [
    ("app/services", ("app.api", "app.schemas", "app.main", "app.cli")),
    ("app/domain", ("app.api", "app.schemas", "app.services", "app.repositories", "app.core", "fastapi", "neo4j", "falkordb")),
])
def test_no_import_climbs_back_up(package, forbidden):
    leaks = {module: sorted(m for m in imports if any(m == f or m.startswith(f"{f}.") for f in forbidden))
             for module, imports in imported_modules(package).items()}
    assert {module: names for module, names in leaks.items() if names} == {}


def test_the_check_sees_imports():
    # A check that finds no modules, or none of their imports, would pass whatever they import.
    imports = imported_modules("app/services")
    assert "app.domain.transfer" in imports["app/services/generator.py"]
    assert "app.repositories.catalogue" in imports["app/services/transfer/state.py"]


def test_services_name_the_protocols_they_use_not_the_whole_repository():
    # PracticeRepository is the wiring's (app/main.py, app/cli.py, app/api/deps.py): a service
    # names the Protocols of the areas it reads and writes, so its tests can use fakes.
    users = sorted(module for module, imports in imported_modules("app/services").items()
                   if "app.repositories.practice" in imports)
    assert users == []
