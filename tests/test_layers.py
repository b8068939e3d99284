"""The layers import only downwards: services never reach up into the API (its routes or
its schemas), and the domain imports nothing of the application but itself; services are
handed their collaborators by app/bootstrap.py rather than building them."""

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


#: What a module under app/services may still build itself, and why; every other service or
#: repository a service uses is handed to it by app/bootstrap.py (``Services``).
BUILT_IN_SERVICES = {
    ("app/services/transfer/state.py", "CatalogueService"):
        "an import checks its rows against the catalogue of the store and caller it was given",
    ("app/services/transfer/generated.py", "CatalogueService"):
        "a generated load seeds the default catalogue of the store it was given, as its caller",
}


def constructed(path: Path) -> set[str]:
    """The classes named ``*Service`` or ``*Repository`` that a module calls (builds)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name.endswith(("Service", "Repository")):
                names.add(name)
    return names


def test_only_the_bootstrap_wires_services_and_repositories():
    built = {(str(path.relative_to(ROOT)), name)
             for path in sorted((ROOT / "app/services").rglob("*.py")) for name in constructed(path)}
    assert built == set(BUILT_IN_SERVICES)  # an allowance no longer used fails too


def test_the_check_sees_constructions():
    # A check that saw no calls would pass whatever the services build.
    assert {"EntityService", "GroupRepository", "SuggestionRunRepository"} <= constructed(ROOT / "app/bootstrap.py")
