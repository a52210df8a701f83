"""The bodies the link routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from pydantic import Field

from shared.core.entity import Model
from shared.links.models import ReferralLink


class LinkList(Model):
    """GET /admin/partners/{id}/links."""

    items: list[ReferralLink]


class SharedLink(ReferralLink):
    """A partner's own link with the URL to share."""

    share_url: str


class SharedLinkList(Model):
    """GET /partner/links."""

    items: list[SharedLink]


class DayClicks(Model):
    """One UTC day of a link: clicks (bots excluded) and unique visitors."""

    day: str
    clicks: int
    unique_visitors: int


class ClickReportView(Model):
    """GET .../links/{code}/clicks: every day of the range (zeros included) and the range's totals."""

    code: str
    from_: str = Field(alias="from")
    to: str
    clicks: int
    unique_visitors: int
    days: list[DayClicks]
