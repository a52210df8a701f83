"""The bodies the payout routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import RootModel

from shared.core.entity import Model
from shared.core.money import Money
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus
from shared.payouts.rules import Outcome


class PayoutPage(Model):
    """GET /admin/payouts: one page of a period's payouts and the cursor of the next one."""

    items: list[Payout]
    next_cursor: str | None


class PreviewLine(Model):
    """What a run would do with one partner's balance in one currency."""

    partner_id: str
    currency: str
    amount: int
    commission_count: int
    outcome: Outcome
    reason: str | None
    method: PayoutMethodKind


class Preview(Model):
    """A dry run: every balance of the period and what the run would do with it; nothing written."""

    period: str
    cutoff: datetime
    dry_run: Literal[True]
    payable_totals: dict[str, int]
    lines: list[PreviewLine]


class RunDone(Model):
    """A run made here (locally): what it did, counted per outcome."""

    status: Literal["done"]
    period: str
    paid: int
    pending_manual: int
    failed: int
    retry_later: int
    withheld: int
    carried_over: int
    needs_review: int
    already_done: int
    paid_amounts: dict[str, int]


class RunStarted(Model):
    """A run started in AWS (the payout function invoked asynchronously)."""

    status: Literal["started"]
    period: str


class RunAnswer(RootModel[Preview | RunDone]):
    """POST /admin/payouts/run, 200: the preview of a dry run, or the summary of a run made here."""

    model_config = {"defer_build": True}


class StatementLineView(Model):
    """One ledger entry a payout paid (amount in minor units; negative for a reversal)."""

    commission_id: str
    rule: str
    customer_id: str | None
    invoice_id: str | None
    amount: int
    currency: str
    reverses: str | None
    available_at: str
    note: str | None
    description: str | None


class StatementView(Model):
    """A payout's statement: exactly the entries it paid, and their total (= the payout's amount)."""

    payout_id: str
    partner_id: str
    period: str
    currency: str
    status: PayoutStatus
    amount: int
    total: int
    lines: list[StatementLineView]


class PartnerPayoutView(Model):
    """A payout as its partner sees it (withheld ones with their reason)."""

    payout_id: str
    period: str
    amount: Money
    status: PayoutStatus
    method: PayoutMethodKind
    commission_count: int
    stripe_transfer_id: str | None = None
    reference: str | None = None
    failure_reason: str | None = None
    withheld_reason: str | None = None
    created_at: datetime
    paid_at: datetime | None = None


class PartnerPayoutList(Model):
    """GET /partner/payouts."""

    items: list[PartnerPayoutView]
