"""The single-table key scheme. Every PK, SK and GSI key of every item is built here and nowhere else.

Table attributes: `pk`, `sk` (primary key); `gsi1pk`/`gsi1sk`, `gsi2pk`/`gsi2sk`, `gsi3pk`/`gsi3sk`
(three overloaded global secondary indexes, projection ALL); `expires_at` (TTL, epoch seconds).
The access patterns each key serves are listed in docs/data-model.md.

This module imports nothing but the standard library: the redirect function uses it on its hot path.
"""

from __future__ import annotations

import hashlib

Key = dict[str, str]

GSI1 = "gsi1"
GSI2 = "gsi2"
GSI3 = "gsi3"
TTL_ATTRIBUTE = "expires_at"


def sha256_hex(text: str) -> str:
    """Hex SHA-256, used wherever a key must not carry the raw value (emails, API keys)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PREFIX_END = "~"
"""Sorts after every character of ids and key parts ([A-Za-z0-9_-], "#", ":"): `sk BETWEEN prefix AND
prefix + PREFIX_END` reads exactly the keys starting with `prefix`, as a key range (see `prefix_range`)."""


def prefix_range(prefix: str) -> tuple[str, str]:
    """(lowest, highest) sort key of the keys that start with `prefix`, for `sk BETWEEN :low AND :high`: the
    same items as begins_with, read as a range of the sort key (DynamoDB Local answers begins_with on a big
    partition by walking all of it)."""
    return prefix, prefix + PREFIX_END


# ---------------------------------------------------------------- program and plans
def program(program_id: str) -> Key:
    """The program's settings: one item per program."""
    return {"pk": f"PROGRAM#{program_id}", "sk": "PROGRAM"}


def commission_plan(program_id: str, plan_id: str) -> Key:
    """A commission plan; all plans of a program share its partition (Query pk, sk begins_with PLAN#)."""
    return {"pk": f"PROGRAM#{program_id}", "sk": f"PLAN#{plan_id}"}


def commission_plans_prefix(program_id: str) -> tuple[str, str]:
    """(pk, sk prefix) to list a program's plans."""
    return f"PROGRAM#{program_id}", "PLAN#"


# ---------------------------------------------------------------- partners
def partner(partner_id: str) -> Key:
    """A partner's profile item."""
    return {"pk": f"PARTNER#{partner_id}", "sk": "PROFILE"}


def partner_listing(program_id: str, created_at_iso: str, partner_id: str) -> Key:
    """GSI1 keys that list a program's partners, oldest first."""
    return {"gsi1pk": f"PROGRAM#{program_id}#PARTNERS", "gsi1sk": f"{created_at_iso}#{partner_id}"}


def partner_listing_partition(program_id: str) -> str:
    """GSI1 partition of a program's partners."""
    return f"PROGRAM#{program_id}#PARTNERS"


def partner_email_claim(program_id: str, email_normalized: str) -> Key:
    """Uniqueness claim: one partner per email per program (hashed, no raw email in a key)."""
    return {"pk": f"PROGRAM#{program_id}#PARTNER_EMAIL#{sha256_hex(email_normalized)}", "sk": "CLAIM"}


def partner_api_key(key_hash: str) -> Key:
    """A partner API key, addressed by the SHA-256 of the secret so a request resolves in one GetItem."""
    return {"pk": f"APIKEY#{key_hash}", "sk": "APIKEY"}


def partner_api_key_listing(partner_id: str, key_id: str) -> Key:
    """GSI1 keys listing a partner's API keys (to show and revoke them)."""
    return {"gsi1pk": f"PARTNER#{partner_id}#APIKEYS", "gsi1sk": key_id}


def partner_api_keys_partition(partner_id: str) -> str:
    """GSI1 partition of a partner's API keys."""
    return f"PARTNER#{partner_id}#APIKEYS"


# ---------------------------------------------------------------- referral links and clicks
LINK_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$"
"""A referral code: it is the link's key, so its shape lives here (stdlib-only, for the redirect's hot path)."""


def referral_link(code: str) -> Key:
    """A referral link by its code: the redirect's single GetItem/UpdateItem."""
    return {"pk": f"LINK#{code}", "sk": "LINK"}


def referral_link_listing(partner_id: str, code: str) -> Key:
    """GSI1 keys listing a partner's links."""
    return {"gsi1pk": f"PARTNER#{partner_id}#LINKS", "gsi1sk": code}


def referral_links_partition(partner_id: str) -> str:
    """GSI1 partition of a partner's links."""
    return f"PARTNER#{partner_id}#LINKS"


def link_click(code: str, shard: int, day: str, visitor_hash: str) -> Key:
    """One unique visitor of a link on a UTC day (YYYY-MM-DD), holding that visitor's click count.

    The shard (chosen from the visitor hash) is in the partition key, so a viral link's writes spread over
    the link's counter shards; the day leads the sort key, so one Query per shard reads any range of days.
    Clicks of a day = sum of `clicks`; unique visitors of a day = number of items.
    """
    return {"pk": link_clicks_shard_partition(code, shard), "sk": f"{day}#{visitor_hash}"}


def link_clicks_shard_partition(code: str, shard: int) -> str:
    """Partition of one counter shard of a link (every day of that shard)."""
    return f"LINK#{code}#CLICKS#{shard:02d}"


def link_clicks_day_range(first_day: str, last_day: str) -> tuple[str, str]:
    """Sort-key bounds (inclusive, for BETWEEN) of the visitor items of days first_day..last_day."""
    return f"{first_day}#", f"{last_day}#~"  # "~" sorts after every hex digit of a visitor hash


# ---------------------------------------------------------------- leads
def lead(lead_id: str) -> Key:
    """A lead's item."""
    return {"pk": f"LEAD#{lead_id}", "sk": "LEAD"}


def lead_email_claim(program_id: str, email_hash: str) -> Key:
    """Dedupe claim: one lead per normalised email per program, keyed by the email's hash."""
    return {"pk": f"PROGRAM#{program_id}#LEAD_EMAIL#{email_hash}", "sk": "CLAIM"}


def lead_partner_listing(partner_id: str, created_at_iso: str, lead_id: str) -> Key:
    """GSI1 keys listing a partner's leads, oldest first."""
    return {"gsi1pk": f"PARTNER#{partner_id}#LEADS", "gsi1sk": f"{created_at_iso}#{lead_id}"}


def lead_partner_partition(partner_id: str) -> str:
    """GSI1 partition of a partner's leads."""
    return f"PARTNER#{partner_id}#LEADS"


def lead_status_listing(program_id: str, status: str, created_at_iso: str, lead_id: str) -> Key:
    """GSI2 keys listing a program's leads by status (admin filter)."""
    return {"gsi2pk": f"PROGRAM#{program_id}#LEADS#{status}", "gsi2sk": f"{created_at_iso}#{lead_id}"}


def lead_status_partition(program_id: str, status: str) -> str:
    """GSI2 partition of a program's leads in one status."""
    return f"PROGRAM#{program_id}#LEADS#{status}"


def lead_program_listing(program_id: str, created_at_iso: str, lead_id: str) -> Key:
    """GSI3 keys listing every lead of a program, oldest first (admin list without a filter)."""
    return {"gsi3pk": lead_program_partition(program_id), "gsi3sk": f"{created_at_iso}#{lead_id}"}


def lead_program_partition(program_id: str) -> str:
    """GSI3 partition of a program's leads."""
    return f"PROGRAM#{program_id}#LEADS"


def lead_duplicate(lead_id: str, partner_id: str) -> Key:
    """A losing partner's record of a lead another partner holds, kept in the lead's partition."""
    return {"pk": f"LEAD#{lead_id}", "sk": f"DUPLICATE#{partner_id}"}


def lead_duplicates_prefix(lead_id: str) -> tuple[str, str]:
    """(pk, sk prefix) of every losing partner's record of a lead (erasure scrubs them with the lead)."""
    return f"LEAD#{lead_id}", "DUPLICATE#"


def rate_limit(scope: str, subject: str, window: str) -> Key:
    """A fixed-window rate-limit counter (scope: "ip" or "partner"), expiring through TTL."""
    return {"pk": f"RATE#{scope}#{subject}#{window}", "sk": "RATE"}


# ---------------------------------------------------------------- Stripe: customers, events, facts
def customer_attribution(stripe_customer_id: str) -> Key:
    """Which partner a Stripe customer is attributed to."""
    return {"pk": f"CUSTOMER#{stripe_customer_id}", "sk": "ATTRIBUTION"}


def customer_partner_listing(partner_id: str, attributed_at_iso: str, stripe_customer_id: str) -> Key:
    """GSI1 keys on a customer's attribution listing a partner's referred customers by attribution time (the
    portal's Customers page); they move with the attribution when it changes partner."""
    return {
        "gsi1pk": customer_partner_partition(partner_id),
        "gsi1sk": f"{attributed_at_iso}#{stripe_customer_id}",
    }


def customer_partner_partition(partner_id: str) -> str:
    """GSI1 partition of a partner's referred customers."""
    return f"PARTNER#{partner_id}#CUSTOMERS"


def customer_email(program_id: str, email_hash: str) -> Key:
    """Marker that an email already belongs to a paying customer (lead dedupe: 'existing customer')."""
    return {"pk": f"PROGRAM#{program_id}#CUSTOMER_EMAIL#{email_hash}", "sk": "CUSTOMER"}


def webhook_event(event_id: str) -> Key:
    """Dedupe record of a processed Stripe event id (expires through TTL after Stripe's retry horizon)."""
    return {"pk": f"STRIPE_EVENT#{event_id}", "sk": "EVENT"}


# ---------------------------------------------------------------- commissions (the ledger)
def commission(partner_id: str, commission_id: str) -> Key:
    """A ledger entry in the partner's partition (Query pk, sk begins_with COMMISSION#)."""
    return {"pk": f"PARTNER#{partner_id}", "sk": f"COMMISSION#{commission_id}"}


def commissions_prefix(partner_id: str) -> tuple[str, str]:
    """(pk, sk prefix) to list a partner's ledger."""
    return f"PARTNER#{partner_id}", "COMMISSION#"


def commission_reversal_id(commission_id: str, number: int) -> str:
    """The id of the `number`-th (1-based) reversal of an entry: prefixed by the entry's id, so
    `commission_with_reversals_prefix` reads an entry and its reversals in one Query."""
    return f"{commission_id}_r{number}"


def commission_with_reversals_prefix(partner_id: str, commission_id: str) -> tuple[str, str]:
    """(pk, sk prefix) of one ledger entry and its reversals (`commission_reversal_id`)."""
    return f"PARTNER#{partner_id}", f"COMMISSION#{commission_id}"


def commission_state_listing(partner_id: str, state: str, available_at_iso: str, commission_id: str) -> Key:
    """GSI3 keys listing a partner's entries in one balance state (unpaid, held, paid, voided), by the time
    they become payable: the unpaid partition splits into pending (gsi3sk after now) and approved (up to now)
    with a key condition, so a status filter reads only matching entries."""
    return {
        "gsi3pk": commission_state_partition(partner_id, state),
        "gsi3sk": f"{available_at_iso}#{commission_id}",
    }


def commission_state_partition(partner_id: str, state: str) -> str:
    """GSI3 partition of a partner's entries in one balance state."""
    return f"PARTNER#{partner_id}#COMMISSIONS#{state}"


def commission_state_bound(moment_iso: str) -> str:
    """A GSI3 sort-key bound between the entries available at or before `moment_iso` (below it) and those
    available after it (above it): "$" sorts right after the "#" that follows the timestamp."""
    return f"{moment_iso}$"


def partner_balance(partner_id: str, currency: str) -> Key:
    """A partner's balance totals in one currency (unpaid, held, paid, voided), kept by ADD updates in the
    same transaction as every ledger change they sum."""
    return {"pk": f"PARTNER#{partner_id}", "sk": f"BALANCE#TOTAL#{currency}"}


def partner_balance_release_day(partner_id: str, day: str, currency: str) -> Key:
    """What a partner's unpaid entries of one currency release (become payable) on a UTC day (YYYY-MM-DD),
    per minute: the part of the balance that is still pending at a given time."""
    return {"pk": f"PARTNER#{partner_id}", "sk": f"BALANCE#DAY#{day}#{currency}"}


def partner_balance_range(partner_id: str, first_day: str) -> tuple[str, str, str]:
    """(pk, lowest sk, highest sk) of one Query reading a partner's balance totals (every currency) and its
    release days from `first_day` on (earlier days no longer matter)."""
    return f"PARTNER#{partner_id}", f"BALANCE#DAY#{first_day}", "BALANCE#TOTAL#~"


def commission_program_listing(program_id: str, created_at_iso: str, commission_id: str) -> Key:
    """GSI1 keys listing every commission of a program, oldest first (admin)."""
    return {"gsi1pk": f"PROGRAM#{program_id}#COMMISSIONS", "gsi1sk": f"{created_at_iso}#{commission_id}"}


def commission_program_partition(program_id: str) -> str:
    """GSI1 partition of a program's commissions."""
    return f"PROGRAM#{program_id}#COMMISSIONS"


PAYABLE_SHARDS = 16


def payable_shard(partner_id: str) -> int:
    """The payable-index shard of a partner: every entry of one partner lands in one shard, so shards hold
    disjoint sets of partners and a payout run can work them in parallel."""
    return int(sha256_hex(partner_id)[:8], 16) % PAYABLE_SHARDS


def commission_payable(partner_id: str, available_at_iso: str, commission_id: str) -> Key:
    """Sparse GSI2 keys present only while a ledger entry is unpaid and counts toward a payout.

    The payout run Queries each shard up to the period's cutoff (`gsi2sk < cutoff`): it reads only what is
    payable, in every currency (the currency is on the item), and never Scans.
    """
    return {
        "gsi2pk": commission_payable_partition(payable_shard(partner_id)),
        "gsi2sk": f"{available_at_iso}#{partner_id}#{commission_id}",
    }


def commission_payable_partition(shard: int) -> str:
    """GSI2 partition of one shard of unpaid ledger entries."""
    return f"PAYABLE#{shard:02d}"


# ---------------------------------------------------------------- payouts
def payout(partner_id: str, period: str, currency: str) -> Key:
    """One payout per (partner, period YYYY-MM, currency): created with a condition, so at most once."""
    return {"pk": f"PARTNER#{partner_id}", "sk": f"PAYOUT#{period}#{currency}"}


def payouts_prefix(partner_id: str) -> tuple[str, str]:
    """(pk, sk prefix) to list a partner's payouts."""
    return f"PARTNER#{partner_id}", "PAYOUT#"


def payouts_of_period_prefix(partner_id: str, period: str) -> tuple[str, str]:
    """(pk, sk prefix) of a partner's payouts of one period (every currency)."""
    return f"PARTNER#{partner_id}", f"PAYOUT#{period}#"


def payout_period_listing(period: str, partner_id: str, currency: str) -> Key:
    """GSI1 keys listing every payout of a period (admin, CSV export)."""
    return {"gsi1pk": f"PAYOUTS#{period}", "gsi1sk": f"{partner_id}#{currency}"}


def payout_period_partition(period: str) -> str:
    """GSI1 partition of a period's payouts."""
    return f"PAYOUTS#{period}"


def payout_open_listing(shard: int, period: str, partner_id: str, currency: str) -> Key:
    """Sparse GSI3 keys present only while a payout still needs the run (claiming, or a Stripe transfer to
    make or retry): a re-run finds unfinished payouts of any period, per payable shard, without a Scan."""
    return {"gsi3pk": payout_open_partition(shard), "gsi3sk": f"{period}#{partner_id}#{currency}"}


def payout_open_partition(shard: int) -> str:
    """GSI3 partition of one shard's unfinished payouts."""
    return f"PAYOUTS_OPEN#{shard:02d}"


def payout_review_listing(period: str, partner_id: str, currency: str) -> Key:
    """Sparse GSI3 keys present only while a payout waits for finance (`needs_review`): the review queue
    lists them without a Scan."""
    return {"gsi3pk": PAYOUT_REVIEW_PARTITION, "gsi3sk": f"{period}#{partner_id}#{currency}"}


PAYOUT_REVIEW_PARTITION = "PAYOUTS_REVIEW"
"""GSI3 partition of the payouts waiting for finance."""


# ---------------------------------------------------------------- Stripe: sales, payments, partner totals
def commission_sale(sale_id: str) -> Key:
    """A referred sale (an invoice, or a payment-mode checkout session): its base amounts, its partner, the
    payment it was paid by, and a version for optimistic writes (refunds and disputes reconcile against it)."""
    return {"pk": f"SALE#{sale_id}", "sk": "SALE"}


def stripe_payment(payment_id: str) -> Key:
    """What Stripe said about one payment (payment_intent, or charge without one): the sale it paid, its
    refunds and disputes; kept even when the payment is not known yet (a refund before its payment)."""
    return {"pk": f"PAYMENT#{payment_id}", "sk": "PAYMENT"}


def parked_sale(stripe_customer_id: str, sale_id: str) -> Key:
    """A paid invoice of a customer not attributed yet (it arrived before its checkout); applied at binding."""
    return {"pk": f"CUSTOMER#{stripe_customer_id}", "sk": f"PARKED#{sale_id}"}


def parked_sales_prefix(stripe_customer_id: str) -> tuple[str, str]:
    """(pk, sk prefix) of a customer's parked sales."""
    return f"CUSTOMER#{stripe_customer_id}", "PARKED#"


def partner_referral_totals(partner_id: str) -> Key:
    """A partner's lifetime referred revenue per currency, referred customers and bonuses paid (tiers, bonuses)."""
    return {"pk": f"PARTNER#{partner_id}", "sk": "REFERRAL_TOTALS"}


def sale_commission_id(sale_id: str, rule: str) -> str:
    """The id of the entry a sale earns under one plan rule: derived, so a replay cannot append it twice, and
    prefixed by the sale, so `sale_commissions_prefix` finds all of a sale's entries in one Query."""
    return f"com_{sale_id}_{rule}"


def sale_commissions_prefix(partner_id: str, sale_id: str) -> tuple[str, str]:
    """(pk, sk prefix) of every ledger entry of one sale (its commissions and their reversals)."""
    return f"PARTNER#{partner_id}", f"COMMISSION#{sale_commission_id(sale_id, '')}"


# ---------------------------------------------------------------- web: program content, sign-in links, sessions
def program_content(program_id: str) -> Key:
    """The program's agreement and resources (Markdown) that the portal shows, next to the program's settings."""
    return {"pk": f"PROGRAM#{program_id}", "sk": "CONTENT"}


def sign_in_link(token_hash: str) -> Key:
    """A one-time sign-in link, addressed by the SHA-256 of its token (the token itself is only in the email)."""
    return {"pk": f"SIGNIN#{token_hash}", "sk": "SIGNIN"}


def web_session(session_hash: str) -> Key:
    """A signed-in browser session, addressed by the SHA-256 of the id its cookie carries."""
    return {"pk": f"SESSION#{session_hash}", "sk": "SESSION"}


# ---------------------------------------------------------------- staff console: audit trail, applications
def audit_entry(program_id: str, at_iso: str, entry_id: str) -> Key:
    """One recorded staff write, in the program's audit partition, oldest first by time."""
    return {"pk": f"PROGRAM#{program_id}#AUDIT", "sk": f"{at_iso}#{entry_id}"}


def audit_program_partition(program_id: str) -> str:
    """The partition of a program's audit entries."""
    return f"PROGRAM#{program_id}#AUDIT"


def audit_partner_listing(partner_id: str, at_iso: str, entry_id: str) -> Key:
    """GSI1 keys that list the audit entries about one partner."""
    return {"gsi1pk": f"PARTNER#{partner_id}#AUDIT", "gsi1sk": f"{at_iso}#{entry_id}"}


def audit_partner_partition(partner_id: str) -> str:
    """GSI1 partition of the audit entries about one partner."""
    return f"PARTNER#{partner_id}#AUDIT"


def partner_application(partner_id: str) -> Key:
    """A partner's application (its answers on /apply), in the partner's partition."""
    return {"pk": f"PARTNER#{partner_id}", "sk": "APPLICATION"}


def application_status_listing(program_id: str, status: str, submitted_at_iso: str, partner_id: str) -> Key:
    """GSI1 keys that list a program's applications in one status (the staff queue: pending), oldest first."""
    return {"gsi1pk": f"PROGRAM#{program_id}#APPLICATIONS#{status}", "gsi1sk": f"{submitted_at_iso}#{partner_id}"}


def application_status_partition(program_id: str, status: str) -> str:
    """GSI1 partition of a program's applications in one status."""
    return f"PROGRAM#{program_id}#APPLICATIONS#{status}"


# ---------------------------------------------------------------- reports: monthly rollups (docs/reports.md)
ROLLUP_ALL_TIME = "ALL"
"""The month part of a scope's all-time rollup item (sorts after every YYYY-MM)."""


def rollup(scope: str, scope_id: str, month: str) -> Key:
    """A scope's (partner, link, program) rollup of one UTC month (YYYY-MM), or of all time (ROLLUP_ALL_TIME)."""
    return {"pk": f"ROLLUP#{scope}#{scope_id}", "sk": f"MONTH#{month}"}


def rollup_months_range(scope: str, scope_id: str, first_month: str, last_month: str) -> tuple[str, str, str]:
    """(pk, low, high) to read a scope's monthly rollups first_month..last_month with sk BETWEEN."""
    return f"ROLLUP#{scope}#{scope_id}", f"MONTH#{first_month}", f"MONTH#{last_month}"


def rollup_partners_of_month(program_id: str, month: str, partner_id: str) -> Key:
    """GSI1 keys on a partner's month rollup: a program's partners active in a month (the leaderboard)."""
    return {"gsi1pk": f"ROLLUP#PROGRAM#{program_id}#PARTNERS#{month}", "gsi1sk": partner_id}


def rollup_partners_of_month_partition(program_id: str, month: str) -> str:
    """GSI1 partition of the partners with a rollup in a month."""
    return f"ROLLUP#PROGRAM#{program_id}#PARTNERS#{month}"


def rollup_group_scope(program_id: str, group_id: str) -> str:
    """The scope id of a partner group's rollups (group ids are unique within their program only)."""
    return f"{program_id}#{group_id}"


def rollup_applied(event_id: str) -> Key:
    """Marker of one stream record applied to the rollups (written in the same transaction; TTL)."""
    return {"pk": f"ROLLUP_APPLIED#{event_id}", "sk": "APPLIED"}


def partner_of_month(program_id: str, month: str) -> Key:
    """The partner of the month staff chose for a program and month."""
    return {"pk": f"PROGRAM#{program_id}", "sk": f"PARTNER_OF_MONTH#{month}"}


def partner_of_month_range(program_id: str) -> tuple[str, str, str]:
    """(pk, low, high) of a program's partners of the month, oldest first."""
    return f"PROGRAM#{program_id}", "PARTNER_OF_MONTH#", "PARTNER_OF_MONTH#~"


def parse_link_click(pk: str, sk: str) -> tuple[str, str] | None:
    """(link code, day) of a click visitor item's keys, or None when the keys are another item's."""
    if not pk.startswith("LINK#") or "#CLICKS#" not in pk:
        return None
    return pk[len("LINK#") : pk.rindex("#CLICKS#")], sk.split("#", 1)[0]


def report_settings(program_id: str) -> Key:
    """The program's recognition settings (leaderboard metric, whether partners see names)."""
    return {"pk": f"PROGRAM#{program_id}", "sk": "REPORT_SETTINGS"}


def leaderboard_snapshot(program_id: str, month: str) -> Key:
    """A month's ranking as last computed (top names, packed scores, the program rollup version it saw)."""
    return {"pk": f"PROGRAM#{program_id}", "sk": f"LEADERBOARD#{month}"}


def agreement_version(program_id: str, version: str) -> Key:
    """One published agreement version (its text, when and by whom), kept for good next to the program."""
    return {"pk": f"PROGRAM#{program_id}", "sk": f"AGREEMENT#{version}"}


def agreement_versions_prefix(program_id: str) -> tuple[str, str]:
    """(partition, sort-key prefix) of a program's published agreement versions."""
    return f"PROGRAM#{program_id}", "AGREEMENT#"


def partner_group(program_id: str, group_id: str) -> Key:
    """A partner group (customers, agencies, consultants...) with its default plan, next to the program."""
    return {"pk": f"PROGRAM#{program_id}", "sk": f"GROUP#{group_id}"}


def partner_groups_prefix(program_id: str) -> tuple[str, str]:
    """(partition, sort-key prefix) of a program's partner groups."""
    return f"PROGRAM#{program_id}", "GROUP#"


def group_content(program_id: str, group_id: str) -> Key:
    """A partner group's own agreement in force and resources (Markdown), next to the program's content."""
    return {"pk": f"PROGRAM#{program_id}", "sk": f"CONTENT#GROUP#{group_id}"}


def group_contents_prefix(program_id: str) -> tuple[str, str]:
    """(partition, sort-key prefix) of every group's content item (one Query reads the groups' agreements)."""
    return f"PROGRAM#{program_id}", "CONTENT#GROUP#"


# ---------------------------------------------------------------- promotion codes (issue 11)
def promotion_code_assignment(program_id: str, code_key: str) -> Key:
    """Which partner a Stripe promotion code (its `promo_...` id, or its code text upper-cased) belongs to."""
    return {"pk": f"PROGRAM#{program_id}#PROMO", "sk": f"CODE#{code_key}"}


def partner_promotion_code(partner_id: str, code_key: str) -> Key:
    """A partner's copy of its promotion code assignment, so the partner lists its codes with one Query."""
    return {"pk": f"PARTNER#{partner_id}", "sk": f"PROMO#{code_key}"}


def partner_promotion_codes_prefix(partner_id: str) -> tuple[str, str]:
    """(pk, sk prefix) of a partner's promotion code copies."""
    return f"PARTNER#{partner_id}", "PROMO#"


# ---------------------------------------------------------------- domain events (issue 15, docs/events.md)
def event_key(event_id: str) -> Key:
    """An outbox event (written in the same transaction as its state change; TTL removes it after 7 days)."""
    return {"pk": f"EVENT#{event_id}", "sk": "EVENT"}


def event_prefix() -> str:
    """The partition-key prefix of every outbox event (the publisher's stream filter)."""
    return "EVENT#"


def notification_sent(event_id: str, kind: str) -> Key:
    """Marker that the email of `kind` for an event was sent (conditional put: a redelivery sends none)."""
    return {"pk": f"NOTIFIED#{event_id}", "sk": f"EMAIL#{kind}"}


def notification_settings(partner_id: str) -> Key:
    """A partner's email preferences (the kinds it unsubscribed from)."""
    return {"pk": f"PARTNER#{partner_id}", "sk": "NOTIFICATION_SETTINGS"}


# ---------------------------------------------------------------- outgoing webhooks (issue 15, docs/webhooks.md)
def webhook_endpoint(program_id: str, endpoint_id: str) -> Key:
    """A registered outgoing-webhook endpoint; a program's endpoints share one partition (fan-out reads it)."""
    return {"pk": f"PROGRAM#{program_id}#WEBHOOK_ENDPOINTS", "sk": f"ENDPOINT#{endpoint_id}"}


def webhook_endpoints_prefix(program_id: str) -> tuple[str, str]:
    """(pk, sk prefix) of a program's webhook endpoints."""
    return f"PROGRAM#{program_id}#WEBHOOK_ENDPOINTS", "ENDPOINT#"


def webhook_delivery(delivery_id: str) -> Key:
    """One event's delivery to one endpoint, with its attempts (the id is derived from the pair: idempotent)."""
    return {"pk": f"WEBHOOK_DELIVERY#{delivery_id}", "sk": "DELIVERY"}


def webhook_delivery_listing(endpoint_id: str, created_at_iso: str, delivery_id: str) -> Key:
    """GSI1 keys that list an endpoint's deliveries by creation."""
    return {"gsi1pk": f"WEBHOOK_ENDPOINT#{endpoint_id}#DELIVERIES", "gsi1sk": f"{created_at_iso}#{delivery_id}"}


def webhook_deliveries_partition(endpoint_id: str) -> str:
    """GSI1 partition of an endpoint's deliveries."""
    return f"WEBHOOK_ENDPOINT#{endpoint_id}#DELIVERIES"


def webhook_pending_listing(endpoint_id: str, partner_id: str | None, event_created: int, event_id: str) -> Key:
    """GSI2 keys of a delivery while it is unfinished: an endpoint's pending deliveries of one partner, oldest
    event first (per-partner ordering); removed when the delivery succeeds or is given up."""
    return {
        "gsi2pk": f"WEBHOOK_PENDING#{endpoint_id}#{partner_id or '-'}",
        "gsi2sk": f"{event_created:011d}#{event_id}",
    }


def webhook_pending_partition(endpoint_id: str, partner_id: str | None) -> str:
    """GSI2 partition of an endpoint's unfinished deliveries of one partner."""
    return f"WEBHOOK_PENDING#{endpoint_id}#{partner_id or '-'}"
