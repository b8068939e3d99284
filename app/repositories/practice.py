"""The practice repository: every graph read and write Rapport makes, one query file each,
on one store.

It is the areas' repositories together (each module of this package with a ``Protocol``:
see ``app/repositories/base.py``), for the wiring: the API and the CLI make one and hand it
to the services, which name only the Protocols of the areas they use.
"""

from __future__ import annotations

from app.repositories.access import AccessRepository
from app.repositories.analytics import AnalyticsRepository
from app.repositories.audit import AuditRepository
from app.repositories.catalogue import CatalogueRepository
from app.repositories.entities import EntityRepository
from app.repositories.idempotency import IdempotencyRepository
from app.repositories.relationships import RelationshipRepository
from app.repositories.scoring_runs import ScoringRunRepository
from app.repositories.service_cycle import ServiceCycleRepository
from app.repositories.service_tasks import ServiceTaskRepository
from app.repositories.team import TeamRepository
from app.repositories.tier_runs import TierRunRepository
from app.repositories.transfer import TransferRepository
from app.repositories.visibility import VisibilityRepository

class PracticeRepository(
    EntityRepository, VisibilityRepository, RelationshipRepository, CatalogueRepository, AnalyticsRepository,
    ScoringRunRepository, TierRunRepository, ServiceCycleRepository, ServiceTaskRepository, TeamRepository,
    AccessRepository, AuditRepository, IdempotencyRepository, TransferRepository,
):
    """Every area's reads and writes on one store."""
