"""Drive every view of the workspace against a running service (typically a large generated
practice) in headless Chromium, and print per-view timings, console errors and failures.

    RAPPORT_DATA_DIR=/tmp/ws100k rapport demo --entities 100000 --relationships 300000 --seed 1
    RAPPORT_DATA_DIR=/tmp/ws100k rapport keys bootstrap --name "Check Admin"   # prints a key
    RAPPORT_DATA_DIR=/tmp/ws100k rapport serve --port 8123 &
    python bench/workspace_scale_check.py --url http://127.0.0.1:8123 --key rpk_... --repeat 3

It picks its subjects through the API: a client and one of its members, the client's busiest
neighbour on the map (for expand, "more" and undo), the practice's top referral source, a
person to introduce, and makes a scoring run and a tier run when none is stored
(``--make-runs``, timed). Each view is reached as a link does (a hash change in a signed-in
tab) and timed until it says it is ready (``data-view-state=ready``, and a drawn map where it
has one); the API's own answer for the view's main request is timed next to it as the peer.
A view that shows an error, logs a console error, or is not ready within ``--timeout``
seconds is reported as failed; the script exits 1 if any did.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Error as BrowserError
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stores import conditions
from tests.workspace.conftest import CHROMIUM, CHROMIUM_ARGS

READY = "main .view[data-view-state=ready]"
PATHS = {"client": "clients", "person": "people", "team_member": "team-members", "provider": "providers", "division": "divisions"}
DONE = "main .view[data-view-state=ready], main .view[data-view-state=failed]"


@dataclass
class Outcome:
    times: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def cy_count(page: Any, selector: str = "#map") -> int:
    return page.evaluate("s => document.querySelector(s)._cyreg.cy.nodes().length", selector)


class Check:
    def __init__(self, url: str, key: str, timeout_s: float) -> None:
        self.url = url
        self.api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=600)
        self.key = key
        self.timeout_ms = timeout_s * 1000
        self.results: dict[str, Outcome] = {}

    # -- subjects ------------------------------------------------------------------------------
    def timed_get(self, path: str, **params: Any) -> tuple[Any, float]:
        began = time.perf_counter()
        answer = self.api.get(path, params=params)
        answer.raise_for_status()
        return answer.json(), time.perf_counter() - began

    def subjects(self, make_runs: bool) -> dict[str, Any]:
        s: dict[str, Any] = {}
        for what, path in (("scoring run", "/analytics/runs"), ("tier run", "/tiers/runs")):
            if not self.api.get(path, params={"limit": 1}).json():
                if not make_runs:
                    raise SystemExit(f"no {what} stored: pass --make-runs (or POST {path})")
                began = time.perf_counter()
                self.api.post(path, json={}).raise_for_status()
                print(f"made a {what} in {time.perf_counter() - began:.1f} s")
        # The busiest entity among the 50 most influential (by degree): its page meets the
        # network's cap, and expanding it from a neighbour pages through its neighbours.
        run = self.api.get("/analytics/runs", params={"limit": 1}).json()[0]
        scores = self.api.get(f"/analytics/runs/{run['id']}/scores", params={"limit": 50}).json()["items"]
        busy = max((x for x in scores if x["kind"] != "client"), key=lambda x: x["raw"]["degree"])
        s["busy"] = {"id": busy["entity_id"], "kind": busy["kind"], "name": busy["name"], "degree": int(busy["raw"]["degree"])}
        around = self.api.get(f"/{PATHS[busy['kind']]}/{busy['entity_id']}/network", params={"depth": 1}).json()
        for node in around["nodes"]:
            if node["kind"] != "client":
                continue
            detail = self.api.get(f"/clients/{node['id']}").json()
            if detail["members"]:
                s["client"], s["person"] = detail, detail["members"][0]["person"]
                break
        else:
            raise SystemExit(f"no client with members next to {busy['name']}")
        # The owner of most of the first 1,000 clients: a page with thousands of relationships.
        owners = Counter(c["owner_id"] for c in self.api.get("/clients", params={"limit": 500}).json()["items"] if c["owner_id"])
        s["owner"] = self.api.get(f"/team-members/{owners.most_common(1)[0][0]}").json()
        top = self.api.get("/analytics/referrals/top-sources", params={"n": 1}).json()["sources"]
        s["referrer"] = top[0]["entity_id"] if top else s["person"]["id"]
        s["search"] = s["person"]["name"].split()[-1][:5]
        return s

    # -- one view --------------------------------------------------------------------------------
    def visit(self, tab: Any, name: str, route: str, *, wait: str | None = None,
              peer: Callable[[], float] | None = None, whole: bool = True) -> float | None:
        """Reach ``route`` by a hash change and time it until ready (``whole``; else only until
        ``wait`` shows); None when it failed."""
        page, errors = tab
        outcome = self.results.setdefault(name, Outcome())
        page.evaluate("() => { location.hash = '#/__away'; }")
        page.wait_for_selector("main .error")  # the no-such-page view: the last view is gone
        errors.clear()
        began = time.perf_counter()
        page.evaluate("r => { location.hash = '#' + r; }", route)
        try:
            if whole:
                page.wait_for_selector(DONE, timeout=self.timeout_ms)
            if wait:
                page.wait_for_selector(wait, timeout=self.timeout_ms)
        except BrowserError as error:  # a timeout: reported, the rest still run
            outcome.failures.append(f"not ready in {self.timeout_ms / 1000:.0f} s ({type(error).__name__})")
            print(f"  {name}: FAILED", flush=True)
            return None
        elapsed = time.perf_counter() - began
        shown = page.locator("main .error")
        if shown.count():
            outcome.failures.append(f"shows an error: {shown.first.text_content()!r}")
            return None
        if errors:
            outcome.failures.append(f"console errors: {errors[:3]}")
            errors.clear()
            return None
        outcome.times.append(elapsed)
        if peer:
            outcome.peer.append(peer())
        print(f"  {name}: {elapsed:.2f} s", flush=True)
        return elapsed

    def act(self, tab: Any, name: str, action: Callable[[], None], until: str) -> float | None:
        """Time an action on the current view until the JavaScript condition ``until`` holds."""
        page, errors = tab
        outcome = self.results.setdefault(name, Outcome())
        errors.clear()
        began = time.perf_counter()
        try:
            action()
            page.wait_for_function(until, timeout=self.timeout_ms)
        except BrowserError as error:
            outcome.failures.append(f"not done in {self.timeout_ms / 1000:.0f} s ({type(error).__name__}: {str(error)[:200]})")
            return None
        elapsed = time.perf_counter() - began
        if errors:
            outcome.failures.append(f"console errors: {errors[:3]}")
            errors.clear()
            return None
        outcome.times.append(elapsed)
        print(f"  {name}: {elapsed:.2f} s", flush=True)
        return elapsed

    # -- every view ------------------------------------------------------------------------------
    def run_once(self, tab: Any, s: dict[str, Any]) -> None:
        page, _ = tab
        client, person = s["client"], s["person"]
        self.visit(tab, "search", f"/?q={s['search']}", wait="#results",
                   peer=lambda: self.timed_get("/people", name=s["search"], limit=20)[1])
        self.visit(tab, "client list", "/clients", wait="#client-list",
                   peer=lambda: self.timed_get("/clients", limit=50)[1])
        if self.visit(tab, "client list, filtered", "/clients?kind=business&stage=client", wait="#client-list",
                      peer=lambda: self.timed_get("/clients", limit=50, kind="business", stage="client")[1]) is not None:
            self.act(tab, "client list, next page", lambda: page.click("#next-page"),
                     "() => document.querySelector('#first-page') && document.querySelector('main .view[data-view-state=ready]')")

        cid = client["id"]
        self.visit(tab, "client page + map (depth 1)", f"/clients/{cid}", wait="#map[data-map-state=drawn]",
                   peer=lambda: self.timed_get(f"/clients/{cid}/network", depth=1)[1])
        self.results["client page + map (depth 1)"].notes = [f"{client['name']}: {cy_count(page)} entities drawn"]
        # Expand the busy neighbour: its first page (25), then "more", then undo.
        busy = s["busy"]
        before = cy_count(page)
        # (in braces: an arrow returning the collection would have Playwright serialise all of Cytoscape)
        emit = f"() => {{ document.querySelector('#map')._cyreg.cy.getElementById({busy['id']!r}).emit('dbltap'); }}"
        grown = "() => document.querySelector('#map')._cyreg.cy.nodes().length > {} && document.querySelector('#map').dataset.mapState === 'drawn'"
        if self.act(tab, "map: expand a busy node", lambda: page.evaluate(emit), grown.format(before)) is not None:
            after_first = cy_count(page)
            self.act(tab, "map: 25 more", lambda: page.click("#map-banner .more-button"), grown.format(after_first))
            self.results["map: 25 more"].notes = [
                f"{busy['name']} ({busy['kind']}, degree {busy['degree']}); banner: " + " ".join(page.text_content("#map-banner").split())[:200]]
            self.act(tab, "map: undo", lambda: page.click("#map-undo"),
                     f"() => document.querySelector('#map')._cyreg.cy.nodes().length === {after_first}")
        bid = busy["id"]
        self.visit(tab, "busy entity's page (network cap)", f"/{PATHS[busy['kind']]}/{bid}", wait="#map[data-map-state=drawn]",
                   peer=lambda: self.timed_get(f"/{PATHS[busy['kind']]}/{bid}/network", depth=1)[1])
        self.results["busy entity's page (network cap)"].notes = [
            f"{cy_count(page)} drawn; banner: " + " ".join(page.text_content("#map-banner").split())[:200]]
        self.visit(tab, "client map depth 2", f"/clients/{cid}?depth=2", wait="#map[data-map-state=drawn]",
                   peer=lambda: self.timed_get(f"/clients/{cid}/network", depth=2)[1])
        self.results["client map depth 2"].notes = [
            f"{cy_count(page)} drawn; banner: " + " ".join(page.text_content("#map-banner").split())[:160]]

        oid = s["owner"]["id"]
        self.visit(tab, "busiest owner's page", f"/team-members/{oid}", wait="#map[data-map-state=drawn]",
                   peer=lambda: self.timed_get(f"/team-members/{oid}/relationships", include_ended="true")[1])
        self.results["busiest owner's page"].notes = [
            f"{s['owner']['name']}: {page.locator('#relationships-active li').count()} relationships drawn; "
            + " ".join((page.text_content("#relationships-active + button.show-more") or "").split())]
        pid = person["id"]
        self.visit(tab, "person page + map", f"/people/{pid}", wait="#map[data-map-state=drawn]",
                   peer=lambda: self.timed_get(f"/people/{pid}/network", depth=1)[1])
        rid = s["referrer"]
        self.visit(tab, "referral chain", f"/referrals/{rid}",
                   wait="#tree-map[data-map-state=drawn], main .view[data-view-state=ready] p.muted",
                   peer=lambda: self.timed_get(f"/analytics/referrals/{rid}/tree", depth=3)[1])
        self.results["referral chain"].notes = [" ".join((page.text_content("main .totals") or "").split())[:160]]
        self.visit(tab, "introductions, from every team member", f"/introductions?target={pid}&k=3",
                   wait="#intro-map[data-map-state=drawn], main .view[data-view-state=ready] p.muted",
                   peer=lambda: self.timed_get("/analytics/introductions", target_id=pid, k=3)[1])
        self.visit(tab, "influencers (ranked)", "/influencers", wait="#scores")
        self.visit(tab, "influencers (differences)", "/influencers?tab=differences", wait="#scores, main p.muted")
        self.visit(tab, "key-person risk", "/risk", wait="#key-people, #bridges, main p.muted",
                   peer=lambda: self.timed_get("/analytics/key-person-risk")[1])
        self.results["key-person risk"].notes = [" ".join(page.locator("main h2").all_text_contents())]
        self.visit(tab, "tiers and service: the tier run", "/service", wait="#tier-run table", whole=False)
        page.wait_for_selector(DONE, timeout=self.timeout_ms)
        self.visit(tab, "tiers and service: every section", "/service", wait="#tier-run table",
                   peer=lambda: self.timed_get("/service/overdue")[1] + self.timed_get("/service/upcoming-dates", days=30)[1])
        self.results["tiers and service: every section"].notes = [
            f"{page.locator('main tr').count()} table rows drawn; " + " · ".join(
                " ".join(t.split())[:80] for t in page.locator("main section.panel > h2, main section.panel > p:first-of-type").all_text_contents())]

    def report(self) -> bool:
        ok = True
        print(f"\n{'view':42} {'runs':>4}  {'median':>7}  {'min-max':>15}  {'peer (API) median':>17}")
        for name, outcome in self.results.items():
            if outcome.times:
                t = outcome.times
                line = f"{name:42} {len(t):>4}  {statistics.median(t):6.2f}s  {min(t):6.2f}-{max(t):6.2f}s"
                line += f"  {statistics.median(outcome.peer):16.2f}s" if outcome.peer else ""
            else:
                line = f"{name:42} {0:>4}  {'-':>7}"
            print(line)
            for note in outcome.notes:
                print(f"    {note}")
            for failure in outcome.failures:
                ok = False
                print(f"    FAILED: {failure}")
        return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default=os.environ.get("RAPPORT_KEY"), help="an admin's API key (or RAPPORT_KEY)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120, help="seconds a view may take before it counts as failed")
    parser.add_argument("--make-runs", action="store_true", help="make a scoring run and a tier run when none is stored")
    args = parser.parse_args()
    if not args.key:
        parser.error("--key (or RAPPORT_KEY) is required")
    check = Check(args.url.rstrip("/"), args.key, args.timeout)
    health = check.api.get("/health").json()
    started = time.perf_counter()
    s = check.subjects(args.make_runs)
    print(f"workspace_scale_check: {args.url}; {health}; {conditions()}")
    print(f"subjects chosen in {time.perf_counter() - started:.1f} s: client {s['client']['name']}, person "
          f"{s['person']['name']}, busy {s['busy']['name']} (degree {s['busy']['degree']}), referrer {s['referrer']}, "
          f"search {s['search']!r}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(f"sessionStorage.setItem('rapport.apiKey', {args.key!r})")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        began = time.perf_counter()
        page.goto(f"{check.url}/ui/#/")
        page.wait_for_selector(READY, timeout=check.timeout_ms)
        print(f"first load of the workspace (signed in, search view): {time.perf_counter() - began:.2f} s")
        for run in range(args.repeat):
            began = time.perf_counter()
            check.run_once((page, errors), s)
            print(f"run {run + 1} of {args.repeat}: {time.perf_counter() - began:.1f} s; {conditions()}")
        browser.close()
    sys.exit(0 if check.report() else 1)


if __name__ == "__main__":
    main()
