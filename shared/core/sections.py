"""Route sections loaded with their first request: a function's rarely used routers (the admin reports, the
staff console in the web function...) are imported and included when a request first reaches their path
prefix, not at cold start, so a container pays only for the sections its requests use (docs/observability.md
"Cold start"). A section owns whole path prefixes that no other router answers, so which route a request
reaches does not depend on when its section was loaded; the OpenAPI document loads every section first.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable, Mapping
from typing import Any


class Sections:
    """The sections of one resolver: each path prefix (e.g. `/admin/reports`, or `/admin/partners/*/adjustments`
    where `*` is any one segment) names the modules whose `router` answers it; `load_for(event)` includes them
    before the resolver matches the request's route."""

    def __init__(self, app: Any, sections: Mapping[str, Iterable[str]]) -> None:
        self._app = app
        self._pending = {prefix.rstrip("/"): tuple(modules) for prefix, modules in sections.items()}
        self._loaded: set[str] = set()
        app.sections = self  # shared.core.http.GuardedResolver.get_openapi_schema loads them all first

    def load_for(self, event: Mapping[str, Any]) -> None:
        """Include the section(s) the request's path belongs to, if not loaded yet."""
        if not self._pending:
            return
        path = str(event.get("rawPath") or event.get("path") or "")
        parts = path.rstrip("/").split("/")
        for prefix in [p for p in self._pending if _under(parts, p.split("/"))]:
            self._load(prefix)

    def load_all(self) -> None:
        """Include every section not loaded yet (the OpenAPI document and the Swagger UI describe them all)."""
        for prefix in list(self._pending):
            self._load(prefix)

    def _load(self, prefix: str) -> None:
        collecting = gc.isenabled()
        gc.disable()  # as at cold start (shared.core.cold_start): the modules' objects are long-lived
        try:
            for name in self._pending.pop(prefix, ()):
                if name not in self._loaded:  # a module may answer several prefixes (the console: /console, /apply)
                    self._loaded.add(name)
                    self._app.include_router(importlib.import_module(name).router)
        finally:
            if collecting:
                gc.freeze()
                gc.enable()


def _under(path: list[str], prefix: list[str]) -> bool:
    """Whether a path (its segments) lies under a prefix, whose `*` segments stand for any one segment."""
    return len(path) >= len(prefix) and all(p in ("*", s) for p, s in zip(prefix, path, strict=False))


ADMIN_SECTIONS: dict[str, tuple[str, ...]] = {
    # The admin API (functions/admin_api): programs, partners and links load at cold start, these on first use.
    "/admin/leads": ("shared.leads.admin_api",),
    "/admin/commissions": ("shared.commissions.admin_api",),
    "/admin/review": ("shared.commissions.admin_api",),
    "/admin/customers": ("shared.commissions.admin_api",),
    "/admin/partners/*/adjustments": ("shared.commissions.admin_api",),
    "/admin/partners/*/promotion-codes": ("shared.commissions.admin_api",),
    "/admin/payouts": ("shared.payouts.admin_api",),
    "/admin/reports": ("shared.reports.admin_api",),
    "/admin/webhook-endpoints": ("shared.webhooks.admin_api",),
}

PARTNER_SECTIONS: dict[str, tuple[str, ...]] = {
    # The partner API (functions/partner_api): its profile (/partner/me) loads at cold start, these on first use.
    "/partner/links": ("shared.links.partner_api",),
    "/partner/leads": ("shared.leads.partner_api",),
    "/partner/balance": ("shared.commissions.partner_api",),
    "/partner/commissions": ("shared.commissions.partner_api",),
    "/partner/adjustments": ("shared.commissions.partner_api",),
    "/partner/promotion-codes": ("shared.commissions.partner_api",),
    "/partner/payouts": ("shared.payouts.partner_api",),
    "/partner/reports": ("shared.reports.partner_api",),
}
