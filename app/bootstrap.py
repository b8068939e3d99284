"""Where the store and the services are built, for the API (``app.main``, ``app.api.deps``)
and the command line (``app.cli``) alike: one place that knows which service needs what.

``open_practice`` opens the configured store; ``prepare_store`` gives a new one the default
catalogue (and the sample practice where wanted); ``Services`` builds each service for one
caller over one store. Building a service does no I/O, so the API builds them per request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from app.core.config import Settings
from app.domain.access import LOCAL_OPERATOR, Caller
from app.repositories.embedded_falkordb import LoadProgress
from app.repositories.factory import OpenStore, open_store
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.access import AccessService, CallerCache
from app.services.analytics import AnalyticsService
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.groups import GroupService
from app.services.idempotency import IdempotencyService
from app.services.mailing import MailingService
from app.services.practice_graph import GraphSnapshots
from app.services.relationships import RelationshipService
from app.services.sample import load_sample_practice
from app.services.scoring import ScoringService
from app.services.service_cycle import ServiceCycleService
from app.services.service_plans import ServicePlanService
from app.services.tiers import TierService

log = logging.getLogger("rapport")


def open_practice(settings: Settings, *, on_loading: Callable[[LoadProgress], None] | None = None) -> OpenStore:
    """The configured store, opened (the caller closes it)."""
    return open_store(settings, on_loading=on_loading)


def prepare_store(opened: OpenStore, settings: Settings, *, sample: bool = True) -> None:
    """The default catalogue into a new store; with ``sample``, the sample practice into an
    empty one where the settings want it (``RAPPORT_SAMPLE_DATA``)."""
    services = Services(PracticeRepository(opened.store))
    services.catalogue().seed_defaults()
    if not sample:
        return
    wanted = settings.sample_data == "yes" or (settings.sample_data == "auto" and opened.kind == "embedded")
    if wanted and services.repository.count_entities() == 0:
        load_sample_practice(services.entities(), services.relationships())
        log.info("loaded the sample practice")


@dataclass(slots=True)
class Services:
    """The services for one caller (the local operator by default: the command line) over
    one store. Built per API request, so a plain slotted class: a frozen dataclass's
    ``__init__`` (``object.__setattr__`` per field) made building a service ~9 µs slower. ``snapshots`` is the API process's cache of the analytics graph (none: each
    analytics call reads the graph afresh); ``callers`` its cache of authenticated keys."""

    repository: PracticeRepository
    caller: Caller = LOCAL_OPERATOR
    snapshots: GraphSnapshots | None = None
    callers: CallerCache | None = None

    @classmethod
    def over(cls, store: GraphStore, caller: Caller = LOCAL_OPERATOR, *, snapshots: GraphSnapshots | None = None,
             callers: CallerCache | None = None) -> Services:
        return cls(PracticeRepository(store), caller, snapshots, callers)

    def access(self) -> AccessService:
        return AccessService(self.repository, self.caller, self.callers)

    def catalogue(self) -> CatalogueService:
        return CatalogueService(self.repository, self.caller)

    def entities(self) -> EntityService:
        return EntityService(self.repository, self.catalogue(), self.caller)

    def relationships(self) -> RelationshipService:
        return RelationshipService(self.repository, self.catalogue(), self.caller)

    def _graph_snapshots(self) -> GraphSnapshots:
        """The process's cache of the analytics graph; none (read afresh each call) for the CLI."""
        return self.snapshots if self.snapshots is not None else GraphSnapshots(0)

    def analytics(self) -> AnalyticsService:
        return AnalyticsService(self.repository, self.catalogue(), self._graph_snapshots(), self.caller)

    def scoring(self) -> ScoringService:
        return ScoringService(self.repository, self.catalogue(), self._graph_snapshots(), self.caller)

    def tiers(self) -> TierService:
        return TierService(self.repository, self.caller)

    def service_cycle(self) -> ServiceCycleService:
        return ServiceCycleService(self.repository, self.caller)

    def service_plans(self) -> ServicePlanService:
        return ServicePlanService(self.repository, self.caller)

    def groups(self) -> GroupService:
        return GroupService(self.repository, self.caller)

    def mailing(self) -> MailingService:
        return MailingService(self.repository, self.caller)

    def idempotency(self, ttl_s: float) -> IdempotencyService:
        """The kept answers of POSTs under an ``Idempotency-Key``, for ``ttl_s`` seconds (the
        caller scopes the keys; the service itself acts for nobody)."""
        return IdempotencyService(self.repository, ttl_s=ttl_s)
