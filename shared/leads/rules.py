"""The pure rules of lead capture: lifecycle, self-referral, the lead bounty, masking.

No database, no HTTP: unit tests call these directly. The landing form's HTTP side is `form_http`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from shared.core.errors import BadRequest, Conflict
from shared.leads.models import LEAD_TRANSITIONS, Lead, LeadStatus
from shared.partners.models import Partner, PartnerStatus
from shared.partners.service import normalize_email
from shared.programs.models import CommissionPlan, Program

if TYPE_CHECKING:
    from shared.commissions.models import Commission

LEAD_BOUNTY_RULE = "lead_bounty"
MAX_REASON_LENGTH = 500


def email_domain(email: str) -> str:
    """The domain of a normalised email ("" when there is none)."""
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def is_self_referral(email: str, partner: Partner) -> bool:
    """True when the prospect is the partner: the partner's own email, or an address on (a subdomain of) the
    partner's configured company domain.
    """
    if email == normalize_email(partner.email):
        return True
    domain = (partner.company_domain or "").strip().lower().rstrip(".")
    if not domain:
        return False
    prospect_domain = email_domain(email)
    return prospect_domain == domain or prospect_domain.endswith("." + domain)


def check_transition(current: LeadStatus, target: LeadStatus, reason: str | None) -> None:
    """Refuse an illegal lifecycle move (409) or a rejection without a reason (400)."""
    if target not in LEAD_TRANSITIONS[current]:
        raise Conflict(f"a {current.value} lead cannot become {target.value}", code="illegal_status_transition")
    if target is LeadStatus.REJECTED and not (reason and reason.strip()):
        raise BadRequest("reason: a rejected lead needs a reason the partner can read", code="reason_required")


def earns_bounty_on(current: LeadStatus, target: LeadStatus) -> bool:
    """The bounty is earned when a lead leaves `new` for qualified (or straight for converted); a lead
    leaves `new` once, so the bounty is created once.
    """
    return current is LeadStatus.NEW and target in (LeadStatus.QUALIFIED, LeadStatus.CONVERTED)


def lead_bounty_id(lead_id: str) -> str:
    """The deterministic ledger id of a lead's bounty (a second create of it fails its condition)."""
    return f"com_lead_{lead_id}"


def lead_bounty(
    lead: Lead, partner: Partner | None, plan: CommissionPlan | None, program: Program, now: datetime
) -> Commission | None:
    """The ledger entry a qualified lead earns its partner, or None (no partner, self-referral, existing
    customer, terminated partner, or no bounty in the plan).
    """
    if not lead.earns or partner is None or plan is None or plan.lead_bounty is None:
        return None
    if partner.partner_id != lead.partner_id or partner.status is PartnerStatus.TERMINATED:
        return None
    if plan.lead_bounty.amount <= 0:
        return None
    # The ledger's models and rules only when a bounty is earned: the public lead form's function (intake
    # only) does not load them at cold start.
    from shared.commissions.models import Commission, CommissionSource, CommissionStatus  # noqa: PLC0415
    from shared.commissions.rules import payable_from  # noqa: PLC0415

    return Commission(
        commission_id=lead_bounty_id(lead.lead_id),
        partner_id=partner.partner_id,
        program_id=lead.program_id,
        amount=plan.lead_bounty,
        status=CommissionStatus.PENDING,
        rule=LEAD_BOUNTY_RULE,
        source=CommissionSource(lead_id=lead.lead_id),
        available_at=payable_from(now, program.hold_period_days),
        created_at=now,
        updated_at=now,
    )


def mask_email(email: str | None) -> str | None:
    """`a***@example.com`: enough for a partner to recognise a prospect, not to harvest the address."""
    if not email or "@" not in email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
