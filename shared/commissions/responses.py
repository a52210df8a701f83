"""The bodies the commission routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from datetime import datetime

from shared.commissions.models import Commission, CommissionStatus, CustomerAttribution
from shared.core.entity import Model
from shared.core.money import Money
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import PayoutStatus


class CommissionView(Commission):
    """A ledger entry as the APIs show it: `status` is what a person should read (a pending entry whose hold is
    over reads approved), `stored_status` what is stored."""

    stored_status: CommissionStatus


class CommissionWithReversals(CommissionView):
    """One entry with its reversals (refunds, disputes)."""

    reversals: list[CommissionView]


class CommissionPage(Model):
    """One page of ledger entries and the cursor of the next one (null on the last page)."""

    items: list[CommissionView]
    next_cursor: str | None


class Balance(Model):
    """A partner's balance in one currency, in minor units: pending (in hold), approved (payable now), held
    (disputed), paid, unpaid (pending + approved, negative when reversals exceed earnings), in_review."""

    pending: int
    approved: int
    held: int
    paid: int
    unpaid: int
    in_review: int


class BalanceView(Model):
    """GET /partner/balance: per ISO currency."""

    balances: dict[str, Balance]


class PartnerCommissionPage(CommissionPage):
    """GET /partner/commissions: a page of the partner's own entries, and its balances per currency."""

    balances: dict[str, Balance]


class PayoutInReview(Model):
    """A payout the run flagged for finance (its claimed balance was not positive)."""

    payout_id: str
    partner_id: str
    period: str
    amount: Money
    status: PayoutStatus
    method: PayoutMethodKind
    commission_count: int
    failure_reason: str | None = None


class ReviewQueue(CommissionPage):
    """GET /admin/review: entries waiting for staff, and the payouts waiting for finance's release."""

    payouts: list[PayoutInReview]


class AdjustmentList(Model):
    """GET .../adjustments: a partner's manual adjustments."""

    items: list[CommissionView]


class PromotionCodeView(Model):
    """A Stripe promotion code assigned to a partner."""

    code: str
    partner_id: str
    assigned_at: datetime


class PromotionCodeList(Model):
    """GET .../promotion-codes."""

    items: list[PromotionCodeView]


class AttributionResult(Model):
    """POST /admin/customers/{id}/attribution: the customer's binding and how many parked invoices it applied."""

    attribution: CustomerAttribution
    applied_invoices: int
