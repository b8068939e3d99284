"""The peer for bench/api_bench.py: a bare FastAPI route returning a fixed JSON document."""

import json
import os

from fastapi import FastAPI

app = FastAPI()
_DOCUMENT = json.loads(open(os.environ["RAPPORT_BENCH_DOCUMENT"], encoding="utf-8").read())


@app.get("/clients/{client_id}")
def read_client(client_id: str) -> dict:
    return _DOCUMENT
