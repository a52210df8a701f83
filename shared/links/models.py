"""Referral links. The redirect reads these items raw (no pydantic on its hot path), so keep them flat."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field

from shared.core import keys
from shared.core.entity import Entity

LINK_CODE_PATTERN = keys.LINK_CODE_PATTERN  # re-exported: the API models validate codes with it


class LinkStatus(StrEnum):
    """Only active links count clicks and attribute; the others redirect to the program's fallback."""

    ACTIVE = "active"
    PAUSED = "paused"
    EXPIRED = "expired"


class ReferralLink(Entity):
    """A partner's trackable link: a unique code, an optional destination inside the allowed domains, UTM tags."""

    entity_type: ClassVar[str] = "referral_link"

    code: str = Field(pattern=LINK_CODE_PATTERN)
    partner_id: str
    program_id: str
    status: LinkStatus = LinkStatus.ACTIVE
    destination: str | None = None
    channel: str | None = Field(default=None, max_length=40)
    campaign: str | None = Field(default=None, max_length=100)
    utm: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime | None = None
    created_at: datetime
    # The partner's status, copied onto each of its links for the redirect (docs/status-policy.md); stored,
    # never shown: the partner's own item is the truth, every attributing path reads that.
    partner_status: str | None = Field(default=None, exclude=True)

    def to_item(self) -> dict[str, Any]:
        """The stored item, with the denormalised `partner_status` the redirect reads."""
        item = super().to_item()
        if self.partner_status:
            item["partner_status"] = self.partner_status
        return item

    def keys(self) -> dict[str, str]:
        """Addressed by code (the redirect's one round trip), listed per partner on GSI1."""
        return {**keys.referral_link(self.code), **keys.referral_link_listing(self.partner_id, self.code)}
