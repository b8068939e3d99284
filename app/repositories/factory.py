"""Open the graph store named by the settings; the only place that picks an adapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from falkordb import FalkorDB

from app.core.config import Settings
from app.domain.errors import StoreUnavailable
from app.repositories.embedded_falkordb import (
    REWRITE_WORTH_BYTES,
    EmbeddedFalkorDB,
    LoadProgress,
)
from app.repositories.falkordb_store import FalkorGraphStore
from app.repositories.store import Compaction, GraphStore


@dataclass
class OpenStore:
    """A store plus whatever must be stopped with it (the embedded server)."""

    store: GraphStore
    embedded: EmbeddedFalkorDB | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def kind(self) -> str:
        return "embedded" if self.embedded else self.store.dialect.value

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.store.close()
        finally:
            if self.embedded is not None:
                self.embedded.stop()


def open_store(settings: Settings, *, on_loading: Callable[[LoadProgress], None] | None = None) -> OpenStore:
    """Open the configured store. ``on_loading`` hears how far an embedded store that is
    still loading its data has got (it is also logged)."""
    if settings.store_kind == "embedded":
        server = EmbeddedFalkorDB(
            settings.data_dir, appendfsync=settings.appendfsync, start_timeout_s=settings.store_start_timeout,
            on_loading=on_loading,
        ).start()
        try:
            client = FalkorDB(unix_socket_path=str(server.socket_path))

            def compact() -> Compaction:
                return server.rewrite_append_only_file(if_over_bytes=REWRITE_WORTH_BYTES, when="after a bulk load")

            store = FalkorGraphStore(client, settings.graph_name, where=f"at {server.socket_path}", compactor=compact,
                                     copy_guard=server.one_fork, bulk_guard=server.bulk_load)
            opened = OpenStore(store, server)
            opened.store.ensure_schema()
        except Exception:
            server.stop()
            raise
        return opened
    url = urlparse(settings.graph_url)
    if settings.store_kind == "falkordb":
        password = settings.falkordb_password.get_secret_value() if settings.falkordb_password else url.password
        client = FalkorDB(
            host=url.hostname or "localhost", port=url.port or 6379, password=password,
            ssl=url.scheme == "falkors",
        )
        store: GraphStore = FalkorGraphStore(client, settings.graph_name, where=f"at {url.hostname}:{url.port or 6379}")
    else:
        import neo4j

        from app.repositories.neo4j_store import DRIVER_OPTIONS, Neo4jGraphStore

        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else None
        auth = (settings.neo4j_user, password) if password else None
        driver = neo4j.GraphDatabase.driver(settings.graph_url, auth=auth, **DRIVER_OPTIONS)
        try:
            driver.verify_connectivity()
        except Exception as error:
            driver.close()
            raise StoreUnavailable(f"cannot connect to Neo4j at {url.hostname}: {error}") from error
        store = Neo4jGraphStore(driver, settings.neo4j_database)
    store.ensure_schema()
    return OpenStore(store)
