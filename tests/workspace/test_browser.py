"""The workspace in headless Chromium: sign-in, search and lists, a client's page and map
(expand, page, undo, collapse), referral trees, introductions, influencers, access rules and
injected names. Runs on the embedded FalkorDB store only (see conftest.py)."""

from __future__ import annotations

import re

import pytest

from workspace.conftest import BUSY_PROVIDER, BUSY_STAFF, XSS_NAME

pytestmark = pytest.mark.browser


def map_size(page, selector: str = "#map") -> tuple[int, int]:
    """(nodes, edges) drawn on a Cytoscape map (the instance Cytoscape keeps on its container)."""
    return tuple(page.evaluate(
        "s => { const cy = document.querySelector(s)._cyreg.cy; return [cy.nodes().length, cy.edges().length]; }", selector))


def node_names(page, selector: str = "#map") -> set[str]:
    return set(page.evaluate("s => document.querySelector(s)._cyreg.cy.nodes().map(n => n.data('name'))", selector))


def double_click_node(page, node_id: str, selector: str = "#map") -> None:
    """A double-click on the node where it is drawn, as the browser delivers one: mouse events
    at that point, the second click within Cytoscape's double-click window (250 ms).

    Dispatched in the page in one go: Playwright's own dblclick sends each of its four events on
    a round trip from the test, and on a loaded machine two of those can take longer than the
    window, so Cytoscape saw two single clicks and nothing was expanded (a flaky failure)."""
    page.locator(selector).scroll_into_view_if_needed()
    page.evaluate("""async ([s, id]) => {
        // After the scroll: Cytoscape learns where its container now is from the scroll event.
        await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
        const element = document.querySelector(s);
        const at = element._cyreg.cy.getElementById(id).renderedPosition();
        const box = element.getBoundingClientRect();
        const target = document.elementFromPoint(box.left + at.x, box.top + at.y);
        const init = { bubbles: true, cancelable: true, view: window, clientX: box.left + at.x, clientY: box.top + at.y, button: 0 };
        for (const [type, detail] of [['mousedown', 1], ['mouseup', 1], ['click', 1], ['mousedown', 2], ['mouseup', 2], ['click', 2], ['dblclick', 2]]) {
            target.dispatchEvent(new MouseEvent(type, { ...init, detail, buttons: type === 'mousedown' ? 1 : 0 }));
        }
    }""", [selector, node_id])


def wait_drawn(page, selector: str = "#map") -> None:
    page.wait_for_selector(f"{selector}[data-map-state=drawn]")


def test_sign_in_keeps_the_key_in_the_tab_only(tab, practice):
    page = tab.page
    page.goto(f"{practice.url}/ui/")
    page.fill("#api-key", "rpk_not-a-key")
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#sign-in .error")
    assert "not accepted" in page.text_content("#sign-in .error")
    tab.errors.clear()  # the browser logs the refused request (401) by itself

    page.fill("#api-key", practice.keys["mark"])
    page.click("#sign-in button[type=submit]")
    page.wait_for_selector("#signed-in-as")
    assert re.sub(r"\s+", " ", page.text_content("#signed-in-as")) == "Signed in as Mark Davies · practice manager"
    assert practice.keys["mark"] not in page.url
    assert page.evaluate("sessionStorage.getItem('rapport.apiKey')") == practice.keys["mark"]
    assert page.evaluate("localStorage.length") == 0 and page.evaluate("document.cookie") == ""
    page.click("#sign-out")
    page.wait_for_selector("#sign-in")
    assert page.evaluate("sessionStorage.getItem('rapport.apiKey')") is None
    assert tab.errors == []


def test_search_then_open_a_client(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open("/")
    page.fill("#search", "elliott")
    page.press("#search", "Enter")
    page.wait_for_selector("#results")
    assert "q=elliott" in page.url
    hits = page.locator("#results a.entity").all_text_contents()
    assert {"Elliott Household", "John Elliott", "Jean Elliott", "Rose Elliott", "James Elliott"} <= set(hits)
    tab.screenshot("search")
    page.click("#results a.entity:text-is('Elliott Household')")
    wait_drawn(page)
    assert page.text_content("#entity-name") == "Elliott Household"
    assert page.url.endswith(f"#/clients/{practice.ids['Elliott Household']}")
    members = page.locator("#members tbody tr").all_text_contents()
    assert any("John Elliott" in m and "primary contact" in m for m in members)
    active = page.text_content("#relationships-active")
    # Both ways: phrased with the client first, and from the other end.
    assert "Elliott Household has Primary Contact John Elliott" in active
    assert "John Elliott is a Primary Contact at Elliott Household" in active
    assert "Ben Carter is an Accountant for Elliott Household" in page.text_content("#relationships-history")
    assert "Annual review <b>bold</b>" in page.content().replace("&lt;", "<").replace("&gt;", ">")
    assert "New pension transfer forms" in page.text_content("main")
    assert map_size(page) == (7, 7)  # Anna Shaw advises and owns it: two edges
    assert page.text_content("#map-banner").startswith("Showing 7 of 7 entities")
    assert tab.errors == []


def test_client_list_filters_and_pages(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open("/clients?limit=2")
    first = page.locator("#client-list tbody tr").all_text_contents()
    assert len(first) == 2
    page.click("#next-page")
    tab.wait_view()
    assert page.locator("#first-page").count() == 1
    second = page.locator("#client-list tbody tr").all_text_contents()
    assert len(second) == 2 and not set(first) & set(second)
    page.select_option("#filter-stage", "client")
    page.wait_for_url(re.compile(r"stage=client"))
    tab.wait_view()
    assert "limit=2" in page.url and "after=" not in page.url
    # The owner is found by typing part of a name (the API's name filter), never from a list of
    # the whole team; the list then names each client's owner.
    page.fill("#filter-owner", "shaw")
    page.click("#filter-owner-hits button:text-is('Anna Shaw')")
    page.wait_for_url(re.compile(r"owner_id="))
    tab.wait_view()
    assert page.input_value("#filter-owner") == "Anna Shaw"
    names = page.locator("#client-list tbody tr td:first-child").all_text_contents()
    assert names == ["Elliott Household", "Smart Systems Ltd"]
    assert page.locator("#client-list tbody tr td:nth-child(7)").all_text_contents() == ["Anna Shaw", "Anna Shaw"]
    tab.screenshot("clients")
    page.click("#filter-owner-clear")
    page.wait_for_url(lambda url: "owner_id=" not in url)
    tab.wait_view()
    # The kinds offered are those the API declares for the filter.
    schema = practice.api().get("/openapi.json").json()["components"]["schemas"]["ClientKind"]
    assert page.locator("#filter-kind option").evaluate_all("os => os.map(o => o.value)") == ["", *schema["enum"]]
    page.select_option("#filter-kind", "business")
    page.wait_for_url(re.compile(r"kind=business"))
    tab.wait_view()
    assert set(page.locator("#client-list tbody tr td:nth-child(2)").all_text_contents()) == {"business"}
    assert tab.errors == []


def test_map_expand_undo_page_and_collapse(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open(f"/clients/{practice.ids['Elliott Household']}", drawn="#map")
    assert map_size(page) == (7, 7)  # Anna Shaw advises and owns it: two edges
    # John referred the Okafor Household: expanding him brings it in, and his other ties.
    double_click_node(page, practice.ids["John Elliott"])
    page.wait_for_function("() => document.querySelector('#map')._cyreg.cy.nodes().length > 7")
    assert "Okafor Household" in node_names(page)
    assert not page.is_disabled("#map-undo")
    page.click("#map-undo")
    page.wait_for_function("() => document.querySelector('#map')._cyreg.cy.nodes().length === 7")
    assert "Okafor Household" not in node_names(page)
    assert page.is_disabled("#map-undo")

    # A busy node expands 25 at a time, and the banner says how many are left.
    person = practice.api().get("/people", params={"name": "Staff00"}).json()["items"][0]
    page = tab.open(f"/people/{person['id']}", drawn="#map")
    assert map_size(page) == (2, 1)
    double_click_node(page, practice.ids[BUSY_PROVIDER])
    page.wait_for_selector("#map-banner .more-button")
    assert map_size(page)[0] == 2 + 25
    banner = page.text_content("#map-banner")
    assert f"{BUSY_PROVIDER}: 26 of {BUSY_STAFF} neighbours shown" in banner
    assert "Showing 27 of 31 entities" in banner
    assert page.text_content("#map-banner .more-button") == f"{BUSY_STAFF - 26} more of {BUSY_STAFF - 26}"
    tab.screenshot("map-expanded")
    page.click("#map-banner .more-button")
    page.wait_for_function(f"() => document.querySelector('#map')._cyreg.cy.nodes().length === {BUSY_STAFF + 1}")
    assert page.locator("#map-banner .more-button").count() == 0
    # Collapse takes back every page of that node's expansion.
    page.click("#map-card .collapse-button")
    page.wait_for_function("() => document.querySelector('#map')._cyreg.cy.nodes().length === 2")
    assert page.is_disabled("#map-undo")
    assert tab.errors == []


def test_map_filters_by_category_and_carries_segment_and_tier(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open(f"/people/{practice.ids['Jean Elliott']}", drawn="#map")
    page.select_option("#map-depth", "2")
    page.wait_for_function("() => document.querySelector('#map')._cyreg.cy.nodes().length > 4")
    wait_drawn(page)
    elliott = page.evaluate(
        "id => { const n = document.querySelector('#map')._cyreg.cy.getElementById(id); return [n.data('label'), n.data('colour'), n.data('tier')]; }",
        practice.ids["Elliott Household"])
    assert elliott == ["Elliott Household [AA]", "#d62728", "AA"]  # critical: red; tier AA
    visible = "document.querySelector('#map')._cyreg.cy.nodes().not('.filtered').length"
    before = page.evaluate(visible)
    page.uncheck("#map-categories input[value=membership]")
    after = page.evaluate(visible)
    assert after < before and "hidden by the relationship filter" in page.text_content("#map-banner")
    page.check("#map-categories input[value=membership]")
    assert page.evaluate(visible) == before
    assert tab.errors == []


def test_referral_tree_with_values_and_totals(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open(f"/referrals/{practice.ids['Grace Okafor']}", drawn="#tree-map")
    tree = page.text_content("#referral-tree")
    assert "Sam Reid" in tree and "converted client" in tree
    assert "subtree: 1 referred, 1 converted, revenue 2,100, assets 150,000" in tree
    assert map_size(page, "#tree-map") == (2, 1)
    page = tab.open(f"/referrals/{practice.ids['Okafor Logistics']}")
    page.wait_for_selector("#lineage")
    assert page.locator("#lineage li").all_text_contents() == ["David Okafor is the Referrer of Okafor Logistics"]
    assert tab.errors == []


def test_introductions_highlight_the_best_paths(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open(f"/introductions?target={practice.ids['Grace Okafor']}&k=3", drawn="#intro-map")
    paths = page.locator("#intro-paths > li")
    assert paths.count() == 3
    assert "Omar Haddad is the Adviser of Okafor Household" in paths.nth(0).text_content()
    assert "cost 2" in paths.nth(0).text_content()
    on_path = "document.querySelector('#intro-map')._cyreg.cy.edges('.on-path').map(e => e.id()).sort().join(',')"
    all_paths = page.evaluate(on_path)
    tab.screenshot("introductions")
    paths.nth(1).click()
    second = page.evaluate(on_path)
    assert second and len(second.split(",")) == 2 and set(second.split(",")) < set(all_paths.split(","))
    assert page.evaluate("document.querySelector('#intro-map')._cyreg.cy.elements('.faded').length") > 0
    # From one team member, found by name; the choice is in the URL and can be taken back.
    page.fill("#intro-from", "haddad")
    page.press("#intro-from", "Enter")
    page.click("#intro-from-hits button:text-is('Omar Haddad')")
    page.wait_for_url(re.compile(f"from={practice.ids['Omar Haddad']}"))
    tab.wait_view()
    starts = page.locator("#intro-paths > li > strong").all_text_contents()
    assert starts and set(starts) == {"From Omar Haddad"}
    page.click("#intro-from-clear")
    page.wait_for_url(lambda url: "from=" not in url)
    tab.wait_view()
    assert page.locator("#intro-paths > li").count() == 3
    assert tab.errors == []


def test_key_person_risk_names_the_clients_cut_off(signed_in, practice):
    # Every sample client hangs on its owner; a client nobody owns, reached only through its
    # director, is cut off by him (added for this test, and deleted after it).
    with practice.api() as api:
        loose = api.post("/clients", json={"name": "Loose Ltd", "kind": "business"}).raise_for_status().json()["id"]
        dee = api.post("/people", json={"first_name": "Dee", "last_name": "Rector"}).raise_for_status().json()["id"]
        for type_code, from_id, to_id in (("DIRECTOR_AT", dee, loose), ("ACQUAINTANCE_OF", dee, practice.ids["Laura Harper"])):
            api.post("/relationships", json={"type": type_code, "from_id": from_id, "to_id": to_id}).raise_for_status()
        try:
            tab = signed_in("admin")
            page = tab.open("/risk")
            row = page.locator("#key-people tbody tr", has_text="Dee Rector")
            assert row.locator("td.cut-off a.entity").all_text_contents() == ["Loose Ltd"]
            assert row.locator("td.cut-off a.entity").get_attribute("href") == f"#/clients/{loose}"
            assert page.locator("#bridges td.cut-off a.entity").count() > 0
            assert tab.errors == []
        finally:
            for path in (f"/clients/{loose}", f"/people/{dee}"):
                api.delete(path, params={"cascade": "true"}).raise_for_status()


def test_service_view_draws_each_section(signed_in):
    tab = signed_in("admin")
    page = tab.open("/service")
    assert page.locator("#tier-run table tbody tr").count() > 0
    # Few overdue clients: every owner's list is open at once.
    owners = page.locator("#overdue details.owner")
    assert owners.count() > 0 and owners.evaluate_all("ds => ds.every(d => d.open && d.querySelector('table'))")
    assert "Yearly review" in page.text_content("#upcoming")
    assert tab.errors == []


def test_practice_manager_applies_a_chosen_suggestion(signed_in, practice):
    tab = signed_in("mark")
    page = tab.open("/influencers?tab=differences")
    page.wait_for_selector("#scores input.choose")
    first = page.locator("#scores tbody tr").first
    entity_id = first.get_attribute("data-entity")
    suggested = first.locator("td.suggested").text_content()
    first.locator("input.choose").check()
    page.click("#apply-chosen")
    page.wait_for_selector("#apply-outcome .ok")
    assert page.text_content("#apply-outcome").startswith("Applied 1 of 1 chosen suggestion(s)")
    assert first.locator("td.assigned").text_content() == suggested
    applications = practice.api().get("/analytics/applications").json()
    assert [c["entity_id"] for c in applications[0]["changes"]] == [entity_id]
    assert tab.errors == []


def test_analyst_is_refused_applying_suggestions(signed_in, practice):
    tab = signed_in("lee")
    page = tab.open("/influencers?tab=differences")
    page.wait_for_selector("#apply-refused")
    assert page.text_content("#apply-refused") == (
        "Your role (analyst) may not apply suggested segments: practice managers and admins may.")
    assert page.locator("#apply-chosen").count() == 0 and page.locator("input.choose").count() == 0
    assert tab.errors == []


def test_a_restricted_user_sees_a_locked_node(signed_in, practice, owner_hierarchy):
    # Omar may not see the Elliott Household (Anna's): his warmest chains to John Elliott pass
    # through it, drawn as a locked node with no name. John's referral of the Okafors is his
    # to see; Anna's tree from John leaves the Okafors out and counts nothing of them.
    tab = signed_in("omar")
    page = tab.open(f"/introductions?target={practice.ids['John Elliott']}&k=5", drawn="#intro-map")
    assert "Elliott Household" not in page.text_content("main")
    assert "a client you cannot see" in page.text_content("#intro-paths")
    locked = page.evaluate("document.querySelector('#intro-map')._cyreg.cy.nodes('[?locked]').map(n => [n.data('label'), n.data('name')])")
    assert locked and all(node == ["locked: restricted", None] for node in locked)
    tab.screenshot("introductions-restricted")
    assert tab.errors == []
    anna = signed_in("anna")
    page = anna.open(f"/referrals/{practice.ids['John Elliott']}")
    page.wait_for_selector("text=They have referred nobody.")
    assert "Okafor" not in page.text_content("main")
    assert anna.errors == []


def test_an_injected_name_renders_as_text(signed_in, practice):
    tab = signed_in("admin")
    page = tab.open("/?q=onerror")
    page.wait_for_selector("#results a.entity")
    assert page.locator("#results a.entity").all_text_contents() == [XSS_NAME]
    page.click("#results a.entity")
    wait_drawn(page)
    assert page.text_content("#entity-name") == XSS_NAME
    page = tab.open("/clients?name=onerror")
    assert page.locator("#client-list a.entity").all_text_contents() == [XSS_NAME]
    page = tab.open(f"/team-members/{practice.ids['Anna Shaw']}", drawn="#map")
    assert XSS_NAME in node_names(page)
    # No element was made from the name, so no error handler can fire later.
    assert page.locator("img").count() == 0
    assert tab.dialogs == [] and tab.errors == []


def test_every_view_renders_without_console_errors(signed_in, practice):
    tab = signed_in("admin")
    ids = practice.ids
    views = {
        "search": "/?q=okafor", "clients": "/clients", "client": f"/clients/{ids['Elliott Household']}",
        "person": f"/people/{ids['Jean Elliott']}", "team-member": f"/team-members/{ids['Anna Shaw']}",
        "provider": f"/providers/{ids[BUSY_PROVIDER]}", "referrals": f"/referrals/{ids['Laura Harper']}",
        "introductions": "/introductions", "influencers": "/influencers", "differences": "/influencers?tab=differences",
        "risk": "/risk", "service": "/service", "work": "/work", "groups": "/groups",
    }
    page = tab.open("/")
    for name, route in views.items():
        tab.go(route)  # waits for this route's view: its maps drawn, every section filled
        assert page.locator("main .view").get_attribute("data-view-state") == "ready", name
        assert page.locator("main .error").count() == 0, (name, page.text_content("main"))
        assert tab.errors == [], (name, tab.errors)
        if name in ("client", "influencers", "risk", "service", "referrals"):
            tab.screenshot(name)


def test_a_busy_entitys_relationships_come_a_hundred_at_a_time(signed_in, practice):
    with practice.api() as api:
        provider = api.post("/providers", json={"name": "Southgate Platform", "kind": "product_provider"}).raise_for_status().json()
        staff = [api.post("/people", json={"first_name": f"Clerk{n:03d}", "last_name": "Southgate"}).raise_for_status().json()
                 for n in range(105)]
        api.post("/relationships/batch", json={"relationships": [
            {"type": "WORKS_AT", "from_id": person["id"], "to_id": provider["id"]} for person in staff]}).raise_for_status()
    tab = signed_in("admin")
    page = tab.open(f"/providers/{provider['id']}")
    assert page.locator("#relationships-active > li").count() == 100
    more = page.locator("#relationships-active + button.show-more")
    assert more.text_content() == "Show 5 more of 5"
    more.click()
    assert page.locator("#relationships-active > li").count() == 105 and more.is_hidden()
    assert tab.errors == []
