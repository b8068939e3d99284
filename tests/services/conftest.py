"""Fixtures for the service tests."""

from __future__ import annotations

import pytest

from app.domain.access import LOCAL_OPERATOR
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore
from app.services.catalogue import CatalogueService


@pytest.fixture
def repository(store: GraphStore) -> PracticeRepository:
    repository = PracticeRepository(store)
    CatalogueService(repository, LOCAL_OPERATOR).seed_defaults()
    return repository
