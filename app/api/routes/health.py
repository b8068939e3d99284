from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import RepositoryDep, StoreDep
from app.domain.errors import StoreUnavailable

router = APIRouter(tags=["health"])


@router.get("/health", summary="Is the API up and its graph store answering?")
def health(store: StoreDep, repository: RepositoryDep) -> dict[str, Any]:
    try:
        repository.health()
    except StoreUnavailable:
        raise
    except Exception as error:  # any store failure means "not healthy", reported as 503
        raise StoreUnavailable(f"graph store check failed: {error}") from error
    return {"status": "ok", **store.describe()}
