"""Words the portal shows for stored values (statuses, rules, reasons), in the catalogue so each is translated.

The services store reasons in English; the portal shows the partner's language when a reason is one of the
program's fixed reasons, and a person's free text (a staff note) as written.
"""

from __future__ import annotations

from shared.web.i18n import N_, Translator

STATUSES = {
    "new": N_("New"),
    "qualified": N_("Qualified"),
    "converted": N_("Converted"),
    "rejected": N_("Rejected"),
    "pending": N_("Pending (on hold)"),
    "approved": N_("Approved (payable)"),
    "held": N_("Held (disputed)"),
    "needs_review": N_("In review"),
    "paid": N_("Paid"),
    "voided": N_("Voided"),
    "in_progress": N_("In progress"),
    "failed": N_("Failed"),
    "withheld": N_("Withheld"),
    "active": N_("Active"),
    "paused": N_("Paused"),
    "expired": N_("Expired"),
}

PAYOUT_STATUSES = {
    "in_progress": N_("Being prepared"),
    "pending": N_("To be paid"),
    "paid": N_("Paid"),
    "failed": N_("Failed: retried in the next run"),
    "withheld": N_("Withheld"),
    "needs_review": N_("Under review"),
    "released": N_("Released: its commissions are paid in a later payout"),
}

PAYOUT_METHODS = {
    "none": N_("Not set yet"),
    "stripe_connect": N_("Stripe (bank account via Stripe Connect)"),
    "paypal": N_("PayPal"),
    "wise": N_("Wise"),
    "bank_transfer": N_("Bank transfer"),
}

RULES = {
    "lead_bounty": N_("Qualified lead bonus"),
    "first_sale_flat": N_("First sale"),
    "sale_rate": N_("Share of a payment"),
    "renewal_bonus": N_("Renewal bonus"),
    "revenue_bonus": N_("Revenue milestone bonus"),
}

CUSTOMER_STATUSES = {
    "active": N_("Active"),
    "cancelled": N_("Cancelled"),
    "refunded": N_("Refunded"),
}

CUSTOMER_SOURCES = {
    "click_token": N_("Your link"),
    "ref_code": N_("Your link"),
    "lead": N_("Your lead"),
    "promotion_code": N_("Your promotion code"),
    "admin": N_("Assigned by the program team"),
}

# Why an entry waits in review, by how the commissions slice words it (its reasons carry ids and amounts that
# are for staff): the partner reads what kind of check it is, in its language.
REVIEW_REASONS = (
    ("self-referral", N_("The customer looks like you or your own company: the program team checks it first.")),
    ("above the review threshold", N_("A large amount: the program team checks it first.")),
    ("the partner is ", N_("Earned while your account was not active: the program team checks it first.")),
    ("re-attributed", N_("The program team moved this customer to you after earlier payments and checks it first.")),
    ("the plan names no", N_("Your plan sets no amount in this currency: the program team checks it first.")),
)
IN_REVIEW = N_("The program team checks it before it counts.")

OUTCOMES = {
    "accepted": N_("Accepted"),
    "existing_customer": N_("Existing customer"),
    "self_referral": N_("Self-referral"),
    "duplicate": N_("Already referred"),
    "not_eligible": N_("Not eligible"),  # what a partner sees for a paying customer's email (no oracle)
}

# The slices' fixed reasons, word for word: the catalogue translates them by this text.
REASONS = (
    N_("self-referral: the prospect is the partner or the partner's own company"),
    N_("existing customer: this email already belongs to a paying customer"),
    N_("already referred by another partner"),
    N_("already known to the company (an earlier enquiry without a partner)"),
    N_("another partner referred this prospect more recently (last-touch program)"),
    N_("not eligible under the program's terms"),
    # The payouts slice's reasons for withholding a payout (payouts.rules.withholding_reason).
    N_("partner record not found; contact the program team"),
    N_("your partner account is paused; payouts resume when it is reactivated"),
    N_("your partner account is terminated; payouts are withheld under the partner agreement"),
    N_("your partner account is not approved yet"),
    N_("no payout method on file; add one to receive your payout"),
)


def status(tr: Translator, value: str | None) -> str:
    """A status in the partner's language."""
    return tr.gettext(STATUSES.get(value or "", value or ""))


def payout_status(tr: Translator, value: str | None) -> str:
    """A payout's status in the partner's language."""
    return tr.gettext(PAYOUT_STATUSES.get(value or "", value or ""))


def payout_method(tr: Translator, value: str | None) -> str:
    """How a partner is paid, in its language."""
    return tr.gettext(PAYOUT_METHODS.get(value or "", value or ""))


def rule(tr: Translator, value: str | None) -> str:
    """What a ledger entry was earned for."""
    return tr.gettext(RULES.get(value or "", value or ""))


def outcome(tr: Translator, value: str | None) -> str:
    """What a lead submission amounted to."""
    return tr.gettext(OUTCOMES.get(value or "", value or ""))


def reason(tr: Translator, value: str | None) -> str:
    """A reason: translated when it is a fixed one, else shown as written."""
    if not value:
        return ""
    return tr.gettext(value) if value in REASONS else value


def customer_status(tr: Translator, value: str | None) -> str:
    """A referred customer's status (active, cancelled, refunded) in the partner's language."""
    return tr.gettext(CUSTOMER_STATUSES.get(value or "", value or ""))


def customer_source(tr: Translator, value: str | None) -> str:
    """What brought a referred customer to the partner (its link, a lead, a promotion code, staff)."""
    return tr.gettext(CUSTOMER_SOURCES.get(value or "", value or ""))


def review_reason(tr: Translator, value: str | None) -> str:
    """Why a commission waits in review, as a partner reads it (the kind of check, in its language)."""
    message = next((text for prefix, text in REVIEW_REASONS if (value or "").startswith(prefix)), IN_REVIEW)
    return tr.gettext(message)
