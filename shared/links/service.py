"""Referral links: codes (generated or vanity), destinations inside the allowed domains, UTM tags."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from shared.context import AppContext
from shared.core.entity import Model
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.ids import random_code
from shared.core.urls import safe_destination
from shared.links.models import LINK_CODE_PATTERN, LinkStatus, ReferralLink
from shared.partners.models import PartnerStatus

GENERATED_CODE_ATTEMPTS = 5


class LinkInput(Model):
    """A new referral link (POST /admin/partners/{partner_id}/links)."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, pattern=LINK_CODE_PATTERN, description="vanity code; generated if absent")
    destination: str | None = Field(default=None, max_length=2048)
    channel: str | None = Field(default=None, max_length=40)
    campaign: str | None = Field(default=None, max_length=100)
    utm: dict[str, str] = Field(default_factory=dict, max_length=5)
    expires_at: datetime | None = None


UTM_KEYS = frozenset({"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"})


def create_link(ctx: AppContext, partner_id: str, data: LinkInput) -> ReferralLink:
    """Create a link for a partner; the destination must lie within the program's allowed domains."""
    partner = ctx.partners.get(partner_id)
    if partner.status is PartnerStatus.TERMINATED:
        raise Conflict("a terminated partner cannot get new links", code="partner_terminated")
    program = ctx.programs.get(ctx.program_id)
    if data.destination is not None and safe_destination(data.destination, program.allowed_destination_domains) is None:
        raise BadRequest(
            "destination must be an http(s) URL on one of the program's allowed domains: "
            + ", ".join(program.allowed_destination_domains),
            code="destination_not_allowed",
        )
    unknown_utm = set(data.utm) - UTM_KEYS
    if unknown_utm:
        raise BadRequest(f"unknown UTM keys: {', '.join(sorted(unknown_utm))}", code="invalid_utm")
    if data.expires_at is not None and data.expires_at.tzinfo is None:
        raise BadRequest("expires_at needs a timezone (e.g. 2027-01-01T00:00:00Z)", code="invalid_expiry")
    attempts = 1 if data.code else GENERATED_CODE_ATTEMPTS
    for attempt in range(attempts):
        link = ReferralLink(
            code=data.code or random_code(),
            partner_id=partner_id,
            program_id=ctx.program_id,
            status=LinkStatus.ACTIVE,
            destination=data.destination,
            channel=data.channel,
            campaign=data.campaign,
            utm=data.utm,
            expires_at=data.expires_at,
            created_at=ctx.clock.now(),
            partner_status=partner.status.value,
        )
        try:
            ctx.links.create(link)
            return link
        except Conflict:
            if data.code or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class LinkStatusInput(Model):
    """A link's new status (PATCH /admin/links/{code}): pause, resume, or expire for good."""

    model_config = ConfigDict(extra="forbid")

    status: LinkStatus


def set_link_status(ctx: AppContext, code: str, data: LinkStatusInput) -> ReferralLink:
    """Pause, resume or expire a link. The redirect sees it within its cache time (30 s)."""
    return ctx.links.set_status(code, data.status)


def sync_partner_status(ctx: AppContext, partner_id: str, partner_status: str) -> int:
    """Copy a partner's new status onto every one of its links (the redirect reads it there); the count written.

    One UpdateItem per link, each idempotent: running it again (a retried status change) repairs any link a
    failure skipped. docs/status-policy.md says why the redirect does not read the partner itself.
    """
    written = 0
    for link in ctx.links.list_for_partner(partner_id):
        if link.partner_status != partner_status and ctx.links.set_partner_status(link.code, partner_status):
            written += 1
    return written


def create_own_link(ctx: AppContext, partner_id: str, code: str) -> ReferralLink:
    """A link a partner creates for itself with a code it chooses (the portal), within the program's
    per-partner limit. The count is read before the write, so two creations at the same instant may pass the
    limit by one; the code's uniqueness is the store's conditional write."""
    program = ctx.programs.get(ctx.program_id)
    if len(ctx.links.list_for_partner(partner_id)) >= program.partner_link_limit:
        raise Conflict(f"the program allows {program.partner_link_limit} links per partner", code="link_limit_reached")
    return create_link(ctx, partner_id, LinkInput(code=code, channel="portal"))


def share_url(base_url: str, code: str) -> str:
    """The URL a partner shares: `<base>/r/<code>`."""
    return f"{base_url.rstrip('/')}/r/{code}"


def partner_link(ctx: AppContext, partner_id: str, code: str) -> ReferralLink:
    """A link of this partner; another partner's link is NotFound, exactly like a missing one."""
    link = ctx.links.find(code)
    if link is None or link.partner_id != partner_id:
        raise NotFound(f"referral link {code!r} does not exist", code="link_not_found")
    return link
