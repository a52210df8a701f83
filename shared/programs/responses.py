"""The bodies the program routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from shared.core.entity import Model
from shared.programs.models import CommissionPlan


class PlanList(Model):
    """GET /admin/plans."""

    items: list[CommissionPlan]
