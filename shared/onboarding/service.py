"""Onboarding: a visitor applies (a `pending` partner with its answers), staff approve it (plan, first link)
or reject it (a reason), or invite a partner directly. Each step calls the partners' and links' services and
records who did it in the audit trail; the emails are the console's (they need the page's base URL)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ConfigDict, Field, HttpUrl, field_validator

from shared.audit import service as audit
from shared.content import service as content
from shared.context import AppContext
from shared.core import rate_limit
from shared.core.email_address import EmailAddress
from shared.core.entity import Model
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.rate_limit_store import RateLimitRepository
from shared.links import service as links
from shared.links.models import ReferralLink
from shared.onboarding.models import Application, ApplicationStatus
from shared.onboarding.store import ApplicationRepository
from shared.partners import service as partners
from shared.partners.models import Partner, PartnerStatus

APPLICATIONS_PER_IP_PER_HOUR = 10
QUEUE_LIMIT = 200


class ApplicationInput(Model):
    """The /apply form: who applies, where they would promote the product, and that they accept the terms."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: EmailAddress
    company: str | None = Field(default=None, max_length=200)
    website: HttpUrl | None = None
    audience: str | None = Field(default=None, max_length=2000)
    promotion: str = Field(min_length=1, max_length=2000)
    accept_terms: bool

    @field_validator("accept_terms")
    @classmethod
    def _terms_accepted(cls, accepted: bool) -> bool:
        if not accepted:
            raise ValueError("the program's terms must be accepted")
        return accepted


class InvitationInput(Model):
    """A partner staff invite directly (no application): active at once, with a first link."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    email: EmailAddress
    company: str | None = Field(default=None, max_length=200)
    plan_id: str | None = None


@dataclass(frozen=True)
class Onboarded:
    """An approved or invited partner and its first referral link."""

    partner: Partner
    link: ReferralLink


def _repository(ctx: AppContext) -> ApplicationRepository:
    return ApplicationRepository(ctx.table)


def apply(ctx: AppContext, data: ApplicationInput, *, ip_subject: str, language: str | None) -> Application | None:
    """Count the request against its IP's hourly limit, then keep the application with a new `pending`
    partner. An email that already has a partner gets None (and the page the same answer: nobody can probe)."""
    rate_limit.enforce(
        RateLimitRepository(ctx.table), "apply-ip", ip_subject, limit=APPLICATIONS_PER_IP_PER_HOUR, now=ctx.clock.now()
    )
    try:
        partner = partners.create_partner(
            ctx,
            partners.PartnerInput(
                name=data.name, email=data.email, company=data.company or None, status=PartnerStatus.PENDING
            ),
        )
    except Conflict:
        return None
    application = Application(
        partner_id=partner.partner_id,
        program_id=ctx.program_id,
        name=partner.name,
        email=partner.email,
        company=partner.company,
        website=str(data.website) if data.website else None,
        audience=data.audience or None,
        promotion=data.promotion,
        terms_version=content.program_content(ctx).agreement_version,
        language=language,
        submitted_at=ctx.clock.now(),
    )
    _repository(ctx).add(application)
    audit.record(ctx, audit.APPLICANT, "partner.applied", partner_id=partner.partner_id, detail=partner.email)
    return application


def pending(ctx: AppContext) -> list[Application]:
    """The staff queue: applications waiting for a decision, oldest first."""
    return _repository(ctx).in_status(ctx.program_id, ApplicationStatus.PENDING, QUEUE_LIMIT)


def application_of(ctx: AppContext, partner_id: str) -> Application | None:
    """A partner's application (None for an invited partner)."""
    return _repository(ctx).find(partner_id)


def _pending_application(ctx: AppContext, partner_id: str) -> Application:
    application = _repository(ctx).find(partner_id)
    if application is None:
        raise NotFound("no application for this partner", code="application_not_found")
    if application.status is not ApplicationStatus.PENDING:
        raise Conflict("this application was already decided", code="application_decided")
    return application


def approve(
    ctx: AppContext, partner_id: str, *, actor: str, plan_id: str | None = None, link_code: str | None = None
) -> Onboarded:
    """Approve a pending application: the decision is stored once (a second approver gets a Conflict), then
    the partner gets its plan, becomes active and gets its first link."""
    application = _pending_application(ctx, partner_id)
    if plan_id:
        ctx.programs.get_plan(ctx.program_id, plan_id)  # an unknown plan stops here, before any write
    link_input = links.LinkInput(code=link_code or None)
    if link_input.code and ctx.links.find(link_input.code) is not None:
        raise Conflict(f"the link code {link_input.code!r} is taken", code="link_code_taken")
    now = ctx.clock.now()
    _repository(ctx).decide(
        application.model_copy(update={"status": ApplicationStatus.APPROVED, "decided_at": now, "decided_by": actor})
    )
    if plan_id:
        partners.set_plan(ctx, partner_id, plan_id)
    partner = partners.change_status(ctx, partner_id, PartnerStatus.ACTIVE, None)
    link = links.create_link(ctx, partner_id, link_input)
    audit.record(
        ctx, actor, "partner.approved", partner_id=partner_id, detail=f"plan={plan_id or 'default'} link={link.code}"
    )
    return Onboarded(partner, link)


def reject(ctx: AppContext, partner_id: str, *, actor: str, reason: str) -> Partner:
    """Reject a pending application with a reason (the applicant is told it); the partner ends terminated."""
    reason = reason.strip()
    if not reason:
        raise BadRequest("a rejection needs a reason", code="reason_required")
    application = _pending_application(ctx, partner_id)
    now = ctx.clock.now()
    _repository(ctx).decide(
        application.model_copy(
            update={
                "status": ApplicationStatus.REJECTED,
                "decided_at": now,
                "decided_by": actor,
                "decision_reason": reason[:1000],
            }
        )
    )
    partner = partners.change_status(ctx, partner_id, PartnerStatus.TERMINATED, reason[:500])
    audit.record(ctx, actor, "partner.rejected", partner_id=partner_id, detail=reason)
    return partner


def invite(ctx: AppContext, data: InvitationInput, *, actor: str) -> Onboarded:
    """Onboard a partner staff chose: active at once, with its plan and a first link."""
    partner = partners.create_partner(
        ctx,
        partners.PartnerInput(name=data.name, email=data.email, company=data.company or None, plan_id=data.plan_id),
    )
    link = links.create_link(ctx, partner.partner_id, links.LinkInput())
    audit.record(ctx, actor, "partner.invited", partner_id=partner.partner_id, detail=partner.email)
    return Onboarded(partner, link)
