"""The event types the system emits: the `type` of an outbox item, the `DetailType` on the bus, and the `type`
of an outgoing webhook body. Adding one is additive; renaming one breaks subscribers."""

from __future__ import annotations

from typing import Final

SOURCE: Final = "referral-program"
"""The EventBridge `Source` of every event the publisher puts on the bus."""

PARTNER_APPLIED: Final = "partner.applied"
PARTNER_APPROVED: Final = "partner.approved"
PARTNER_REJECTED: Final = "partner.rejected"
LEAD_CREATED: Final = "lead.created"
LEAD_STATUS_CHANGED: Final = "lead.status_changed"
CUSTOMER_ATTRIBUTED: Final = "customer.attributed"
COMMISSION_CREATED: Final = "commission.created"
COMMISSION_REVERSED: Final = "commission.reversed"
COMMISSION_STATUS_CHANGED: Final = "commission.status_changed"
PAYOUT_CREATED: Final = "payout.created"
PAYOUT_PAID: Final = "payout.paid"
PAYOUT_FAILED: Final = "payout.failed"

ALL: Final = (
    PARTNER_APPLIED,
    PARTNER_APPROVED,
    PARTNER_REJECTED,
    LEAD_CREATED,
    LEAD_STATUS_CHANGED,
    CUSTOMER_ATTRIBUTED,
    COMMISSION_CREATED,
    COMMISSION_REVERSED,
    COMMISSION_STATUS_CHANGED,
    PAYOUT_CREATED,
    PAYOUT_PAID,
    PAYOUT_FAILED,
)
"""Every event type, in a stable order (endpoint subscriptions are validated against it)."""
