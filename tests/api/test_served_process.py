"""Runtime settings that only the served app (``app.main:app``) applies to its process."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVED = """
import gc, json
from fastapi.testclient import TestClient
import app.main
before = gc.get_threshold()
with TestClient(app.main.app):
    print(json.dumps({"before": before, "during": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_the_served_app_freezes_startup_objects_and_collects_less_often(data_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SERVED], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "RAPPORT_SAMPLE_DATA": "no"},
    )
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["before"][0] == 700  # Python's default
    assert figures["during"] == [50_000, 10, 10]
    assert figures["frozen"] > 10_000  # what startup built: modules, the app, its schemas


def test_apps_built_by_tests_leave_the_process_alone(store) -> None:
    from fastapi.testclient import TestClient

    from app.core.config import Settings
    from app.main import create_app
    from app.repositories.factory import OpenStore

    before = (gc.get_threshold(), gc.get_freeze_count())
    with TestClient(create_app(Settings(sample_data="no"), opened=OpenStore(store))):
        assert (gc.get_threshold(), gc.get_freeze_count()) == before
