"""The workspace's relationship map in headless Chromium: time from opening a client's page to
a drawn map, at about 50 and at 500 entities (the network endpoint's default limit).

Loads a generated practice into a throwaway embedded store (app/services/generator.py, the
import's bulk path), serves the API and workspace with uvicorn, picks a client whose ego
network at some depth holds about 50 entities and one whose network reaches the 500 limit,
and times in Chromium (Debian's, as the tests use it):

* cold: loading /ui/#/clients/ID?depth=D in a fresh tab (page, scripts, API calls, layout,
  first paint) until the map is drawn;
* warm: the same page reached by a link from another view of a loaded workspace;
* peer: the API's own answer for the same network (GET /clients/ID/network), from Python.

"Drawn" is the map's ``data-map-state=drawn``: the layout (concentric) has stopped and a frame
has been painted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bootstrap import Services  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.domain.access import LOCAL_OPERATOR  # noqa: E402
from app.main import create_app  # noqa: E402
from app.repositories.factory import open_store  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.transfer import load_generated_practice  # noqa: E402
from bench.stores import conditions  # noqa: E402
from tests.workspace.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402


def find_targets(api: httpx.Client, sizes: list[int], clients: int) -> dict[int, tuple[str, int, int]]:
    """For each wanted size, (client id, depth, nodes) of the client whose network is closest to it."""
    best: dict[int, tuple[str, int, int]] = {}
    ids = [c["id"] for c in api.get("/clients", params={"limit": clients}).json()["items"]]
    for depth in (1, 2, 3):
        for client_id in ids:
            nodes = len(api.get(f"/clients/{client_id}/network", params={"depth": depth}).json()["nodes"])
            for size in sizes:
                if size not in best or abs(nodes - size) < abs(best[size][2] - size):
                    best[size] = (client_id, depth, nodes)
            if all(abs(best[s][2] - s) <= s * 0.1 for s in sizes):
                return best
    return best


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--clients", type=int, default=60, help="clients tried when looking for networks of those sizes")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    import uvicorn

    with ExitStack() as cleanup:
        data_dir = Path(tempfile.mkdtemp(prefix="rapport-wb-"))
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        settings = Settings(data_dir=data_dir, sample_data="no")
        opened = open_store(settings)
        cleanup.callback(opened.close)
        repository = PracticeRepository(opened.store)
        started = time.perf_counter()
        load_generated_practice(repository, args.entities, args.relationships, caller=LOCAL_OPERATOR, seed=args.seed)
        print(f"workspace_bench: {args.entities:,} entities, {args.relationships:,} relationships loaded in "
              f"{time.perf_counter() - started:.1f} s; {conditions()}")
        key = Services(repository).access().bootstrap_admin(name="Bench Admin").key
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(settings, opened=opened), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        cleanup.callback(thread.join, 10)
        cleanup.callback(setattr, server, "should_exit", True)
        url = f"http://127.0.0.1:{port}"
        api = cleanup.enter_context(httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120))
        targets = find_targets(api, args.sizes, clients=args.clients)
        playwright = cleanup.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        cleanup.callback(browser.close)
        for size, (client_id, depth, nodes) in sorted(targets.items()):
            route = f"/clients/{client_id}?depth={depth}"
            cold, warm, peer = [], [], []
            for _ in range(args.repeat):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(f"sessionStorage.setItem('rapport.apiKey', {key!r})")
                page = context.new_page()
                began = time.perf_counter()
                page.goto(f"{url}/ui/#{route}")
                page.wait_for_selector("#map[data-map-state=drawn]", timeout=120_000)
                cold.append(time.perf_counter() - began)
                page.evaluate("() => { location.hash = '#/'; }")
                page.wait_for_selector("#search")
                began = time.perf_counter()
                page.evaluate("r => { location.hash = '#' + r; }", route)
                page.wait_for_selector("#map[data-map-state=drawn]", timeout=120_000)
                warm.append(time.perf_counter() - began)
                drawn = page.evaluate("() => document.querySelector('#map')._cyreg.cy.nodes().length")
                context.close()
                began = time.perf_counter()
                api.get(f"/clients/{client_id}/network", params={"depth": depth}).raise_for_status()
                peer.append(time.perf_counter() - began)
            print(f"~{size} entities: client {client_id}, depth {depth}, {nodes} nodes in the API's answer, {drawn} drawn")
            print(f"  cold page load to drawn map: {spread(cold)}")
            print(f"  warm (link from another view): {spread(warm)}")
            print(f"  peer, the API's network answer alone: {spread(peer)}")


if __name__ == "__main__":
    main()
