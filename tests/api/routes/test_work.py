"""Service plans, tasks and the work queue over the API on the sample practice, as of Monday
23 November 2026, with Elliott Household at tier AA and Smart Systems Ltd at B (both Anna
Shaw's) and Sam Reid at C (Omar Haddad's); Priya Patel (client service) reports to Anna.
Each was last reviewed one review interval ago (a review touch: Elliott on 23 May 2026, the
others on 23 November 2025), so each is due a review today.

The plans, worked out by hand (12 months: 23 November 2026 to 22 November 2027):
- Elliott (AA: 12 touches a year = 9 calls + 2 semi-annual reviews + 1 appreciation event):
  a review today, the holiday card on 1 December (Priya's), the ninth 2026
  call on 11 December, eight 2027 calls, 4 newsletters (Priya's), the review six months on
  (23 May), the event on 2 July, and the four Elliotts' birthdays: 21 tasks.
- Smart Systems (B: 4 touches = 3 calls + 1 review; no birthdays): a review today, the card,
  three 2027 calls, 4 newsletters: 9.
- Sam Reid (C: 2 touches = 1 call + 1 review; no cards): a review today, the 2 July call,
  4 newsletters: 6.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.helpers import added_records, as_caller, audit_ids, ids, issue_key, ok, problem
from app.domain.service_plan import first_review

TODAY = "2026-11-23"
#: The review touch each planned client had one interval before TODAY.
LAST_REVIEWS = {"Elliott Household": "2026-05-23", "Smart Systems Ltd": "2025-11-23", "Sam Reid": "2025-11-23"}


@pytest.fixture
def practice(sample_client: TestClient) -> dict[str, str]:
    c = sample_client
    found = {**ids(c, "people"), **ids(c, "team-members"), **ids(c, "clients")}  # Sam Reid: the client
    for name, tier in (("Elliott Household", "AA"), ("Smart Systems Ltd", "B"), ("Sam Reid", "C")):
        ok(c.patch(f"/clients/{found[name]}", json={"tier": tier}))
        ok(c.post(f"/clients/{found[name]}/touches", json={"date": LAST_REVIEWS[name], "kind": "review"}), 201)
    return found


def touches_since_the_last_review(client: TestClient, client_id: str) -> list[dict]:
    return [t for t in ok(client.get(f"/clients/{client_id}/touches")) if t["date"] not in LAST_REVIEWS.values()]


def generate(client: TestClient, **body) -> dict:
    return ok(client.post("/service/plans", json={"as_of": TODAY, **body}))


def plan(client: TestClient, client_id: str, **params) -> list[dict]:
    return ok(client.get(f"/clients/{client_id}/service-plan", params=params))


def queue(client: TestClient, **params) -> dict:
    return ok(client.get("/work/queue", params={"today": TODAY, **params}))


def short(tasks: list[dict]) -> list[tuple[str, str]]:
    return [(t["due"], t["key"].partition("/")[2]) for t in tasks]


def test_plans_are_generated_from_the_tiers_and_generating_again_changes_nothing(sample_client, practice):
    c, p = sample_client, practice
    before = audit_ids(c)
    run = generate(c)
    assert run == {"period_start": TODAY, "period_end": "2027-11-22", "clients": 5, "clients_changed": 3,
                   "created": 36, "updated": 0, "deleted": 0, "closed": 0}
    records = added_records(c, before)
    assert sorted(r["target_id"] for r in records) == sorted(p[n] for n in ("Elliott Household", "Smart Systems Ltd", "Sam Reid"))
    assert {(r["target_kind"], r["action"]) for r in records} == {("service_plan", "update")}

    elliott = plan(c, p["Elliott Household"])
    assert len(elliott) == 21
    assert short(elliott)[:3] == [(TODAY, "review:2026:2"), ("2026-12-01", "holiday_card:2026"), ("2026-12-11", "touch:2026:9")]
    assert short(plan(c, p["Elliott Household"], kind="review")) == [(TODAY, "review:2026:2"), ("2027-05-23", "review:2027:1")]
    birthdays = [(t["due"], t["subject_name"]) for t in elliott if t["kind"] == "birthday"]
    assert birthdays == [("2027-02-17", "Rose Elliott"), ("2027-04-12", "John Elliott"), ("2027-09-30", "Jean Elliott"),
                         ("2027-11-05", "James Elliott")]
    assert {t["assignee_id"] for t in elliott if t["kind"] in ("holiday_card", "newsletter")} == {p["Priya Patel"]}
    assert {t["assignee_id"] for t in elliott if t["kind"] not in ("holiday_card", "newsletter")} == {p["Anna Shaw"]}
    assert elliott[2]["source"] == ("tier AA template: 12 touches a year, 9 of them calls besides 2 reviews "
                                    "and 1 appreciation event")
    assert len(plan(c, p["Smart Systems Ltd"])) == 9 and len(plan(c, p["Sam Reid"])) == 6
    assert plan(c, p["Okafor Household"]) == []  # a prospect without a tier has no plan

    again = audit_ids(c)
    assert generate(c)["clients_changed"] == 0
    assert generate(c, client_id=p["Elliott Household"])["clients_changed"] == 0
    assert audit_ids(c) == again and plan(c, p["Elliott Household"]) == elliott


def test_a_client_never_reviewed_is_due_its_first_review_on_its_own_day_of_the_first_interval(sample_client, practice):
    c, p = sample_client, practice
    okafor = p["Okafor Household"]
    ok(c.patch(f"/clients/{okafor}", json={"stage": "client", "tier": "C"}))
    generate(c, client_id=okafor)
    [review] = plan(c, okafor, kind="review")
    assert review["due"] == first_review(okafor, date.fromisoformat(TODAY), 12).isoformat()
    assert review["source"] == "tier C template: annual reviews; no review recorded yet"


def test_bad_input_is_refused_and_changes_nothing(sample_client, practice):
    c, p = sample_client, practice
    generate(c)
    before, tasks = audit_ids(c), plan(c, p["Elliott Household"])
    task = tasks[0]
    for body in ({"months": 0}, {"months": 37}, {"as_of": "2026-13-01"}, {"as_of": 20261123}, {"colour": "red"},
                 {"months": "12"}):
        problem(c.post("/service/plans", json={"as_of": TODAY, **body}), 422)
    problem(c.post("/service/plans", json={"client_id": "nobody"}), 404)
    problem(c.post(f"/service/tasks/{task['id']}/complete", json={"touch_kind": "fax"}), 422)
    problem(c.post(f"/service/tasks/{task['id']}/complete", json={"date": "yesterday"}), 422)
    problem(c.post(f"/service/tasks/{task['id']}/complete", json={"team_member_id": p["John Elliott"]}), 422)
    problem(c.post(f"/service/tasks/{task['id']}/skip", json={}), 422)
    problem(c.post(f"/service/tasks/{task['id']}/skip", json={"reason": "   "}), 422)
    problem(c.post(f"/service/tasks/{task['id']}/reassign", json={"assignee_id": p["John Elliott"]}), 422)
    problem(c.post("/service/tasks/nothing/skip", json={"reason": "x"}), 404)
    problem(c.get("/clients/nobody/service-plan"), 404)
    problem(c.get(f"/clients/{p['Elliott Household']}/service-plan", params={"status": "finished"}), 422)
    problem(c.get("/work/queue", params={"member_id": p["Anna Shaw"], "section": "later"}), 422)
    problem(c.get("/work/queue", params={"member_id": p["Anna Shaw"], "after": "not-a-cursor"}), 422)
    problem(c.get("/work/queue", params={"member_id": p["Anna Shaw"], "days": 400}), 422)
    problem(c.get("/work/queue", params={"member_id": p["John Elliott"]}), 404)
    # Who may: advisers work on tasks but do not generate plans; analysts only read.
    adviser = as_caller(c, issue_key(c, p["Anna Shaw"]))
    analyst = as_caller(c, issue_key(c, p["Lee Chen"]))
    keys = audit_ids(c)
    problem(adviser.post("/service/plans", json={"as_of": TODAY}), 403)
    problem(analyst.post(f"/service/tasks/{task['id']}/skip", json={"reason": "no"}), 403)
    assert audit_ids(c) == keys and len(keys - before) == 2  # the two keys issued, nothing else
    assert plan(c, p["Elliott Household"]) == tasks
    assert touches_since_the_last_review(c, p["Elliott Household"]) == []


def test_completing_a_task_logs_its_touch_in_one_audited_write(sample_client, practice):
    c, p = sample_client, practice
    generate(c)
    review = plan(c, p["Elliott Household"], kind="review")[0]
    before = audit_ids(c)
    done = ok(c.post(f"/service/tasks/{review['id']}/complete", json={"date": "2026-11-24", "notes": "Went well"}))
    assert (done["status"], done["done_on"], done["version"]) == ("done", "2026-11-24", 2)
    touches = touches_since_the_last_review(c, p["Elliott Household"])
    assert [(t["id"], t["date"], t["kind"], t["team_member_id"], t["notes"]) for t in touches] == [
        (done["touch_id"], "2026-11-24", "review", p["Anna Shaw"], "Went well")]
    [record] = added_records(c, before)
    assert (record["target_kind"], record["target_id"], record["action"]) == ("service_task", review["id"], "update")
    assert record["note"] == f"done; logged a review touch {done['touch_id']} on 2026-11-24"
    problem(c.post(f"/service/tasks/{review['id']}/complete", json={}), 409)
    # A card logged as such, by another team member.
    card = plan(c, p["Smart Systems Ltd"], kind="holiday_card")[0]
    ok(c.post(f"/service/tasks/{card['id']}/complete", json={"team_member_id": p["Omar Haddad"]}))
    assert [(t["kind"], t["team_member_id"]) for t in touches_since_the_last_review(c, p["Smart Systems Ltd"])] == [
        ("card", p["Omar Haddad"])]
    # Generating again: the done review stays; the next one follows the new last review.
    run = generate(c)
    assert (run["clients_changed"], run["updated"], run["created"], run["deleted"]) == (1, 1, 0, 0)
    assert [(t["due"], t["status"]) for t in plan(c, p["Elliott Household"], kind="review")] == [
        (TODAY, "done"), ("2027-05-24", "open")]


def test_skipped_and_reassigned_tasks_are_kept_by_generating_again(sample_client, practice):
    c, p = sample_client, practice
    generate(c)
    first, second = plan(c, p["Sam Reid"])[:2]
    skipped = ok(c.post(f"/service/tasks/{first['id']}/skip", json={"reason": "Sam is abroad until March"}))
    assert (skipped["status"], skipped["reason"]) == ("skipped", "Sam is abroad until March")
    problem(c.post(f"/service/tasks/{first['id']}/reassign", json={"assignee_id": p["Anna Shaw"]}), 409)
    moved = ok(c.post(f"/service/tasks/{second['id']}/reassign", json={"assignee_id": p["Anna Shaw"]}))
    assert (moved["assignee_id"], moved["assigned_by_hand"]) == (p["Anna Shaw"], True)
    assert generate(c)["clients_changed"] == 0
    again = {t["id"]: t for t in plan(c, p["Sam Reid"])}
    assert again[first["id"]]["status"] == "skipped" and again[second["id"]]["assignee_id"] == p["Anna Shaw"]


def test_open_tasks_follow_tier_owner_and_stage(sample_client, practice):
    c, p = sample_client, practice
    generate(c)
    smart = p["Smart Systems Ltd"]
    done = plan(c, smart, kind="touch")[0]
    ok(c.post(f"/service/tasks/{done['id']}/complete", json={}))
    # B -> A (8 touches = 5 calls + 2 reviews + 1 event; birthday contact: Jean's, Tom has no birth
    # date), and a new owner: open tasks move to Omar, the done one stays Anna's.
    ok(c.patch(f"/clients/{smart}", json={"tier": "A", "owner_id": p["Omar Haddad"]}))
    run = generate(c)
    assert run["clients_changed"] == 1 and run["created"] > 0
    tasks = plan(c, smart)
    assert {t["assignee_id"] for t in tasks if t["status"] == "open"} == {p["Omar Haddad"]}
    assert [t["status"] for t in tasks if t["id"] == done["id"]] == ["done"]
    # Five 2027 calls, on 6 February, 20 April, 2 July, 13 September and 25 November (past the
    # period): slot 1 is the one done already (its key is kept, done).
    assert [(t["due"], t["status"]) for t in tasks if t["kind"] == "touch" and t["due"] >= "2027-01-01"] == [
        ("2027-03-02", "done"), ("2027-04-20", "open"), ("2027-07-02", "open"), ("2027-09-13", "open")]
    assert [t["subject_name"] for t in tasks if t["kind"] == "birthday"] == ["Jean Elliott"]
    # Leaving the client stage closes every open task with that reason; done ones stay done.
    ok(c.patch(f"/clients/{smart}", json={"stage": "inactive"}))
    before = audit_ids(c)
    run = generate(c)
    assert run["closed"] == len(tasks) - 1 and run["created"] == 0
    closed = plan(c, smart)
    assert {(t["status"], t.get("reason")) for t in closed if t["id"] != done["id"]} == {
        ("skipped", "the client left the client stage (now inactive)")}
    [record] = added_records(c, before)
    assert record["target_id"] == smart and record["note"].endswith(f"{len(tasks) - 1} closed")
    assert generate(c)["clients_changed"] == 0


def test_the_queue_has_sections_filters_and_pages(sample_client, practice):
    c, p = sample_client, practice
    generate(c)
    anna = queue(c, member_id=p["Anna Shaw"])
    assert (anna["week_end"], anna["horizon"]) == ("2026-11-29", "2026-12-23")
    assert anna["team_member_ids"] == sorted([p["Anna Shaw"], p["Priya Patel"]])
    assert anna["counts"] == {"overdue": 0, "this_week": 2, "coming_up": 3}
    assert [(t["due"], t["kind"], t["client_name"], t["section"]) for t in anna["items"]] == [
        (TODAY, "review", "Elliott Household", "this_week"), (TODAY, "review", "Smart Systems Ltd", "this_week"),
        ("2026-12-01", "holiday_card", "Elliott Household", "coming_up"),
        ("2026-12-01", "holiday_card", "Smart Systems Ltd", "coming_up"),
        ("2026-12-11", "touch", "Elliott Household", "coming_up")]
    assert anna["items"][2]["assignee_name"] == "Priya Patel"
    alone = queue(c, member_id=p["Anna Shaw"], include_reports="false")
    assert alone["counts"] == {"overdue": 0, "this_week": 2, "coming_up": 1}
    # Mark manages everyone: Omar's review of Sam Reid too.
    assert queue(c, member_id=p["Mark Davies"])["counts"] == {"overdue": 0, "this_week": 3, "coming_up": 3}
    # Filters, sections and pages.
    reviews = queue(c, member_id=p["Anna Shaw"], kind="review", client_id=p["Smart Systems Ltd"])
    assert [t["client_name"] for t in reviews["items"]] == ["Smart Systems Ltd"]
    assert reviews["counts"] == {"overdue": 0, "this_week": 1, "coming_up": 0}
    later = queue(c, member_id=p["Anna Shaw"], today="2026-12-05", section="overdue")
    assert [(t["kind"], t["section"]) for t in later["items"]] == [("review", "overdue")] * 2 + [("holiday_card", "overdue")] * 2
    assert later["counts"]["overdue"] == 4
    walked, after = [], None
    while True:
        page = queue(c, member_id=p["Anna Shaw"], days=366, limit=4, **({"after": after} if after else {}))
        walked += page["items"]
        after = page["next_cursor"]
        if after is None:
            break
        assert len(page["items"]) == 4
    assert len(walked) == 2 + 21 + 9 - 2 and len({t["id"] for t in walked}) == len(walked)  # less what 366 days miss
    assert [t["due"] for t in walked] == sorted(t["due"] for t in walked)


def test_a_restricted_team_member_sees_only_their_clients_tasks_and_counts(sample_client, practice):
    c, p = sample_client, practice
    generate(c)
    ok(c.patch("/practice-settings", json={"visibility": "owner_hierarchy"}))
    anna = as_caller(c, issue_key(c, p["Anna Shaw"]))
    omar = as_caller(c, issue_key(c, p["Omar Haddad"]))
    priya = as_caller(c, issue_key(c, p["Priya Patel"]))
    # Mark's queue holds Omar's review of Sam Reid; Anna may read the queue, not that task or its count.
    marks = queue(anna, member_id=p["Mark Davies"])
    assert marks["counts"] == {"overdue": 0, "this_week": 2, "coming_up": 3}
    assert "Sam Reid" not in str(marks) and p["Sam Reid"] not in str(marks)
    assert queue(c, member_id=p["Mark Davies"])["counts"]["this_week"] == 3
    # Her own queue by default.
    assert queue(anna)["team_member_id"] == p["Anna Shaw"]
    # Page by page (two tasks a page), Anna walks Mark's queue as the admin does, less Sam Reid's tasks.
    def walk(caller: TestClient) -> list[str]:
        walked, after = [], None
        while True:
            page = queue(caller, member_id=p["Mark Davies"], days=366, limit=2, **({"after": after} if after else {}))
            walked += [(t["due"], t["id"], t["client_name"]) for t in page["items"]]
            after = page["next_cursor"]
            if after is None:
                return walked
    everything = walk(c)
    assert any(name == "Sam Reid" for *_, name in everything) and everything == sorted(everything)
    assert walk(anna) == [task for task in everything if task[2] != "Sam Reid"]
    # Priya's cards are for Anna's clients, which Priya may not see: none shown, none counted.
    assert queue(priya)["counts"] == {"overdue": 0, "this_week": 0, "coming_up": 0} and queue(priya)["items"] == []
    # Omar may neither read Anna's client's plan nor work on its tasks: as if they did not exist.
    review = plan(c, p["Elliott Household"], kind="review")[0]
    problem(omar.get(f"/clients/{p['Elliott Household']}/service-plan"), 404)
    missing = problem(omar.post("/service/tasks/01JZZZZZZZZZZZZZZZZZZZZZZZ/complete", json={}), 404)
    hidden = problem(omar.post(f"/service/tasks/{review['id']}/complete", json={}), 404)
    assert hidden["detail"] == missing["detail"].replace("01JZZZZZZZZZZZZZZZZZZZZZZZ", review["id"])
    assert plan(c, p["Elliott Household"], kind="review")[0] == review
    ok(anna.post(f"/service/tasks/{review['id']}/complete", json={}))
