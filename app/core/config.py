"""All configuration, from ``RAPPORT_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

def default_data_dir() -> Path:
    """The per-user data directory of the XDG base directory spec: ``$XDG_DATA_HOME/rapport``,
    else ``~/.local/share/rapport`` (the spec ignores a relative ``XDG_DATA_HOME``). One place
    whatever directory a command runs in."""
    base = os.environ.get("XDG_DATA_HOME", "")
    return (Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "share") / "rapport"


GRAPH_URL_SCHEMES = ("falkor", "falkors", "neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAPPORT_", env_file=".env", extra="ignore")

    #: Unset: the embedded FalkorDB. ``falkor://host:port``: an external FalkorDB.
    #: ``neo4j://``, ``neo4j+s://``, ``bolt://``: Neo4j 5.
    graph_url: str | None = None
    #: Where the embedded store keeps its socket, pid file, log and append-only file
    #: (default: :func:`default_data_dir`, the same whatever directory a command runs in).
    data_dir: Path = Field(default_factory=default_data_dir)
    #: The port ``rapport serve`` listens on (``--port`` overrides it).
    port: int = Field(8000, ge=1, le=65_535)
    #: The FalkorDB graph (key) that holds the practice.
    graph_name: str = "rapport"
    #: ``everysec`` (default) or ``always`` (fsync every write; slower, loses nothing on power loss).
    appendfsync: Literal["everysec", "always"] = "everysec"
    #: How long (seconds) a command or the API waits for the embedded store to load its data
    #: before giving up with an error that says how far it got (the store goes on loading).
    #: A compact store of 100,000 entities / 1,000,000 relationships loads in ~10 s; a log
    #: that must be run again (an older Rapport's, or one killed before its rewrite) takes
    #: minutes. Environment: ``RAPPORT_STORE_START_TIMEOUT``.
    store_start_timeout: float = Field(600.0, gt=0)
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    falkordb_password: SecretStr | None = None
    #: ``auto``: load the sample practice into an empty embedded store only.
    #: ``yes``: into any empty store, Neo4j included. ``no``: never.
    sample_data: Literal["auto", "yes", "no"] = "auto"
    #: How long (seconds) one API process reuses the graph it read for paths, chains and
    #: risk; its own writes refresh it at once, other processes' writes after this long.
    analytics_snapshot_max_age_s: float = 60.0
    #: How long (seconds) one API process trusts a key it checked; its own writes (a revoked
    #: key, a changed role or hierarchy) take effect at once, other processes' after this long.
    auth_cache_s: float = 5.0
    #: How long (seconds) the response to a POST with an ``Idempotency-Key`` is kept for its
    #: retries; after this the key may be used again.
    idempotency_ttl_s: float = 24 * 3600.0
    #: The largest request body (bytes) the API reads; a larger one is refused (413) before
    #: the rest is read. Sized for POST /relationships/batch at its 50,000-item limit: a body
    #: of 50,000 relationships with every field set and a 100-character note each is 14.2 MiB
    #: (297 bytes an item, json.dumps; 106 with type and ends only), so 32 MiB leaves room for
    #: notes of ~470 characters on every item. Bodies are read into memory before they are
    #: parsed: this bounds what one request can make the process hold.
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024)

    @field_validator("graph_url")
    @classmethod
    def _known_scheme(cls, url: str | None) -> str | None:
        if not url:
            return None
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in GRAPH_URL_SCHEMES:
            raise ValueError(f"RAPPORT_GRAPH_URL must start with one of {', '.join(s + '://' for s in GRAPH_URL_SCHEMES)}")
        return url

    @property
    def store_kind(self) -> Literal["embedded", "falkordb", "neo4j"]:
        if self.graph_url is None:
            return "embedded"
        return "falkordb" if self.graph_url.startswith("falkor") else "neo4j"

    @property
    def store_location(self) -> str:
        """Which store these settings name, in words (no credentials)."""
        if self.graph_url is None:
            return f"the embedded FalkorDB store in {self.data_dir.expanduser().resolve()}"
        url = urlparse(self.graph_url)
        where = f"{url.hostname}:{url.port}" if url.port else f"{url.hostname}"
        if self.store_kind == "falkordb":
            return f"FalkorDB at {where}, graph {self.graph_name}"
        return f"Neo4j at {where}, database {self.neo4j_database}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
