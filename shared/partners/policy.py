"""The status policy: what a partner's status and a link's status allow, on every path (docs/status-policy.md).

Standard library only and pure (strings in, verdicts out): the redirect imports it on its hot path, and every
other path (lead form, partner lead, Checkout, invoice, promotion code, sales-led match, payouts, partner API
keys, portal sessions) asks the same functions, so a status means the same thing everywhere.

Statuses are plain strings (`PartnerStatus` and `LinkStatus` are StrEnums, so their members compare equal).
An unknown or missing partner status is treated as not active: a policy fails closed.
"""

from __future__ import annotations

from datetime import datetime

PENDING = "pending"
ACTIVE = "active"
PAUSED = "paused"
TERMINATED = "terminated"
PARTNER_STATUSES = (PENDING, ACTIVE, PAUSED, TERMINATED)

LINK_ACTIVE = "active"
LINK_PAUSED = "paused"
LINK_EXPIRED = "expired"
LINK_STATES = (LINK_ACTIVE, LINK_PAUSED, LINK_EXPIRED)

# Recurring (invoice) verdicts for a customer already bound to a partner.
EARN = "earn"
"""A commission is created and follows the plan's hold as usual."""
REVIEW = "review"
"""A commission is created but waits in review (never approved automatically) until staff decide."""
NOTHING = "nothing"
"""No commission; for a terminated partner the customer is also released (see `customer_lock_holds`)."""

# Payout verdicts.
PAY = "pay"
WITHHOLD = "withhold"


def link_state(status: str | None, expires_at: datetime | float | None, now: datetime | float) -> str:
    """The link's effective state: `expired` once past `expires_at` whatever its stored status."""
    if expires_at is not None and not now < expires_at:  # type: ignore[operator]
        return LINK_EXPIRED
    if status == LINK_ACTIVE:
        return LINK_ACTIVE
    return LINK_EXPIRED if status == LINK_EXPIRED else LINK_PAUSED


def partner_is_active(partner_status: str | None) -> bool:
    """Only an active partner attributes anything new (leads, customers, clicks)."""
    return partner_status == ACTIVE


def redirect_tracks(partner_status: str | None, link: str) -> bool:
    """Whether the redirect sends the visitor to the link's destination with a click token and counts the click.

    Otherwise the visitor goes to the program's fallback, with no click token, no ref and no count.
    """
    return link == LINK_ACTIVE and partner_is_active(partner_status)


def ref_attributes(partner_status: str | None, link: str) -> bool:
    """Whether a `ref` code (lead form, Checkout `metadata.ref`) attributes a new lead or customer now."""
    return link == LINK_ACTIVE and partner_is_active(partner_status)


def click_token_attributes(partner_status: str | None, link: str) -> bool:
    """Whether a click token (signed when the link was live) still attributes a new lead or customer.

    A link that merely expired after the click keeps its clicks (the visitor came while it was live); a paused
    link, or a partner no longer active, attributes nothing new.
    """
    return link != LINK_PAUSED and partner_is_active(partner_status)


def new_attribution_allowed(partner_status: str | None) -> bool:
    """A partner-submitted lead, a promotion code or a sales-led match binding a new customer: active only."""
    return partner_is_active(partner_status)


def recurring_commission(partner_status: str | None) -> str:
    """What an invoice of a customer already bound to this partner earns: EARN, REVIEW or NOTHING."""
    if partner_status == ACTIVE:
        return EARN
    if partner_status in (PAUSED, PENDING):
        return REVIEW
    return NOTHING


def customer_lock_holds(partner_status: str | None) -> bool:
    """Whether a customer bound to this partner stays bound (the customer lock): not once it is terminated."""
    return partner_status != TERMINATED and partner_status in PARTNER_STATUSES


def payout(partner_status: str | None) -> str:
    """Whether the partner's payable balance is paid this run (PAY) or withheld until staff decide (WITHHOLD)."""
    return PAY if partner_status == ACTIVE else WITHHOLD


def credential_valid(partner_status: str | None) -> bool:
    """Whether a partner's API keys and portal sessions authenticate at all (a terminated partner's: 401)."""
    return partner_status in (PENDING, ACTIVE, PAUSED)


def portal_open(partner_status: str | None) -> bool:
    """Whether a signed-in partner may use the portal's pages (a paused or pending partner signs in again later)."""
    return partner_status == ACTIVE


def partner_may_submit_leads(partner_status: str | None) -> bool:
    """Whether POST /partner/leads and the portal's lead form accept a lead (403 `partner_not_active` otherwise)."""
    return partner_status == ACTIVE


def key_may_be_issued(partner_status: str | None) -> bool:
    """Whether staff may issue a new API key to this partner (never to a terminated one: 409)."""
    return credential_valid(partner_status)
