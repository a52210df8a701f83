"""What email an event earns a partner (pure: no DynamoDB, no mail).

Kinds a partner may turn off in the portal's notification settings: lead updates, commissions, payouts and
the monthly summary. The application acknowledgement answers the applicant's own action and is always sent;
sign-in, welcome and rejection emails are sent by the pages that make them (they are never suppressed).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from shared.events import types
from shared.web.i18n import N_


class Kind(StrEnum):
    """A kind of partner email; each but APPLICATION has an unsubscribe link and a setting."""

    APPLICATION = "application"
    LEADS = "leads"
    COMMISSIONS = "commissions"
    PAYOUTS = "payouts"
    SUMMARY = "summary"


SUPPRESSIBLE = (Kind.LEADS, Kind.COMMISSIONS, Kind.PAYOUTS, Kind.SUMMARY)
"""The kinds a partner can unsubscribe from, in the order the settings page lists them."""

KIND_LABELS = {
    Kind.LEADS: N_("Updates on my leads (qualified, converted, rejected)"),
    Kind.COMMISSIONS: N_("Commissions I earn"),
    Kind.PAYOUTS: N_("Payouts sent to me"),
    Kind.SUMMARY: N_("My monthly summary"),
}

ATTENTION_REASONS = {
    "inactive": N_(
        "We have not seen a click or a lead from your links in 30 days. A short post or newsletter mention with "
        "your link is often all it takes to start again."
    ),
    "falling_funnel": N_(
        "Your clicks or leads fell by more than half last month. Our resources page has fresh material to share."
    ),
    "agreement_not_accepted": N_("Please read and accept the partner agreement in force in the portal."),
    "no_payout_method": N_("Add a payout method in the portal so that we can pay what you earn."),
}
"""The 'needs attention' nudge of the monthly summary, per reason code of reports.partner_health."""


def kind_of(event: Mapping[str, Any]) -> Kind | None:
    """The email kind an event body earns its partner, or None (no email: other types, a lead without a
    partner, a commission that is not an earning)."""
    event_type, data = event.get("type"), event.get("data") or {}
    if not event.get("partner_id"):
        return None
    if event_type == types.PARTNER_APPLIED:
        return Kind.APPLICATION
    if event_type == types.LEAD_STATUS_CHANGED and data.get("previous_status"):
        return Kind.LEADS
    if event_type == types.COMMISSION_CREATED and _earned(data):
        return Kind.COMMISSIONS
    if event_type == types.PAYOUT_PAID:
        return Kind.PAYOUTS
    return None


def _earned(data: Mapping[str, Any]) -> bool:
    amount = (data.get("amount") or {}).get("amount")
    return isinstance(amount, int) and amount > 0 and data.get("status") != "voided" and not data.get("reverses")


def may_send(kind: Kind, unsubscribed: frozenset[str]) -> bool:
    """Whether a kind goes out given the kinds the partner unsubscribed from (APPLICATION always does)."""
    return kind not in SUPPRESSIBLE or kind.value not in unsubscribed


def summary_key(month: str, partner_id: str) -> str:
    """The dedupe id of a partner's monthly summary (one per partner per month, whatever re-runs)."""
    return f"summary_{month}_{partner_id}"
