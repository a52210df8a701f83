"""Lead intake: the visitor's form and partner submissions, attribution, dedupe by email, and the rate limits.

One lead per program per normalised email: the lead and a claim keyed by the email's hash are written in
one transaction. A repeat submission finds the claim and answers with the same lead; when another partner
comes in, the program's first/last-touch policy decides who holds it and the loser gets a duplicate record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.context import AppContext
from shared.core import keys, rate_limit
from shared.core.errors import Forbidden
from shared.core.ids import new_id
from shared.core.observability import logger
from shared.core.rate_limit_store import RateLimitRepository
from shared.leads import rules as lead_rules
from shared.leads.forms import PartnerLeadInput, VisitorLeadForm
from shared.leads.models import (
    PARTNER_DETAIL_FIELDS,
    AttributionMethod,
    Lead,
    LeadDuplicate,
    LeadEmailClaim,
    LeadOutcome,
    LeadSource,
    LeadStatus,
)
from shared.leads.store import LeadEmailTaken, StaleLead, lead_busy, write_attempts
from shared.links import click_token
from shared.links.attribution import Touch, click_token_secrets, decide_owner, verify_click
from shared.partners import policy
from shared.partners.models import Partner
from shared.partners.service import normalize_email
from shared.programs.models import Program

SELF_REFERRAL_REASON = "self-referral: the prospect is the partner or the partner's own company"
EXISTING_CUSTOMER_REASON = "existing customer: this email already belongs to a paying customer"
DUPLICATE_REASON = "already referred by another partner"
KNOWN_TO_COMPANY_REASON = "already known to the company (an earlier enquiry without a partner)"
SUPERSEDED_REASON = "another partner referred this prospect more recently (last-touch program)"


@dataclass(frozen=True)
class Claimant:
    """Who the submission attributes the prospect to, how, and when the partner touched it."""

    partner: Partner | None
    method: AttributionMethod
    touched_at: datetime
    link_code: str | None = None
    click_nonce: str | None = None


@dataclass(frozen=True)
class Submission:
    """What a submission came to, as its submitter sees it."""

    lead_id: str
    created: bool
    outcome: LeadOutcome
    status: LeadStatus
    status_reason: str | None = None


# ---------------------------------------------------------------- attribution of a visitor's form
def resolve_visitor_claimant(
    ctx: AppContext, program: Program, token: str | None, ref: str | None, now: datetime
) -> Claimant:
    """The partner a visitor's form belongs to: a genuine click token first, else an active ref code.

    A forged, expired or unknown token or code never blocks the prospect's form: it only leaves the lead
    unattributed (and is logged), since the visitor cannot fix it.
    """
    if token:
        try:
            claim = verify_click(token, program, now)
        except click_token.InvalidClickToken as error:
            logger.info("lead click token ignored", extra={"reason": str(error)})
        else:
            partner = _active_partner(ctx, claim.partner_id)
            link = ctx.links.find(claim.link_code) if partner is not None else None
            # A link that expired after the click keeps it; a paused one attributes nothing (the status policy).
            link_now = policy.link_state(link.status, None, now) if link is not None else policy.LINK_ACTIVE
            if partner is not None and policy.click_token_attributes(partner.status, link_now):
                return Claimant(
                    partner=partner,
                    method=AttributionMethod.CLICK_TOKEN,
                    touched_at=datetime.fromtimestamp(claim.clicked_at, UTC),
                    link_code=claim.link_code,
                    click_nonce=claim.click_nonce,
                )
    if ref:
        link = ctx.links.find(ref)
        usable = (
            link is not None
            and link.program_id == ctx.program_id
            and policy.link_state(link.status, link.expires_at, now) == policy.LINK_ACTIVE
        )
        partner = _active_partner(ctx, link.partner_id) if link is not None and usable else None
        if link is not None and partner is not None:
            return Claimant(partner=partner, method=AttributionMethod.REF_CODE, touched_at=now, link_code=link.code)
    return Claimant(partner=None, method=AttributionMethod.NONE, touched_at=now)


def _active_partner(ctx: AppContext, partner_id: str) -> Partner | None:
    partner = ctx.partners.find(partner_id)
    if partner is None or partner.program_id != ctx.program_id or not policy.partner_is_active(partner.status):
        return None
    return partner


# ---------------------------------------------------------------- intake
def submit_visitor_lead(ctx: AppContext, program: Program, form: VisitorLeadForm) -> Submission:
    """Record the landing page's form (the honeypot and rate limit are checked by the caller first)."""
    claimant = resolve_visitor_claimant(ctx, program, form.click_token, form.ref, ctx.clock.now())
    fields = form.model_dump(include={"name", "company", "job_title", "company_size", "phone", "message"})
    prospect = Prospect.of(str(form.email), fields, form.consent_to_contact, LeadSource.VISITOR_FORM)
    return submit_lead(ctx, program, prospect, claimant)


def submit_partner_lead(ctx: AppContext, program: Program, partner_id: str, data: PartnerLeadInput) -> Submission:
    """Record a prospect a partner submits; only an active partner may submit. A paying customer's email is
    answered like any accepted lead (no membership oracle); the lead itself records the real outcome."""
    partner = ctx.partners.get(partner_id)
    if not policy.partner_may_submit_leads(partner.status):
        raise Forbidden(f"a {partner.status.value} partner cannot submit leads", code="partner_not_active")
    claimant = Claimant(partner=partner, method=AttributionMethod.PARTNER_SUBMITTED, touched_at=ctx.clock.now())
    fields = data.model_dump(include={"name", "company", "job_title", "company_size", "phone", "notes"})
    prospect = Prospect.of(str(data.email), fields, data.consent_to_contact, LeadSource.PARTNER_SUBMITTED)
    submission = submit_lead(ctx, program, prospect, claimant)
    if submission.outcome is LeadOutcome.EXISTING_CUSTOMER:
        # No membership oracle: the partner's answer is any accepted lead's (staff see the real outcome).
        return Submission(submission.lead_id, submission.created, LeadOutcome.ACCEPTED, LeadStatus.NEW)
    return submission


@dataclass(frozen=True)
class Prospect:
    """A submitted prospect: normalised email and its hash, the other fields given, consent, source."""

    email: str
    email_hash: str
    fields: dict[str, Any]
    consent: bool
    source: LeadSource

    @classmethod
    def of(cls, email: str, fields: dict[str, Any], consent: bool, source: LeadSource) -> Prospect:
        """Normalise the email (the form every dedupe compares) and drop absent fields."""
        normalized = normalize_email(email)
        present = {k: v for k, v in fields.items() if v is not None}
        return cls(normalized, keys.sha256_hex(normalized), present, consent, source)


def submit_lead(ctx: AppContext, program: Program, prospect: Prospect, claimant: Claimant) -> Submission:
    """Create the program's lead for this email, or resolve a repeat submission against the existing one."""
    partner = claimant.partner
    self_referral = partner is not None and lead_rules.is_self_referral(prospect.email, partner)
    for _ in write_attempts():
        now = ctx.clock.now()
        lead = _new_lead(ctx, prospect, claimant, self_referral=self_referral, now=now)
        claim = LeadEmailClaim(
            program_id=ctx.program_id, email_hash=prospect.email_hash, lead_id=lead.lead_id, created_at=now
        )
        try:
            ctx.leads.create(lead, claim)
            return Submission(lead.lead_id, True, lead.outcome, lead.status, lead.status_reason)
        except LeadEmailTaken as taken:
            existing = ctx.leads.find(taken.lead_id) if taken.lead_id else None
        except StaleLead:
            continue
        if existing is None:
            continue  # the claim was erased between our write and this read: try creating again
        try:
            return _repeat_submission(ctx, program, existing, prospect, claimant, self_referral=self_referral)
        except StaleLead:
            continue
    raise lead_busy()


def _new_lead(ctx: AppContext, prospect: Prospect, claimant: Claimant, *, self_referral: bool, now: datetime) -> Lead:
    # Outcomes that earn nothing are recorded as rejected with a reason, so the lifecycle cannot pay them.
    if ctx.leads.is_existing_customer(ctx.program_id, prospect.email_hash):
        outcome, status, reason = LeadOutcome.EXISTING_CUSTOMER, LeadStatus.REJECTED, EXISTING_CUSTOMER_REASON
    elif self_referral:
        outcome, status, reason = LeadOutcome.SELF_REFERRAL, LeadStatus.REJECTED, SELF_REFERRAL_REASON
    else:
        outcome, status, reason = LeadOutcome.ACCEPTED, LeadStatus.NEW, None
    return Lead(
        lead_id=new_id("lead"),
        program_id=ctx.program_id,
        partner_id=claimant.partner.partner_id if claimant.partner else None,
        email_hash=prospect.email_hash,
        email=prospect.email,
        consent_to_contact=prospect.consent,
        source=prospect.source,
        outcome=outcome,
        status=status,
        status_reason=reason,
        attribution=claimant.method,
        link_code=claimant.link_code,
        click_nonce=claimant.click_nonce,
        touched_at=claimant.touched_at if claimant.partner else None,
        submitted_by=claimant.partner.partner_id
        if claimant.partner and prospect.source is LeadSource.PARTNER_SUBMITTED
        else None,
        created_at=now,
        updated_at=now,
        **prospect.fields,
    )


def _repeat_submission(
    ctx: AppContext,
    program: Program,
    existing: Lead,
    prospect: Prospect,
    claimant: Claimant,
    *,
    self_referral: bool,
) -> Submission:
    """The same email again: idempotent for the holder, a policy decision when another partner comes in."""
    now = ctx.clock.now()
    incoming = claimant.partner
    same = Submission(existing.lead_id, False, existing.outcome, existing.status, existing.status_reason)
    if incoming is None or incoming.partner_id == existing.partner_id:
        return same
    # Only an open, earning-eligible lead can change hands: a qualified lead's bounty is already owed.
    movable = existing.status is LeadStatus.NEW and existing.outcome is LeadOutcome.ACCEPTED and not self_referral
    # A holder that is no longer active (paused, terminated) holds nothing against an active partner.
    holder = existing.partner_id
    holder_active = holder is not None and _active_partner(ctx, holder) is not None
    held = Touch(holder, existing.touched_at or existing.created_at) if holder and holder_active else None
    offered = Touch(incoming.partner_id, claimant.touched_at)
    winner = decide_owner(program.attribution_policy, held, offered, program.attribution_window_days, now)
    submitted = claimant.method is AttributionMethod.PARTNER_SUBMITTED
    if movable and winner.partner_id == incoming.partner_id:
        update: dict[str, Any] = {
            "partner_id": incoming.partner_id,
            "attribution": claimant.method,
            "link_code": claimant.link_code,
            "click_nonce": claimant.click_nonce,
            "touched_at": claimant.touched_at,
            "submitted_by": None,
            "version": existing.version + 1,
            "updated_at": now,
        }
        if submitted and existing.submitted_by is None:
            # The visitor typed these details: they stay, the partner's only fill the blanks. The lead stays a
            # visitor's, so the new holder sees it masked, as any visitor lead it holds.
            update.update(
                {
                    f: getattr(existing, f) if getattr(existing, f) is not None else prospect.fields.get(f)
                    for f in PARTNER_DETAIL_FIELDS
                }
            )
        elif submitted:
            # The new holder's own details replace the old holder's; those move to the old holder's record.
            update.update(
                submitted_by=incoming.partner_id,
                source=LeadSource.PARTNER_SUBMITTED,
                **{f: prospect.fields.get(f) for f in PARTNER_DETAIL_FIELDS},
            )
        moved = existing.model_copy(update=update)
        displaced = (
            _duplicate_record(
                existing,
                existing.partner_id,
                email=existing.email,
                details=_submitted_details(existing, existing.partner_id),
                outcome=LeadOutcome.DUPLICATE,
                reason=SUPERSEDED_REASON,
                at=now,
            )
            if existing.partner_id
            else None
        )
        ctx.leads.save(
            moved, expected_version=existing.version, duplicate=displaced, remove_duplicate_of=incoming.partner_id
        )
        return Submission(moved.lead_id, False, moved.outcome, moved.status, moved.status_reason)
    # The incoming partner loses: it keeps a record of its own submission, nothing of the holder's.
    outcome, reason = _losing_outcome(existing, self_referral=self_referral)
    ctx.leads.put_duplicate(
        _duplicate_record(
            existing,
            incoming.partner_id,
            email=prospect.email,
            details={f: prospect.fields.get(f) for f in PARTNER_DETAIL_FIELDS} if submitted else {},
            outcome=outcome,
            reason=reason,
            at=now,
        ),
        lead_version=existing.version,
    )
    duplicate = ctx.leads.find_duplicate(existing.lead_id, incoming.partner_id)
    if duplicate is None:  # erased in between; answer as the record would have said
        return Submission(existing.lead_id, False, LeadOutcome.DUPLICATE, LeadStatus.REJECTED, DUPLICATE_REASON)
    return Submission(existing.lead_id, False, duplicate.outcome, duplicate.status, duplicate.status_reason)


def _losing_outcome(existing: Lead, *, self_referral: bool) -> tuple[LeadOutcome, str]:
    """What a partner that cannot take an existing lead is told: why, without naming anyone."""
    if self_referral:
        return LeadOutcome.SELF_REFERRAL, SELF_REFERRAL_REASON
    if existing.outcome is LeadOutcome.EXISTING_CUSTOMER:
        return LeadOutcome.EXISTING_CUSTOMER, EXISTING_CUSTOMER_REASON
    if existing.partner_id is None:
        return LeadOutcome.DUPLICATE, KNOWN_TO_COMPANY_REASON
    return LeadOutcome.DUPLICATE, DUPLICATE_REASON


def _submitted_details(lead: Lead, partner_id: str) -> dict[str, Any]:
    """The details on a lead that this partner itself submitted (none if it did not submit them)."""
    if lead.submitted_by != partner_id:
        return {}
    return {f: getattr(lead, f) for f in PARTNER_DETAIL_FIELDS}


def _duplicate_record(
    lead: Lead,
    partner_id: str,
    *,
    email: str | None,
    details: dict[str, Any],
    outcome: LeadOutcome,
    reason: str,
    at: datetime,
) -> LeadDuplicate:
    return LeadDuplicate(
        lead_id=lead.lead_id,
        program_id=lead.program_id,
        partner_id=partner_id,
        email_masked=lead_rules.mask_email(email),
        outcome=outcome,
        status_reason=reason,
        source=LeadSource.PARTNER_SUBMITTED if details else LeadSource.VISITOR_FORM,
        created_at=at,
        updated_at=at,
        **{k: v for k, v in details.items() if v is not None},
    )


# ---------------------------------------------------------------- rate limits
def enforce_visitor_rate_limit(ctx: AppContext, program: Program, source_ip: str) -> None:
    """Count a form post against its (salted, hashed) IP's hourly limit; RateLimited past it."""
    subject = rate_limit.ip_hash(source_ip, click_token_secrets()[0])
    rate_limit.enforce(
        RateLimitRepository(ctx.table), "ip", subject, limit=program.lead_rate_limit_per_ip, now=ctx.clock.now()
    )


def enforce_partner_rate_limit(ctx: AppContext, program: Program, partner_id: str) -> None:
    """Count a partner submission against the partner's hourly limit; RateLimited past it."""
    rate_limit.enforce(
        RateLimitRepository(ctx.table),
        "partner",
        partner_id,
        limit=program.lead_rate_limit_per_partner,
        now=ctx.clock.now(),
    )
