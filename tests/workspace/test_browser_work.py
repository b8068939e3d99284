"""The Work and Groups pages in headless Chromium: a manager picks a report's queue, completes,
skips (with and without a reason) and reassigns tasks, sees an API refusal told readably and
the touch logged on the client; a group made by a saved filter, members added and removed by
hand, its mailing CSV and a batch of tasks' downloaded, the group deleted; a restricted team
member seeing only what the API gives them, and an analyst offered no action. Embedded FalkorDB only (see conftest.py)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest

from workspace.conftest import Practice

pytestmark = pytest.mark.browser

ELLIOTT_HOME = {"address_line1": "12 Elm Road", "locality": "Leeds", "postcode": "LS8 2AB", "country": "GB"}
#: Plans made this long ago leave a few of the Elliotts' monthly touches overdue.
PLANNED_DAYS_AGO = 200


@pytest.fixture(scope="module")
def planned(practice: Practice) -> Practice:
    """Tiers on three clients (AA, B, C), the Elliotts' address, and plans made PLANNED_DAYS_AGO."""
    with practice.api() as api:
        # By name among clients: practice.ids has Sam Reid the person under the same name.
        clients = {c["name"]: c["id"] for c in api.get("/clients", params={"limit": 500}).json()["items"]}
        api.patch(f"/clients/{clients['Elliott Household']}", json={**ELLIOTT_HOME, "tier": "AA"}).raise_for_status()
        api.patch(f"/clients/{clients['Smart Systems Ltd']}", json={"tier": "B"}).raise_for_status()
        api.patch(f"/clients/{clients['Sam Reid']}", json={"tier": "C"}).raise_for_status()
        as_of = datetime.date.today() - datetime.timedelta(days=PLANNED_DAYS_AGO)
        api.post("/service/plans", json={"as_of": as_of.isoformat()}).raise_for_status()
    practice.ids["Sam Reid (client)"] = clients["Sam Reid"]
    return practice


def summary(page: Any) -> str:
    return page.text_content("#work-summary")


def overdue_touches(page: Any) -> Any:
    return page.locator("#work-overdue tbody tr", has_text="Elliott Household").filter(
        has=page.locator("td.kind", has_text="touch"))


def test_a_manager_works_a_reports_queue(signed_in, planned):
    ids = planned.ids
    tab = signed_in("mark")
    page = tab.open("/work")
    assert summary(page).startswith("Work queue of Mark Davies and 4 below them")
    page.select_option("#work-member", ids["Anna Shaw"])
    page.wait_for_url(re.compile(f"member={ids['Anna Shaw']}"))
    tab.wait_view()
    assert summary(page).startswith("Work queue of Anna Shaw and 1 below them")
    overdue = int(page.text_content("#section-overdue h2").split("(")[1].rstrip(")"))
    touches = overdue_touches(page)
    assert touches.count() >= 4 and "Priya Patel" in page.text_content("#work-queue")  # her holiday cards
    first, second, third, fourth = (touches.nth(i).get_attribute("data-task") for i in range(4))

    def row(task: str | None) -> Any:
        return page.locator(f"tr[data-task='{task}']")

    elliott = ids["Elliott Household"]
    with planned.api() as api:
        touches_before = len(api.get(f"/clients/{elliott}/touches").json())

    # Complete: the task goes from the queue, and its touch is logged on the client.
    row(first).locator("button.complete").click()
    page.wait_for_selector("#work-outcome .ok")
    assert page.text_content("#work-outcome").startswith("Done: touch for Elliott Household; a touch logged on ")
    assert row(first).count() == 0 and f"Overdue ({overdue - 1})" == page.text_content("#section-overdue h2")

    # Skip without a reason: refused in the page, nothing asked of the API; then with one.
    row(second).locator("summary").click()
    row(second).locator("form.skip button").click()
    assert page.text_content("#work-outcome .error") == "Say why you skip the touch for Elliott Household: a reason is needed."
    assert row(second).count() == 1
    row(second).locator("input.reason").fill("They are abroad until spring")
    row(second).locator("form.skip button").click()
    page.wait_for_selector("#work-outcome .ok")
    assert page.text_content("#work-outcome") == "Skipped: touch for Elliott Household (They are abroad until spring)."
    assert row(second).count() == 0

    # A task done elsewhere meanwhile: the API's problem details are told as they are.
    with planned.api() as api:
        api.post(f"/service/tasks/{third}/complete", json={}).raise_for_status()
    row(third).locator("summary").click()
    row(third).locator("input.reason").fill("too late")
    row(third).locator("form.skip button").click()
    page.wait_for_selector("#work-outcome .error")
    assert page.text_content("#work-outcome .error") == f"task '{third}' is done already"
    assert tab.errors and all("409" in error for error in tab.errors)  # the browser logs the refused request
    tab.errors.clear()

    # Reassign to the client-service member below Anna: still in this queue, now Priya's.
    row(fourth).locator("summary").click()
    tab.pick(f"reassign-{fourth}", "priya", "Priya Patel")
    page.wait_for_selector("#work-outcome .ok")
    assert page.text_content("#work-outcome") == "Reassigned: touch for Elliott Household, to Priya Patel."
    assert row(fourth).locator("td").nth(3).text_content() == "Priya Patel"
    tab.screenshot("work")

    with planned.api() as api:
        touches_after = api.get(f"/clients/{elliott}/touches").json()
    assert len(touches_after) == touches_before + 2  # the one done here and the one done by the API
    # The client's page: the logged touch, and the plan with each task's status.
    tab.go(f"/clients/{elliott}")
    plan = {r.get_attribute("data-task"): r.locator("td.status").text_content() for r in page.locator("#service-plan tbody tr").all()}
    assert plan[first].startswith("done on ") and plan[second] == "skipped: They are abroad until spring"
    assert plan[third].startswith("done on ") and plan[fourth] == "open"
    done_on = plan[first].removeprefix("done on ")
    assert page.locator("section.panel", has_text="Touches").locator("tr", has_text=done_on).count() >= 1
    assert tab.errors == []


def read_csv(download: Any) -> list[str]:
    return Path(download.path()).read_text().splitlines()


def test_groups_create_add_download_delete(signed_in, planned):
    tab = signed_in("mark")
    page = tab.open("/groups")
    page.fill("#group-name", "Business owners (browser)")
    page.select_option("#group-filter-kind", "business")
    page.click("#group-create button[type=submit]")
    page.wait_for_url(re.compile("#/groups/."))
    tab.wait_view()
    assert page.text_content("#group-name") == "Business owners (browser)"
    assert page.text_content("#group-summary") == (
        "2 member(s), 0 picked by hand. Saved filter: clients: kind business.")
    assert set(page.locator("#group-members a.entity").all_text_contents()) == {"Smart Systems Ltd", "Okafor Logistics"}

    # By hand: a person found by name is added, then taken out again.
    tab.pick("group-add-person", "rose", "Rose Elliott")
    page.wait_for_selector("#group-members tr:has-text('Rose Elliott')")
    tab.wait_view()
    assert page.text_content("#group-summary").startswith("3 member(s), 1 picked by hand.")
    page.locator("#group-members tr", has_text="Rose Elliott").locator("button.remove").click()
    page.wait_for_selector("#group-members tr:has-text('Rose Elliott')", state="detached")
    tab.wait_view()
    assert page.text_content("#group-summary").startswith("2 member(s), 0 picked by hand.")

    # The mailing CSV: the one addressee with an address; the other is counted as left out.
    tab.pick("group-add-client", "elliott", "Elliott Household")
    page.wait_for_selector("#group-members tr:has-text('Elliott Household')")
    tab.wait_view()
    with page.expect_download() as download:
        page.click("#group-mailing")
    assert download.value.suggested_filename == "group-mailing.csv"
    lines = read_csv(download.value)
    assert lines[0] == "name,salutation,address_line1,address_line2,locality,region,postcode,country"
    assert len(lines) == 2 and "12 Elm Road" in lines[1]
    page.wait_for_selector("#group-mailing-outcome .ok")
    assert page.text_content("#group-mailing-outcome") == "Saved group-mailing.csv; 2 left out for want of a postal address."
    tab.screenshot("group")

    # Deleted after a second click in the page; back on the list it is gone.
    page.click("#group-delete")
    page.click("#group-delete-yes")
    page.wait_for_url(re.compile("#/groups$"))
    tab.wait_view()
    assert "Business owners (browser)" not in page.text_content("main")

    # A batch of tasks' mailing: the open holiday cards of the year ahead.
    today = datetime.date.today()
    page.select_option("#tasks-mailing-kind", "holiday_card")
    page.fill("#tasks-mailing-from", (today - datetime.timedelta(days=PLANNED_DAYS_AGO)).isoformat())
    page.fill("#tasks-mailing-to", (today + datetime.timedelta(days=366)).isoformat())
    with page.expect_download() as download:
        page.click("#tasks-mailing button[type=submit]")
    assert download.value.suggested_filename == "holiday_card-mailing.csv"
    assert any("12 Elm Road" in line for line in read_csv(download.value))
    # The API's refusal of a window that ends before it starts is told in the page.
    page.fill("#tasks-mailing-to", (today - datetime.timedelta(days=PLANNED_DAYS_AGO + 1)).isoformat())
    page.click("#tasks-mailing button[type=submit]")
    page.wait_for_selector("#tasks-mailing-outcome .error")
    assert page.text_content("#tasks-mailing-outcome .error").startswith("from (")
    assert tab.errors and all("422" in error for error in tab.errors)


def test_a_restricted_member_sees_only_what_the_api_gives(signed_in, planned, owner_hierarchy):
    ids = planned.ids
    with planned.api() as api:
        group = api.post("/groups", json={"name": "Mixed (browser)", "member_ids": [ids["Elliott Household"], ids["Sam Reid (client)"]]})
        group_id = group.raise_for_status().json()["id"]
    try:
        with planned.api() as api, planned.api("omar") as omar:
            own = omar.get("/work/queue").raise_for_status().json()["counts"]
            annas = {who: client.get("/work/queue", params={"member_id": ids["Anna Shaw"]}).raise_for_status().json()["counts"]
                     for who, client in (("admin", api), ("omar", omar))}
        assert sum(annas["admin"].values()) > 0 and sum(annas["omar"].values()) == 0
        tab = signed_in("omar")
        page = tab.open("/work")
        assert summary(page).startswith(f"Work queue of Omar Haddad, {datetime.date.today().isoformat()}: {own['overdue']} overdue, "
                                        f"{own['this_week']} due this week")
        assert "Elliott" not in page.text_content("main")
        # Anna's queue, as Omar may see it: none of her clients' tasks, and none counted.
        page = tab.go(f"/work?member={ids['Anna Shaw']}")
        assert "0 overdue, 0 due this week" in summary(page) and " 0 coming up" in summary(page)
        assert page.locator("#work-queue tbody tr").count() == 0
        page = tab.go(f"/groups/{group_id}")
        assert page.text_content("#group-summary").startswith("1 member(s), 1 picked by hand.")
        assert page.locator("#group-members a.entity").all_text_contents() == ["Sam Reid"]
        assert "Elliott" not in page.text_content("main")
        assert tab.errors == []
        # A role that may only read (an analyst) is told so, and offered no action.
        analyst = signed_in("lee")
        page = analyst.open(f"/work?member={ids['Omar Haddad']}")
        assert page.text_content("#work-read-only").startswith("Your role (analyst) may read the queue but not")
        assert page.locator("#work-queue button.complete").count() == 0 and page.locator("#group-create").count() == 0
        assert analyst.errors == []
    finally:
        with planned.api() as api:
            api.delete(f"/groups/{group_id}").raise_for_status()
