"""app.bootstrap builds every service the API and the command line use, for the caller given,
over one repository. (Preparing a store, with its catalogue and the sample practice, is tested
on real stores in tests/repositories/test_factory.py.)"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.bootstrap import Services
from app.domain.access import LOCAL_OPERATOR, Caller
from app.domain.model import TeamRole
from app.services.access import AccessService, CallerCache
from app.services.analytics import AnalyticsService
from app.services.catalogue import CatalogueService
from app.services.entities import EntityService
from app.services.groups import GroupService
from app.services.idempotency import IdempotencyService
from app.services.mailing import MailingService
from app.services.practice_graph import GraphSnapshots
from app.services.relationships import RelationshipService
from app.services.service_cycle import ServiceCycleService
from app.services.service_plans import ServicePlanService
from app.services.scoring import ScoringService
from app.services.tiers import TierService

#: Building a service does no I/O: a store that only names its queries is enough.
STORE = SimpleNamespace(queries=None)
ADVISER = Caller(team_member_id="t1", name="Anna Shaw", role=TeamRole.adviser, key_id="k1")
BUILT = {
    "access": AccessService, "catalogue": CatalogueService, "entities": EntityService,
    "relationships": RelationshipService, "analytics": AnalyticsService, "scoring": ScoringService, "tiers": TierService,
    "service_cycle": ServiceCycleService, "service_plans": ServicePlanService, "groups": GroupService,
    "mailing": MailingService,
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_each_service_is_built_for_the_caller_over_one_repository(name):
    services = Services.over(STORE, ADVISER)
    service = getattr(services, name)()
    assert type(service) is BUILT[name]
    # The analytics service holds its caller in its visibility (it writes nothing).
    caller = service._visibility.caller if isinstance(service, AnalyticsService) else service._caller
    assert caller is ADVISER and service._repo is services.repository


def test_every_service_is_built_here():
    # A new service method on Services must be listed above (and so checked).
    built = {name for name in vars(Services) if not name.startswith("_") and callable(getattr(Services, name))}
    assert built - {"over", "idempotency"} == set(BUILT)
    kept = Services.over(STORE, ADVISER).idempotency(60)
    assert type(kept) is IdempotencyService and kept._ttl.total_seconds() == 60


def test_the_command_line_acts_as_the_local_operator_and_reads_the_graph_afresh():
    services = Services.over(STORE)
    assert services.caller is LOCAL_OPERATOR
    assert services.analytics()._snapshots.max_age_s == 0


def test_the_api_hands_on_its_process_caches():
    snapshots, callers = GraphSnapshots(60), CallerCache(5)
    services = Services.over(STORE, ADVISER, snapshots=snapshots, callers=callers)
    assert services.analytics()._snapshots is snapshots
    assert services.access()._cache is callers
    assert services.entities()._catalogue._caller is ADVISER
