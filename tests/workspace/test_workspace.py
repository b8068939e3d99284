"""The workspace's files: served under /ui/ without a key, with a strict Content-Security-Policy,
and shipped in the package (no Node at install or run time)."""

from __future__ import annotations

import re
from pathlib import Path

from app.workspace import STATIC_DIR

CYTOSCAPE = "vendor/cytoscape-3.35.0.min.js"


def test_the_shell_is_served_without_a_key_with_a_strict_policy(client):
    client.headers.pop("Authorization")
    response = client.get("/ui/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    # No inline script or style anywhere in the shell: every script and sheet is a file of ours.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert "<style" not in response.text and " style=" not in response.text
    redirect = client.get("/ui", follow_redirects=False)
    assert redirect.status_code in (307, 308) and redirect.headers["location"].endswith("/ui/")
    script = client.get(f"/ui/{CYTOSCAPE}")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.headers["content-security-policy"] == response.headers["content-security-policy"]


def test_the_api_still_needs_a_key(client):
    client.headers.pop("Authorization")
    assert client.get("/clients").status_code == 401
    assert client.get("/uix").status_code == 401  # only /ui and below are open
    assert client.get("/ui/no-such-file.js").status_code == 404


def test_vendored_files_are_pinned_and_licensed():
    vendored = sorted(p.name for p in (STATIC_DIR / "vendor").iterdir())
    assert vendored == ["cytoscape-3.35.0.LICENSE", "cytoscape-3.35.0.min.js"]
    assert "Permission is hereby granted" in (STATIC_DIR / "vendor" / "cytoscape-3.35.0.LICENSE").read_text()
    assert (STATIC_DIR / CYTOSCAPE).read_text().startswith("/**\n * Copyright (c) 2016-2026, The Cytoscape Consortium.")


def test_our_code_never_writes_html_from_strings():
    """Names and notes go in as text: no innerHTML, outerHTML, insertAdjacentHTML or document.write."""
    ours = [p for p in STATIC_DIR.rglob("*.js") if "vendor" not in p.parts]
    assert len(ours) >= 8
    for path in ours:
        text = path.read_text()
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function", text), path


def test_every_file_ships_as_package_data():
    """pyproject's package-data patterns cover every file under static/ (a wheel without them has no workspace)."""
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    patterns = re.search(r'"app\.workspace" = \[(.*?)\]', pyproject).group(1)
    globs = [g.strip().strip('"') for g in patterns.split(",")]
    package = STATIC_DIR.parent
    covered = {p for g in globs for p in package.glob(g) if p.is_file()}
    assert covered == {p for p in STATIC_DIR.rglob("*") if p.is_file()}
