"""Every query in cypher/ must pass Neo4j's own Cypher front end.

The check runs tools/cypher-lint/lint.js (Node.js, @neo4j-cypher/language-support
pinned in tools/cypher-lint/package-lock.json). These tests fail, never skip,
when Node.js or the npm package is missing: install it with

    npm ci --prefix tools/cypher-lint

``*.falkordb.cypher`` variants are FalkorDB-only and are not given to the
Neo4j front end; they, and ``*.neo4j.cypher`` variants, are checked for their
``// dialect: <reason>`` header and for a base ``<name>.cypher`` file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Runs Neo4j's Cypher front end in Node processes.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CYPHER_DIR = ROOT / "cypher"
LINTER_DIR = ROOT / "tools" / "cypher-lint"
LINT_JS = LINTER_DIR / "lint.js"
PACKAGE_DIR = LINTER_DIR / "node_modules" / "@neo4j-cypher" / "language-support"
INSTALL_HINT = "run `npm ci --prefix tools/cypher-lint` from the repository root"

VARIANT_SUFFIXES = (".falkordb.cypher", ".neo4j.cypher")
DIALECT_HEADER = re.compile(r"// dialect: \S.*")

ALL_CYPHER_FILES = sorted(CYPHER_DIR.glob("*.cypher"))
NEO4J_QUERY_FILES = [p for p in ALL_CYPHER_FILES if not p.name.endswith(".falkordb.cypher")]
VARIANT_FILES = [p for p in ALL_CYPHER_FILES if p.name.endswith(VARIANT_SUFFIXES)]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@dataclass
class LintRun:
    """Outcome of one lint.js run; ``problem`` is set when it could not lint."""

    report: dict | None = None
    returncode: int | None = None
    problem: str | None = None

    def require(self) -> dict:
        if self.problem is not None:
            pytest.fail(self.problem, pytrace=False)
        assert self.report is not None
        return self.report


def _run_lint(args: list[str], stdin: str | None = None) -> LintRun:
    node = shutil.which("node")
    if node is None:
        return LintRun(
            problem="`node` (Node.js >= 20) is not on PATH; it is needed to lint the "
            f"Cypher queries with Neo4j's front end. Install Node.js, then {INSTALL_HINT}."
        )
    if not PACKAGE_DIR.is_dir():
        return LintRun(
            problem=f"The Cypher linter is not installed ({_rel(PACKAGE_DIR)} is missing); "
            f"{INSTALL_HINT}."
        )
    proc = subprocess.run(
        [node, str(LINT_JS), *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode not in (0, 1):
        return LintRun(
            problem=f"lint.js could not lint (exit {proc.returncode}):\n{proc.stderr.strip()}"
        )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        return LintRun(problem=f"lint.js printed no JSON report ({exc}):\n{proc.stdout[:2000]}")
    has_errors = any(f["errors"] for f in report["files"].values())
    if has_errors != (proc.returncode == 1):
        return LintRun(problem=f"lint.js exit {proc.returncode} disagrees with its report")
    return LintRun(report=report, returncode=proc.returncode)


def _lint_stdin(query: str) -> tuple[dict, int]:
    run = _run_lint(["--stdin"], stdin=query)
    report = run.require()
    return report["files"]["<stdin>"], run.returncode


def _describe(items: list[dict]) -> str:
    return "\n".join(f"  {i['line']}:{i['column']}: {i['message']}" for i in items)


@pytest.fixture(scope="module")
def frontend_run() -> LintRun:
    """One lint.js run over every query file Neo4j must accept."""
    if not NEO4J_QUERY_FILES:
        return LintRun(problem=f"no query files in {_rel(CYPHER_DIR)}")
    return _run_lint([_rel(p) for p in NEO4J_QUERY_FILES])


def test_cypher_directory_has_query_files():
    assert NEO4J_QUERY_FILES, (
        f"No *.cypher query files found in {CYPHER_DIR}; the Neo4j front-end "
        "check below has nothing to check."
    )


@pytest.mark.parametrize("path", NEO4J_QUERY_FILES, ids=lambda p: p.name)
def test_query_passes_neo4j_frontend(path: Path, frontend_run: LintRun):
    report = frontend_run.require()
    result = report["files"].get(_rel(path))
    assert result is not None, f"lint.js reported nothing for {_rel(path)}"
    if result["warnings"]:
        print(f"Neo4j front-end warnings for {_rel(path)}:\n{_describe(result['warnings'])}")
    assert not result["errors"], (
        f"Neo4j's Cypher front end rejects {_rel(path)}:\n{_describe(result['errors'])}"
    )


def test_dialect_variants_have_header_and_base_file():
    problems = []
    for path in VARIANT_FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        first = lines[0] if lines else ""
        if not DIALECT_HEADER.fullmatch(first.rstrip()):
            problems.append(
                f"{_rel(path)}: first line must be `// dialect: <one-line reason>`, "
                f"found {first!r}"
            )
        base = path.name.removesuffix(".falkordb.cypher").removesuffix(".neo4j.cypher")
        if not (CYPHER_DIR / f"{base}.cypher").is_file():
            problems.append(f"{_rel(path)}: dialect variant without base file cypher/{base}.cypher")
    assert not problems, "\n".join(problems)


# The linter itself: it must be able to fail, and must not fail on what we use.


def test_linter_reports_syntax_error():
    result, rc = _lint_stdin("MATCH (n:Entity {id: $id}\nRETURN n")
    assert rc == 1
    assert any("Invalid input" in e["message"] for e in result["errors"]), result


def test_linter_reports_undefined_variable():
    result, rc = _lint_stdin("MATCH (n:Entity {id: $id})\nRETURN m.id AS id")
    assert rc == 1
    assert result["errors"] == [
        {"line": 2, "column": 8, "message": "Variable `m` not defined"}
    ], result


def test_linter_reports_unknown_function():
    result, rc = _lint_stdin("MATCH (n:Entity) RETURN colect(n.id) AS ids")
    assert rc == 1
    assert any("Function colect is not present" in e["message"] for e in result["errors"]), result


def test_linter_rejects_more_than_one_statement():
    result, rc = _lint_stdin("RETURN 1 AS a;\nRETURN 2 AS b;\n")
    assert rc == 1
    assert any("2 statements" in e["message"] for e in result["errors"]), result


def test_params_and_placeholders_are_clean():
    query = (
        "MATCH (a:Entity:`{{label}}` {id: $id})-[r:`{{rel_type}}`]->(b:Entity)\n"
        "WHERE b.score >= $min_score AND b.id IN $ids\n"
        "SET r += $props\n"
        "RETURN b {.*} AS entity\n"
    )
    result, rc = _lint_stdin(query)
    assert result == {"errors": [], "warnings": []}
    assert rc == 0


def _lint_rendered(tmp_path: Path, texts: dict[str, str]) -> dict[str, str]:
    """Lint query texts as rendered for Neo4j; the errors by query name."""
    paths = {}
    for name, text in texts.items():
        path = tmp_path / f"{name}.cypher"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    report = _run_lint([str(p) for p in paths.values()]).require()
    return {name: _describe(report["files"][str(path)]["errors"])
            for name, path in paths.items() if report["files"][str(path)]["errors"]}


# A placeholder is filled with a sample identifier, as lint.js does for the files.
SAMPLE_IDENTIFIERS = {"label": "Client", "rel_type": "SPOUSE_OF", "field": "stage", "role_type": ["PRIMARY_CONTACT_AT"],
                      "run_label": "TierRun", "suggestion_label": "TierSuggestion", "application_label": "TierApplication",
                      "subject_label": "Client", "subject_id": "client_id", "subject_ids": "client_ids",
                      "from_values": "from_tiers", "to_values": "to_tiers"}


def test_restricted_queries_pass_neo4j_frontend(tmp_path: Path):
    """Queries with a ``// visible:`` line, as a caller who sees only some clients gets them
    (the line turned into the visibility filter), pass the front end too."""
    from app.repositories.cypher import QueryLibrary

    library = QueryLibrary("neo4j")
    names = library.restrictable()
    assert names, "no query has a '// visible:' line"
    problems = _lint_rendered(tmp_path, {name: library(name, restricted=True, **SAMPLE_IDENTIFIERS) for name in names})
    assert not problems, f"Neo4j's Cypher front end rejects restricted queries: {problems}"


def test_locking_queries_pass_neo4j_frontend(tmp_path: Path):
    """Queries with a ``// lock:`` line, as Neo4j runs them (the line turned into the
    locking write), pass the front end too."""
    from app.repositories.cypher import QueryLibrary, QueryTemplateError

    library = QueryLibrary("neo4j")
    names = library.locking()
    assert names, "no query has a '// lock:' line"
    texts = {}
    for name in names:
        try:
            texts[name] = library(name, **SAMPLE_IDENTIFIERS)
        except QueryTemplateError:  # a query repeating a block per type takes a list of them
            texts[name] = library(name, **{**SAMPLE_IDENTIFIERS, "rel_type": ["SPOUSE_OF", "REFERRER_OF"],
                                           "role_type": ["PRIMARY_CONTACT_AT"]})
        assert "rapport_lock" in texts[name], f"{name}: its '// lock:' line was not rendered for Neo4j"
    problems = _lint_rendered(tmp_path, texts)
    assert not problems, f"Neo4j's Cypher front end rejects locking queries: {problems}"
