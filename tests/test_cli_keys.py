"""``rapport keys`` and ``rapport settings``: the first admin key on a fresh install, more
keys, revocation, the visibility mode; the keys they print work against the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.services.sample import SAMPLE_ENTITY_COUNT
from tests.test_cli import rapport, refusal


def api(key: str) -> TestClient:
    return TestClient(create_app(Settings(sample_data="no")), headers={"Authorization": f"Bearer {key}"})


def test_bootstrap_makes_the_first_admin_key_once(data_dir):
    first = rapport("keys", "bootstrap", "--name", "Ada Admin", "--email", "ada@rapport.example")
    assert first.exit_code == 0, first.output
    key = first.stdout.strip()
    assert key.startswith("rpk_") and "\n" not in key
    assert "shown only now" in first.stderr
    with api(key) as client:
        me = client.get("/me").json()
        assert me["role"] == "admin" and me["name"] == "Ada Admin"
        # The sample practice went in first, as `rapport serve` would have put it.
        people = client.get("/team-members", params={"limit": 500}).json()["items"]
        assert len(people) == 6 and client.get("/clients").json()["items"]
        assert client.get("/clients", params={"limit": 500}).status_code == 200

    again = rapport("keys", "bootstrap")
    assert again.exit_code == 0 and again.stdout == "" and "already holds an active API key" in again.stderr


def test_create_list_and_revoke(data_dir):
    admin_key = rapport("keys", "bootstrap").stdout.strip()
    with api(admin_key) as client:
        anna = next(m for m in client.get("/team-members").json()["items"] if m["name"] == "Anna Shaw")
    created = rapport("keys", "create", anna["id"], "--name", "Anna's laptop")
    assert created.exit_code == 0, created.output
    anna_key = created.stdout.strip()
    with api(anna_key) as client:
        assert client.get("/me").json()["name"] == "Anna Shaw"
    listed = rapport("keys", "list", "--team-member", anna["id"]).stdout
    key_id = anna_key.split("_")[1]
    assert key_id in listed and "Anna's laptop" in listed and anna_key not in listed

    assert rapport("keys", "revoke", key_id).exit_code == 0
    with api(anna_key) as client:
        assert client.get("/me").status_code == 401
    assert "already revoked" in refusal(rapport("keys", "revoke", key_id))
    assert "revoked" in rapport("keys", "list", "--all").stdout
    assert "no API key" in refusal(rapport("keys", "revoke", "nope"))
    assert "does not name a team member" in refusal(rapport("keys", "create", "nobody", "--name", "x"))


def test_visibility_setting(data_dir):
    assert rapport("settings", "visibility").stdout.strip() == "open"
    assert "unknown visibility mode" in refusal(rapport("settings", "visibility", "closed"))
    assert rapport("settings", "visibility", "owner_hierarchy").exit_code == 0
    assert rapport("settings", "visibility").stdout.strip() == "owner_hierarchy"


def test_sample_size_is_what_bootstrap_adds_to(data_dir):
    admin_key = rapport("keys", "bootstrap").stdout.strip()
    with api(admin_key) as client:
        total = sum(
            len(client.get(f"/{path}", params={"limit": 500}).json()["items"])
            for path in ("clients", "people", "team-members", "providers", "divisions")
        )
    assert total == SAMPLE_ENTITY_COUNT + 1  # the sample practice and the admin
