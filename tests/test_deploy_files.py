"""docker-compose.yml and the Dockerfile, checked without a Docker engine.

What can be checked from the files alone: the compose file parses; every ``RAPPORT_*``
variable given to the API is one the settings class reads (names derived from
``Settings``, not listed here) and its value is one the settings accept; the Neo4j image is
the 5.x line the test server runs (tools/neo4j/pom.xml); the API's Neo4j user, password,
database and address are those the neo4j service has; the Dockerfile installs this
repository's own package, with everything it reads at run time; and its command starts the
service as ``rapport serve`` does, reachable from outside the container.

Each check is a function over the parsed files, so the tests at the end can show it
rejecting a broken copy: none of them passes whatever the files say.
"""

from __future__ import annotations

import copy
import os
import json
import re
import shlex
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import uvicorn
import yaml
from packaging.specifiers import SpecifierSet
from pydantic import SecretStr
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from app.repositories.cypher import CYPHER_DIR

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
TEST_SERVER_POM = ROOT / "tools" / "neo4j" / "pom.xml"
CONFTEST = ROOT / "tests" / "conftest.py"
#: What an operator exports before ``docker compose up`` (the file's own comment says so).
OPERATOR_ENV = {"NEO4J_PASSWORD": "a-Compose-Password-42"}
NEO4J_BOLT_PORT = 7687


# --- reading the files -------------------------------------------------------------------


def interpolate(value: object, env: dict[str, str]) -> str:
    """Compose's variable substitution: ``$$``, ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
    ``${VAR-default}``, ``${VAR:?message}``, ``${VAR?message}``. A required one that is
    missing raises ``KeyError``, as compose refuses to start."""
    pattern = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")

    def substitute(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(5)
        operator, argument = match.group(3), match.group(4) or ""
        present = name in env and (env[name] != "" or operator in ("-", "?"))
        if operator and operator.endswith("-"):
            return env[name] if present else argument
        if operator and operator.endswith("?"):
            if not present:
                raise KeyError(f"{name} is required: {argument}")
            return env[name]
        return env.get(name, "")

    return pattern.sub(substitute, str(value))


def environment(service: dict, env: dict[str, str]) -> dict[str, str]:
    """A service's ``environment`` (map or list form), interpolated."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, env.get(item, "")) for item in raw)
    return {name: interpolate("" if value is None else value, env) for name, value in raw.items()}


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def exec_form(arguments: str) -> list[str] | None:
    """The JSON array of an exec-form CMD/ENTRYPOINT, or None for the shell form."""
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(a, str) for a in value) else None


def dockerfile_env(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, arguments in instructions:
        if keyword == "ENV":
            if "=" in arguments.split()[0]:
                for pair in shlex.split(arguments):
                    name, _, value = pair.partition("=")
                    env[name] = value
            else:
                name, _, value = arguments.partition(" ")
                env[name] = value.strip()
    return env


def settings_env_names() -> set[str]:
    """The environment variable names ``Settings`` reads: its prefix plus each field's name
    (or the field's own alias), upper-cased, as pydantic-settings matches them without case."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names.add((alias or prefix + name).upper())
    return names


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings the API process would build from exactly this environment."""
    prefix = Settings.model_config.get("env_prefix", "")
    for name in list(os.environ):
        if name.upper().startswith(prefix.upper()):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return parse_dockerfile(DOCKERFILE.read_text())


# --- the checks --------------------------------------------------------------------------


def api_and_neo4j(compose: dict) -> tuple[dict, dict]:
    services = compose.get("services") or {}
    built = [name for name, service in services.items() if "build" in service]
    assert len(built) == 1, f"expected one service built from this repository, got {built}"
    neo4j = [name for name, service in services.items() if str(service.get("image", "")).split(":")[0] == "neo4j"]
    assert len(neo4j) == 1, f"expected one neo4j service, got {neo4j}"
    return services[built[0]], services[neo4j[0]]


def check_api_builds_this_repository(compose: dict) -> None:
    api, _ = api_and_neo4j(compose)
    build = api["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (COMPOSE_FILE.parent / context / dockerfile).resolve() == DOCKERFILE.resolve(), build


def check_rapport_variables_are_settings(compose: dict, dockerfile: list[tuple[str, str]]) -> None:
    api, _ = api_and_neo4j(compose)
    prefix = Settings.model_config.get("env_prefix", "").upper()
    given = [*environment(api, OPERATOR_ENV), *dockerfile_env(dockerfile)]
    ours = {name for name in given if name.upper().startswith(prefix)}
    assert ours, "the API is given no RAPPORT_* variable at all"
    unknown = {name for name in ours if name.upper() not in settings_env_names()}
    assert not unknown, f"the settings class reads no such variable: {sorted(unknown)}"


def check_neo4j_image(compose: dict) -> None:
    _, neo4j = api_and_neo4j(compose)
    image = str(neo4j["image"])
    match = re.fullmatch(r"neo4j:(\d+)\.(\d+)(?:\.\d+)?(?:-(community|enterprise))?", image)
    assert match, f"{image!r}: name a Neo4j 5 release, e.g. neo4j:5.26-community (not latest, not untagged)"
    assert match.group(1) == "5", f"{image!r} is not Neo4j 5"
    tested = re.search(r"<neo4j\.version>(\d+)\.(\d+)\.", TEST_SERVER_POM.read_text())
    assert tested, "tools/neo4j/pom.xml names no neo4j.version"
    assert match.group(1, 2) == tested.group(1, 2), (
        f"{image!r} is not the line the test server runs (Neo4j {tested.group(1)}.{tested.group(2)})"
    )
    suite_image = re.search(r'^NEO4J_IMAGE = "([^"]+)"', CONFTEST.read_text(), re.M)
    assert suite_image and suite_image.group(1) == image, (
        f"{image!r} is not the image the suite's container fallback runs (tests/conftest.py NEO4J_IMAGE)"
    )
    if match.group(3) == "enterprise":
        assert environment(neo4j, OPERATOR_ENV).get("NEO4J_ACCEPT_LICENSE_AGREEMENT"), "enterprise needs its licence accepted"


def check_credentials_agree(compose: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    api, neo4j = api_and_neo4j(compose)
    services = compose["services"]
    neo4j_name = next(name for name, service in services.items() if service is neo4j)
    auth = environment(neo4j, OPERATOR_ENV).get("NEO4J_AUTH", "")
    assert "/" in auth and auth.lower() != "none", f"NEO4J_AUTH {auth!r}: the neo4j service must require a password"
    try:
        environment(neo4j, {})
    except KeyError:
        pass  # no NEO4J_PASSWORD exported, no start: never a default password
    else:
        raise AssertionError("NEO4J_AUTH has a default password: require it (${NEO4J_PASSWORD:?...})")
    user, password = auth.split("/", 1)
    settings = settings_from(environment(api, OPERATOR_ENV), monkeypatch)
    assert settings.store_kind == "neo4j", f"the API is not pointed at Neo4j: {settings.graph_url!r}"
    assert settings.neo4j_user == user, f"API user {settings.neo4j_user!r}, neo4j service user {user!r}"
    assert isinstance(settings.neo4j_password, SecretStr) and settings.neo4j_password.get_secret_value() == password, (
        "the API's RAPPORT_NEO4J_PASSWORD is not the neo4j service's NEO4J_AUTH password"
    )
    served = environment(neo4j, OPERATOR_ENV).get("NEO4J_initial_dbms_default__database", "neo4j")
    assert settings.neo4j_database == served, f"the API asks for database {settings.neo4j_database!r}, the server has {served!r}"
    address = urlsplit(settings.graph_url)
    assert address.hostname == neo4j_name and (address.port or NEO4J_BOLT_PORT) == NEO4J_BOLT_PORT, (
        f"{settings.graph_url!r} is not the neo4j service's Bolt port ({neo4j_name}:{NEO4J_BOLT_PORT})"
    )
    waits_for = api.get("depends_on") or {}
    condition = waits_for.get(neo4j_name, {}).get("condition") if isinstance(waits_for, dict) else None
    assert condition == "service_healthy" and neo4j.get("healthcheck"), "the API must wait for a healthy Neo4j"


def check_dockerfile_installs_this_package(dockerfile: list[tuple[str, str]]) -> None:
    workdir = PurePosixPath("/")
    copied: dict[str, PurePosixPath] = {}
    installs: list[list[str]] = []
    base = None
    for keyword, arguments in dockerfile:
        if keyword == "FROM":
            base = arguments.split()[0]
        elif keyword == "WORKDIR":
            workdir = workdir / arguments
        elif keyword in ("COPY", "ADD"):
            parts = exec_form(arguments) or [p for p in shlex.split(arguments) if not p.startswith("--")]
            sources, destination = parts[:-1], workdir / parts[-1]
            for source in sources:
                # A file into a directory keeps its name; a directory's contents go to the destination.
                into = parts[-1].endswith("/") or len(sources) > 1
                is_file = (ROOT / source).is_file()
                copied[PurePosixPath(source).as_posix()] = destination / PurePosixPath(source).name if is_file and into else destination
        elif keyword == "RUN":
            for command in re.split(r"&&|;|\|\|", arguments):
                words = shlex.split(command)
                runs_pip = any(re.fullmatch(r"pip3?(\.\d+)?", PurePosixPath(w).name) for w in words[:3])
                if runs_pip and "install" in words:
                    installs.append(words[words.index("install") + 1:])

    # The base image's Python must be one the project supports.
    python = re.fullmatch(r"python:(\d+\.\d+)(?:[.-].*)?", base or "")
    assert python, f"FROM {base!r}: expected an official python:X.Y image"
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(python.group(1) + ".0"), (
        f"{base} is outside requires-python {PYPROJECT['project']['requires-python']}"
    )

    # Exactly one install, of the copied project directory: never a name from a registry.
    assert len(installs) == 1, f"expected one pip install, got {installs}"
    words = installs[0]
    options_with_values = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links"}
    targets, editable, index = [], False, 0
    while index < len(words):
        word = words[index]
        if word in ("-e", "--editable"):
            editable = True
        elif word in options_with_values:
            raise AssertionError(f"pip install {' '.join(words)}: installs from {word} {words[index + 1]}, not this repository")
        elif not word.startswith("-"):
            targets.append(word)
        index += 1
    project_dir = workdir
    assert [PurePosixPath(project_dir, t.split("[")[0]) for t in targets] == [project_dir], (
        f"pip install {' '.join(words)}: must install this repository's copy ({project_dir}), nothing else"
    )

    # What that install and the running service read must have been copied, in place.
    needed = {"pyproject.toml", PYPROJECT["project"]["readme"]}
    includes = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()
                and any(re.fullmatch(i.replace("*", ".*"), p.name) for i in includes)}
    assert packages, "pyproject includes no package of this repository"
    needed |= packages
    # The query files live outside the packages (app/repositories/cypher.py finds them
    # beside app/): only an editable install of this copy keeps them where the code looks.
    query_dir = CYPHER_DIR.relative_to(ROOT)
    if not any(query_dir.parts[0] == package for package in packages):
        needed.add(str(query_dir))
        assert editable, (
            f"the wheel leaves {query_dir}/ out (it is no package): install the copy editable (-e .), "
            "or move the query files into a package"
        )
    for name in sorted(needed):
        assert name in copied, f"the Dockerfile does not copy {name}"
        assert copied[name] == project_dir / name, f"{name} is copied to {copied[name]}, not {project_dir / name}"


def run_serve(arguments: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch, where: Path) -> dict:
    """Run ``rapport ARGUMENTS`` through the real CLI in this environment, with uvicorn
    stubbed: what it would have started (uvicorn.run's arguments)."""
    started: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append({"app": app, **options}))
    settings_from(env, monkeypatch)  # the same environment; fails early on a bad value
    monkeypatch.chdir(where)  # no stray .env
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, f"`rapport {' '.join(arguments)}` failed: {result.output}"
    assert len(started) == 1, f"`rapport {' '.join(arguments)}` started no server"
    return started[0]


def check_command_serves(dockerfile: list[tuple[str, str]], compose: dict, monkeypatch: pytest.MonkeyPatch,
                         where: Path) -> None:
    commands = {keyword: arguments for keyword, arguments in dockerfile if keyword in ("CMD", "ENTRYPOINT")}
    assert "CMD" in commands or "ENTRYPOINT" in commands, "the image has no command"
    assert all(exec_form(a) is not None for a in commands.values()), (
        "CMD must be the exec form (a JSON array), so the service is PID 1 and gets SIGTERM"
    )
    argv = [*exec_form(commands.get("ENTRYPOINT", "[]")), *exec_form(commands.get("CMD", "[]"))]
    scripts = PYPROJECT["project"]["scripts"]
    assert argv and argv[0] in scripts and scripts[argv[0]] == "app.cli:main", f"{argv[:1]} is not this project's command"
    assert argv[1:2] == ["serve"], f"the container runs `{' '.join(argv)}`, not `rapport serve`"
    api, _ = api_and_neo4j(compose)
    env = {**dockerfile_env(dockerfile), **environment(api, OPERATOR_ENV)}
    reference = run_serve(["serve"], env, monkeypatch, where)
    started = run_serve(argv[1:], env, monkeypatch, where)
    assert started["app"] == reference["app"], f"the container runs `{' '.join(argv)}`, not `rapport serve`"
    assert started["host"] == "0.0.0.0", f"host {started['host']}: unreachable from outside the container"
    exposed = {int(a.split("/")[0]) for keyword, arguments in dockerfile if keyword == "EXPOSE" for a in arguments.split()}
    assert started["port"] in exposed, f"port {started['port']} is not EXPOSEd ({sorted(exposed)})"
    published = {int(str(p).rsplit(":", 1)[-1].split("/")[0]) for p in api.get("ports", [])}
    assert started["port"] in published, f"compose publishes {sorted(published)}, the API listens on {started['port']}"


# --- the tests ---------------------------------------------------------------------------


def test_compose_file_parses_and_builds_this_repository(compose):
    check_api_builds_this_repository(compose)


def test_every_rapport_variable_given_to_the_api_is_a_setting(compose, dockerfile, monkeypatch):
    check_rapport_variables_are_settings(compose, dockerfile)
    # And each value is one the settings accept (a bad scheme or choice fails here).
    api, _ = api_and_neo4j(compose)
    settings_from({**dockerfile_env(dockerfile), **environment(api, OPERATOR_ENV)}, monkeypatch)


def test_neo4j_image_is_the_tested_5_x_line(compose):
    check_neo4j_image(compose)


def test_api_credentials_database_and_address_are_the_neo4j_service_s(compose, monkeypatch):
    check_credentials_agree(compose, monkeypatch)


@pytest.mark.neo4j
def test_a_lone_neo4j_routes_the_api_back_to_the_compose_address(compose, neo4j_driver, monkeypatch):
    """The API's ``neo4j://`` URL makes the driver ask for a routing table; a single Neo4j
    answers with the address the client used (the compose service name), whatever it
    advertises itself (the test server advertises 127.0.0.1), so no advertised-address
    setting is needed in compose. Checked on the real server."""
    api, _ = api_and_neo4j(compose)
    address = urlsplit(settings_from(environment(api, OPERATOR_ENV), monkeypatch).graph_url)
    if address.scheme not in ("neo4j", "neo4j+s", "neo4j+ssc"):
        pytest.skip(f"{address.scheme}:// connects directly, without a routing table")
    asked = f"{address.hostname}:{address.port or NEO4J_BOLT_PORT}"
    record = neo4j_driver.execute_query(
        "CALL dbms.routing.getRoutingTable($context, 'neo4j') YIELD servers RETURN servers", context={"address": asked}
    ).records[0]
    assert {role["role"]: role["addresses"] for role in record["servers"]} == {
        "WRITE": [asked], "READ": [asked], "ROUTE": [asked],
    }


def test_dockerfile_installs_this_repository_s_package(dockerfile):
    check_dockerfile_installs_this_package(dockerfile)


def test_dockerfile_command_is_rapport_serve_reachable_on_the_published_port(dockerfile, compose, monkeypatch, tmp_path):
    check_command_serves(dockerfile, compose, monkeypatch, tmp_path)


# The checks reject broken copies: each edit below is a mistake the files could acquire.


def _compose_with(compose: dict, edit) -> dict:
    broken = copy.deepcopy(compose)
    edit(broken)
    return broken


def _api(compose: dict) -> dict:
    return api_and_neo4j(compose)[0]


def _neo4j(compose: dict) -> dict:
    return api_and_neo4j(compose)[1]


def test_settings_names_come_from_the_settings_class():
    names = settings_env_names()
    assert "RAPPORT_GRAPH_URL" in names and "RAPPORT_NEO4J_PASSWORD" in names
    assert len(names) == len(Settings.model_fields)


@pytest.mark.parametrize("edit", [
    lambda c: _api(c)["environment"].update(RAPPORT_NEO4J_PASSWROD="x"),
    lambda c: _api(c)["environment"].update(RAPPORT_GRAPH_URI="neo4j://neo4j:7687"),
], ids=["misspelt-password", "uri-for-url"])
def test_an_unknown_rapport_variable_is_rejected(compose, dockerfile, edit):
    with pytest.raises(AssertionError, match="no such variable"):
        check_rapport_variables_are_settings(_compose_with(compose, edit), dockerfile)


def test_a_variable_list_form_is_read_too(compose, dockerfile):
    def as_list(c):
        _api(c)["environment"] = [f"{k}={v}" for k, v in _api(c)["environment"].items()] + ["RAPPORT_WORKERS=2"]
    with pytest.raises(AssertionError, match="RAPPORT_WORKERS"):
        check_rapport_variables_are_settings(_compose_with(compose, as_list), dockerfile)


@pytest.mark.parametrize("image", [
    "neo4j:4.4-community", "neo4j:latest", "neo4j", "neo4j:2025.01-community", "neo4j:5.20-community", "neo4j:5.26-enterprise",
])
def test_another_neo4j_image_is_rejected(compose, image):
    with pytest.raises(AssertionError):
        check_neo4j_image(_compose_with(compose, lambda c: _neo4j(c).update(image=image)))


@pytest.mark.parametrize("edit", [
    lambda c: _api(c)["environment"].update(RAPPORT_NEO4J_PASSWORD="${OTHER_PASSWORD:-neo4j-password}"),
    lambda c: _api(c)["environment"].update(RAPPORT_NEO4J_USER="rapport"),
    lambda c: _neo4j(c)["environment"].update(NEO4J_AUTH="none"),
    lambda c: _neo4j(c)["environment"].update(NEO4J_AUTH="neo4j/${NEO4J_PASSWORD:-changeme}"),
    lambda c: _api(c)["environment"].update(RAPPORT_NEO4J_DATABASE="rapport"),
    lambda c: _api(c)["environment"].update(RAPPORT_GRAPH_URL="neo4j://localhost:7687"),
    lambda c: _api(c)["environment"].pop("RAPPORT_GRAPH_URL"),
    lambda c: _api(c).pop("depends_on"),
], ids=["password", "user", "no-auth", "default-password", "database", "address", "embedded", "no-wait"])
def test_disagreeing_credentials_are_rejected(compose, monkeypatch, edit):
    with pytest.raises(AssertionError):
        check_credentials_agree(_compose_with(compose, edit), monkeypatch)


@pytest.mark.parametrize("replace", [
    ("RUN pip install --no-cache-dir -e .", "RUN pip install --no-cache-dir rapport"),
    ("RUN pip install --no-cache-dir -e .", "RUN pip install --no-cache-dir ."),
    ("RUN pip install --no-cache-dir -e .", "RUN pip install --no-cache-dir -r requirements.txt"),
    ("COPY cypher ./cypher\n", ""),
    ("COPY analytics ./analytics", "COPY analytics ./lib/analytics"),
    ("FROM python:3.11-slim", "FROM python:3.10-slim"),
], ids=["from-registry", "not-editable", "requirements", "no-queries", "moved-package", "old-python"])
def test_a_dockerfile_that_installs_something_else_is_rejected(replace):
    text = DOCKERFILE.read_text()
    assert replace[0] in text, f"the test's premise is stale: {replace[0]!r} is no longer in the Dockerfile"
    with pytest.raises(AssertionError):
        check_dockerfile_installs_this_package(parse_dockerfile(text.replace(*replace)))


@pytest.mark.parametrize("replace", [
    ('"--host", "0.0.0.0", ', ""),
    ('"--port", "8000"', '"--port", "8080"'),
    ('["rapport", "serve"', '["uvicorn", "app.main:app"'),
    ('"serve"', '"demo"'),
    ('CMD ["rapport", "serve", "--host", "0.0.0.0", "--port", "8000"]', "CMD rapport serve --host 0.0.0.0 --port 8000"),
    ('"--port", "8000"', '"--prot", "8000"'),
], ids=["local-host", "unpublished-port", "not-rapport", "other-command", "shell-form", "unknown-option"])
def test_a_command_that_is_not_rapport_serve_is_rejected(compose, monkeypatch, tmp_path, replace):
    text = DOCKERFILE.read_text()
    assert replace[0] in text, f"the test's premise is stale: {replace[0]!r} is no longer in the Dockerfile"
    with pytest.raises(AssertionError):
        check_command_serves(parse_dockerfile(text.replace(*replace)), compose, monkeypatch, tmp_path)
