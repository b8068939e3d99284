"""Browser tests of the workspace: headless Chromium (Debian's, at /usr/bin/chromium) driven by
Playwright, against one uvicorn server over the sample practice.

They run on the embedded FalkorDB store only: the API under them is tested on both stores by
tests/api; here the subject is the page. One server, one browser and one practice serve the
whole session (a fresh browser context per test), so the set stays fast.

Without Chromium or Playwright the tests are skipped with the reason, except under ``CI`` or
``RAPPORT_REQUIRE_BROWSER=1`` (set by tools/test-all), where they fail instead.
"""

from __future__ import annotations

import datetime
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from falkordb import FalkorDB

from app.bootstrap import Services
from app.core.config import Settings
from app.main import create_app
from app.repositories.embedded_falkordb import EmbeddedFalkorDB
from app.repositories.factory import OpenStore
from app.repositories.falkordb_store import FalkorGraphStore

CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
#: Flags that work in our sandbox (../shared/ui-notes.md): without the background-networking
#: ones Chromium keeps trying hosts it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
XSS_NAME = "<img src=x onerror=alert(1)>"
#: How long any one wait may take (Playwright's default is 30 s): every wait is for a condition,
#: and a loaded 2-core CI machine may take longer than 30 s to meet one (a first scoring-graph
#: read, a layout while other tests run); a wait that never ends still fails.
WAIT_MS = 120_000
#: The view of the current route has drawn what it waits for (app.js marks each view with its
#: route and state), so a wait cannot be met by the view that was there before.
VIEW_DONE = """() => { const v = document.querySelector('main .view');
  return !!v && v.dataset.route === (location.hash.slice(1) || '/') && v.dataset.viewState !== 'loading'; }"""
#: A provider with more staff than one page of an expansion (25).
BUSY_PROVIDER, BUSY_STAFF = "Northgate Platform", 30


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; tools/test-all installs it)"
    return None


def browser_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("RAPPORT_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    problem = browser_problem()
    if problem:
        if browser_required():
            pytest.fail(f"browser tests are required here (CI or RAPPORT_REQUIRE_BROWSER=1) but {problem}", pytrace=False)
        pytest.skip(f"browser tests skipped: {problem}")
    from playwright.sync_api import sync_playwright

    # Playwright gives the browser a fresh, throwaway profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Practice:
    """The served sample practice: its URL, keys by who holds them, and ids by name."""

    url: str
    keys: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)

    def api(self, who: str = "admin") -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.keys[who]}"}, timeout=60)


def _ids(api: httpx.Client, path: str) -> dict[str, str]:
    return {item["name"]: item["id"] for item in api.get(f"/{path}", params={"limit": 500}).json()["items"]}


def _prepare(practice: Practice) -> None:
    """Keys for the team, an injected-looking client name, a scoring run, a tier run, and service records."""
    with practice.api() as api:
        team = _ids(api, "team-members")
        for who, name in (("mark", "Mark Davies"), ("lee", "Lee Chen"), ("anna", "Anna Shaw"), ("omar", "Omar Haddad")):
            answer = api.post("/api-keys", json={"team_member_id": team[name], "name": "browser tests"})
            practice.keys[who] = answer.raise_for_status().json()["key"]
        xss = api.post("/clients", json={"name": XSS_NAME, "kind": "individual", "owner_id": team["Anna Shaw"], "stage": "prospect"})
        xss.raise_for_status()
        api.post("/relationships", json={"type": "ADVISER_OF", "from_id": team["Anna Shaw"], "to_id": xss.json()["id"]}).raise_for_status()
        busy = api.post("/providers", json={"name": BUSY_PROVIDER, "kind": "product_provider"}).raise_for_status().json()
        staff = [api.post("/people", json={"first_name": f"Staff{n:02d}", "last_name": "Northgate"}).raise_for_status().json()
                 for n in range(BUSY_STAFF)]
        api.post("/relationships/batch", json={"relationships": [
            {"type": "WORKS_AT", "from_id": person["id"], "to_id": busy["id"]} for person in staff]}).raise_for_status()
        practice.ids[BUSY_PROVIDER] = busy["id"]
        clients, people = _ids(api, "clients"), _ids(api, "people")
        practice.ids.update({**team, **clients, **people})
        elliott = clients["Elliott Household"]
        api.patch(f"/clients/{elliott}", json={"tier": "AA", "influencer_segment": "critical"}).raise_for_status()
        api.post(f"/clients/{elliott}/touches", json={"date": "2026-11-02", "kind": "meeting", "notes": "Annual review <b>bold</b>"}).raise_for_status()
        api.post(f"/clients/{elliott}/service-requests", json={"date": "2026-11-20", "kind": "paperwork", "notes": "New pension transfer forms"}).raise_for_status()
        soon = (datetime.date.today() + datetime.timedelta(days=9)).isoformat()
        api.post(f"/clients/{elliott}/important-dates", json={"kind": "review", "date": soon, "notes": "Yearly review"}).raise_for_status()
        api.post("/analytics/runs", json={}).raise_for_status()
        api.post("/tiers/runs", json={}).raise_for_status()


@pytest.fixture(scope="session")
def practice(falkordb_server: EmbeddedFalkorDB) -> Iterator[Practice]:
    """The API and workspace on a free port, over a fresh sample practice on the embedded store."""
    import uvicorn

    connection = FalkorDB(unix_socket_path=str(falkordb_server.socket_path))
    store = FalkorGraphStore(connection, f"ui_{uuid.uuid4().hex[:12]}", copy_guard=falkordb_server.one_fork)
    store.ensure_schema()
    app = create_app(Settings(sample_data="yes"), opened=OpenStore(store))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    issued = Services.over(store).access().bootstrap_admin(name="Ada Admin")
    served = Practice(url=f"http://127.0.0.1:{port}", keys={"admin": issued.key})
    _prepare(served)
    yield served
    server.should_exit = True
    thread.join(timeout=10)
    connection.select_graph(store.graph_name).delete()
    connection.connection.close()


class Tab:
    """A signed-in page, with every console error, page error and dialog it met."""

    def __init__(self, page: Any, practice: Practice) -> None:
        self.page = page
        self.practice = practice
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, route: str = "/", *, drawn: str | None = None) -> Any:
        """Load the workspace at ``route`` and wait for its view; with ``drawn``, also for that map."""
        # Only the fragment may change (same page): then no load event comes, and the old view
        # stays until the new one replaces it; the wait is for the new route's view.
        self.page.goto(f"{self.practice.url}/ui/#{route}")
        self.page.wait_for_selector("#signed-in-as")
        self.wait_view()
        if drawn:
            self.page.wait_for_selector(f"{drawn}[data-map-state=drawn]")
        return self.page

    def go(self, route: str) -> Any:
        """Another view of the same signed-in page (a hash change, as a link does), waited for."""
        self.page.evaluate("route => { location.hash = route; }", route)
        self.wait_view()
        return self.page

    def wait_view(self) -> None:
        """Until the view of the route now in the address bar has drawn (or failed)."""
        self.page.wait_for_function(VIEW_DONE)

    def pick(self, picker: str, typed: str, name: str) -> None:
        """Choose ``name`` in the entity picker whose input has id ``picker``, found by ``typed``."""
        self.page.fill(f"#{picker}", typed)
        self.page.press(f"#{picker}", "Enter")
        self.page.click(f"#{picker}-hits button:text-is({name!r})")

    def screenshot(self, name: str) -> None:
        """Saved only when RAPPORT_SCREENSHOTS names a directory (the README's come from here)."""
        directory = os.environ.get("RAPPORT_SCREENSHOTS")
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(directory) / f"{name}.png"))


def new_context(chromium: Any) -> Any:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    return context


@pytest.fixture
def signed_in(chromium: Any, practice: Practice) -> Iterator[Any]:
    """``signed_in("mark")``: a fresh browser context holding that team member's key for the tab."""
    contexts = []

    def make(who: str = "admin") -> Tab:
        context = new_context(chromium)
        contexts.append(context)
        # As the sign-in form leaves it: the key in this tab's sessionStorage only.
        context.add_init_script(f"sessionStorage.setItem('rapport.apiKey', {practice.keys[who]!r})")
        return Tab(context.new_page(), practice)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tab(chromium: Any, practice: Practice) -> Iterator[Tab]:
    """A fresh browser context, not signed in."""
    context = new_context(chromium)
    yield Tab(context.new_page(), practice)
    context.close()


@pytest.fixture
def owner_hierarchy(practice: Practice) -> Iterator[None]:
    """The practice in owner-hierarchy visibility for one test."""
    with practice.api() as api:
        api.patch("/practice-settings", json={"visibility": "owner_hierarchy"}).raise_for_status()
        yield
        api.patch("/practice-settings", json={"visibility": "open"}).raise_for_status()
