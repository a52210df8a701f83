"""The payout run: resumable, exactly once per (partner, period, currency), one payable shard at a time.

Per shard: (1) drive every unfinished payout of any period forward (a crashed run's claims, a pending or
failed Stripe transfer); (2) read the shard's payable entries before the cutoff, net them per partner per
currency, and for each balance create the payout (attribute_not_exists) with its claim plan, claim the plan
in transactions of <= 100 items that also move the payout's cursor, then transfer with the payout's
idempotency key and mark it paid. Each step is a conditional write, so a run killed after any step and run
again continues where it stopped, and two runs racing on one payout cannot both move it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.commissions import service as commissions
from shared.commissions.rebuild import rebuild_partner
from shared.commissions.rules import in_release_items, release_minute
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import ConditionFailed
from shared.core.errors import BadRequest, Conflict
from shared.core.money import Money, normalize_currency
from shared.core.retry import pause_before_retry
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus, claim_chunk_size
from shared.payouts.rules import (
    Balance,
    Decision,
    Outcome,
    Statement,
    decide,
    ensure_period_ended,
    group_balances,
    parse_period,
    payable_cutoff,
    payout_id,
    previous_period,
    statement,
)
from shared.payouts.store import ClaimStatus, PayoutRepository
from shared.payouts.transfers import TransferGateway, TransferStatus
from shared.programs.models import Program

# Named points where a test can inject a crash (the hook raises) to prove the run resumes.
CHECKPOINTS = (
    "open_payouts_read",
    "payable_read",
    "payout_created",
    "chunk_claimed",
    "transfer_made",
    "payout_settled",
)
Checkpoint = Callable[[str], None]
MAX_CLAIM_ATTEMPTS = 5


# Stripe keeps idempotency keys for at least 24 hours; an older unfinished attempt is looked up first.
STRIPE_KEY_MEMORY = timedelta(hours=23)


def _no_checkpoint(_: str) -> None:
    return None


@dataclass
class RunSummary:
    """What a run (or one shard of it) did, counted per outcome."""

    period: str
    paid: int = 0
    pending_manual: int = 0
    failed: int = 0
    retry_later: int = 0
    withheld: int = 0
    carried_over: int = 0
    needs_review: int = 0
    already_done: int = 0
    paid_amounts: dict[str, int] = field(default_factory=dict)

    def add(self, other: RunSummary) -> None:
        """Fold another shard's summary into this one."""
        for name in (
            "paid",
            "pending_manual",
            "failed",
            "retry_later",
            "withheld",
            "carried_over",
            "needs_review",
            "already_done",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for currency, amount in other.paid_amounts.items():
            self.paid_amounts[currency] = self.paid_amounts.get(currency, 0) + amount

    def as_json(self) -> dict[str, Any]:
        """The summary as the function returns it."""
        return asdict(self)


class PayoutRun:
    """Runs (or previews) the payouts of a period against the ledger, Stripe and the payout items."""

    def __init__(
        self,
        ctx: AppContext,
        transfers: TransferGateway | None,
        *,
        timezone: str = "UTC",
        checkpoint: Checkpoint = _no_checkpoint,
        workers: int = 4,
    ) -> None:
        self.ctx = ctx
        self.repo = PayoutRepository(ctx.table)
        self.transfers = transfers
        self.timezone = timezone
        self.checkpoint = checkpoint
        self.workers = workers

    # ------------------------------------------------------------ entry points
    def preview(self, period: str) -> dict[str, Any]:
        """Dry run: every balance of the period and what the run would do with it; writes nothing."""
        period = parse_period(period)
        cutoff = payable_cutoff(period, self.ctx.clock.now(), self.timezone)
        program = self.ctx.programs.get(self.ctx.program_id)
        lines: list[dict[str, object]] = []
        for shard in range(keys.PAYABLE_SHARDS):
            balances = group_balances(self.repo.payable_entries(shard, to_iso(cutoff)), cutoff)
            partners = self.ctx.partners.find_many(b.partner_id for b in balances)
            lines += [decide(b, partners.get(b.partner_id), program).as_preview() for b in balances]
        lines.sort(key=lambda line: (str(line["partner_id"]), str(line["currency"])))
        totals: dict[str, int] = {}
        for line in lines:
            if line["outcome"] == Outcome.PAY.value:
                totals[str(line["currency"])] = totals.get(str(line["currency"]), 0) + int(str(line["amount"]))
        return {"period": period, "cutoff": to_iso(cutoff), "dry_run": True, "payable_totals": totals, "lines": lines}

    def run(self, period: str, shards: Iterable[int] | None = None) -> RunSummary:
        """Pay the period: every shard (in a thread pool locally; one SQS message per shard in AWS). A period
        that has not ended is refused (409 `period_not_ended`)."""
        period = parse_period(period)
        ensure_period_ended(period, self.ctx.clock.now(), self.timezone)
        selected = list(range(keys.PAYABLE_SHARDS) if shards is None else shards)
        summary = RunSummary(period)
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - the run only, not the API functions

        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(selected)))) as pool:
            for shard_summary in pool.map(lambda s: self.run_shard(period, s), selected):
                summary.add(shard_summary)
        return summary

    def run_shard(self, period: str, shard: int) -> RunSummary:
        """Finish this shard's unfinished payouts, then pay its balances for the period."""
        if not 0 <= shard < keys.PAYABLE_SHARDS:
            raise BadRequest(f"shard must lie in 0..{keys.PAYABLE_SHARDS - 1}", code="invalid_shard")
        period = parse_period(period)
        now = self.ctx.clock.now()
        ensure_period_ended(period, now, self.timezone)
        cutoff = payable_cutoff(period, now, self.timezone)
        program = self.ctx.programs.get(self.ctx.program_id)
        summary = RunSummary(period)
        attempted: set[str] = set()

        for listed in list(self.repo.open_payouts(shard)):
            # The index may lag: act on the item itself, read consistently.
            current = self.repo.get(listed.partner_id, listed.period, listed.amount.currency)
            if current is not None and current.needs_run:
                self._advance(current, summary, attempted)
        self.checkpoint("open_payouts_read")

        balances = group_balances(self.repo.payable_entries(shard, to_iso(cutoff)), cutoff)
        self.checkpoint("payable_read")
        partners = self.ctx.partners.find_many(b.partner_id for b in balances)
        for balance in balances:
            decision = decide(balance, partners.get(balance.partner_id), program)
            if decision.outcome is Outcome.CARRY_OVER:
                summary.carried_over += 1
            elif decision.outcome is Outcome.WITHHELD:
                self._withhold(period, program, decision, summary)
            else:
                self._pay(period, program, decision, summary, attempted)
        return summary

    # ------------------------------------------------------------ steps
    def _new_payout(self, period: str, program: Program, decision: Decision, status: PayoutStatus) -> Payout:
        balance: Balance = decision.balance
        now = self.ctx.clock.now()
        claiming = status is PayoutStatus.IN_PROGRESS
        # Entries planned before they release (an early run of the current period) are counted in the
        # partner's release items: their claims must update them too, so the plan keeps their available_at.
        unreleased = {e.commission_id: e.available_at for e in balance.entries if in_release_items(e.available_at, now)}
        release_days = {release_minute(at).date() for at in unreleased.values()}
        return Payout(
            payout_id=payout_id(balance.partner_id, period, balance.currency),
            partner_id=balance.partner_id,
            program_id=program.program_id,
            period=period,
            amount=balance.total,
            status=status,
            method=decision.method,
            destination=decision.destination,
            commission_ids=[e.commission_id for e in balance.entries] if claiming else [],
            commission_amounts=[e.amount.amount for e in balance.entries] if claiming else [],
            unreleased_available_at=unreleased if claiming else {},
            chunk_size=claim_chunk_size(len(release_days)),
            withheld_reason=None if claiming else decision.reason,
            created_at=now,
            updated_at=now,
        )

    def _withhold(self, period: str, program: Program, decision: Decision, summary: RunSummary) -> None:
        """Record why the partner is not paid (nothing is claimed: the entries stay payable)."""
        record = self._new_payout(period, program, decision, PayoutStatus.WITHHELD)
        stored, created = self.repo.create(record)
        if (
            not created
            and stored.status is PayoutStatus.WITHHELD
            and (stored.withheld_reason != record.withheld_reason or stored.amount != record.amount)
        ):
            # If another run updated it first, its record is as recent as ours.
            with contextlib.suppress(ConditionFailed):
                self.repo.replace(stored, record.model_copy(update={"created_at": stored.created_at}))
        if created or stored.status is PayoutStatus.WITHHELD:
            summary.withheld += 1
        else:
            summary.already_done += 1

    def _pay(self, period: str, program: Program, decision: Decision, summary: RunSummary, attempted: set[str]) -> None:
        """Create the payout with its claim plan (once), then drive it to the end."""
        planned = self._new_payout(period, program, decision, PayoutStatus.IN_PROGRESS)
        # One transaction creates the payout (attribute_not_exists) and claims its first chunk.
        try:
            stored, created = self._claim_next_chunk(planned, create=True)
        except _NothingToClaim:
            summary.carried_over += 1  # every entry changed since it was read: nothing is payable now
            return
        if created:
            self.checkpoint("payout_created")
        elif stored.status is PayoutStatus.WITHHELD:
            # Withheld earlier in this period and payable now (partner reactivated): reuse the key.
            try:
                stored = self.repo.replace(stored, planned)
            except ConditionFailed:
                stored = self.repo.get(planned.partner_id, period, planned.amount.currency) or stored
        elif not stored.needs_run:
            # Already paid (or awaiting a manual payment) for this period: late entries carry to the next one.
            summary.already_done += 1
            return
        self._advance(stored, summary, attempted)

    def _advance(self, payout: Payout, summary: RunSummary, attempted: set[str]) -> None:
        """Move one payout through its remaining steps, then count where it ended."""
        while True:
            if payout.status is PayoutStatus.IN_PROGRESS:
                payout, _ = self._claim_next_chunk(payout)
                self.checkpoint("chunk_claimed")
            elif payout.needs_run and payout.payout_id not in attempted and self.transfers is not None:
                attempted.add(payout.payout_id)  # one Stripe attempt per payout per run
                payout = self._transfer(payout)
            else:
                break
        if payout.status is PayoutStatus.PAID:
            summary.paid += 1
            currency = payout.amount.currency
            summary.paid_amounts[currency] = summary.paid_amounts.get(currency, 0) + payout.amount.amount
        elif payout.status is PayoutStatus.FAILED:
            summary.failed += 1
        elif payout.status is PayoutStatus.NEEDS_REVIEW:
            summary.needs_review += 1
        elif payout.status is PayoutStatus.PENDING:
            if payout.method is PayoutMethodKind.STRIPE_CONNECT:
                summary.retry_later += 1
            else:
                summary.pending_manual += 1

    def _claim_next_chunk(self, payout: Payout, *, create: bool = False) -> tuple[Payout, bool]:
        """Claim chunk `claimed_chunks` of the plan in one transaction; skip entries changed meanwhile.

        With `create`, the same transaction creates the payout item: (stored payout, True) when it did, or
        (the payout another run already stored, False) without claiming anything.
        """
        index = payout.claimed_chunks
        planned = payout.chunk(index)
        remaining = list(planned)
        for attempt in range(MAX_CLAIM_ATTEMPTS):
            now = self.ctx.clock.now()
            claimed_amount = payout.claimed_amount + sum(planned[c] for c in remaining)
            after = payout.model_copy(
                update={
                    "claimed_chunks": index + 1,
                    "claimed_amount": claimed_amount,
                    "commission_count": payout.commission_count + len(remaining),
                    "updated_at": now,
                }
            )
            if index + 1 >= payout.chunk_count:
                after = _finish_claiming(after)
            claims = [(c, planned[c], payout.unreleased_available_at.get(c)) for c in remaining]
            # The ledger's own builder (its service): the same conditional entry update as every state change.
            ledger = commissions.claim_actions(
                self.ctx, partner_id=after.partner_id, payout_id=after.payout_id, currency=after.amount.currency,
                claims=claims, now=now, with_balances=after.keeps_balances,
            )  # fmt: skip
            outcome = self.repo.claim_chunk(None if create else payout, after, claims, ledger)
            if outcome.status is ClaimStatus.PAYOUT_MOVED:
                # The payout exists already, or another run moved it on: continue from what is stored.
                fresh = self.repo.get(payout.partner_id, payout.period, payout.amount.currency)
                assert fresh is not None
                return fresh, False
            if outcome.status is ClaimStatus.CONTENDED:
                pause_before_retry(attempt + 1, base_seconds=0.05)
                continue
            if outcome.status is ClaimStatus.ENTRIES_CHANGED:
                # Held (dispute) or claimed elsewhere meanwhile: leave them; the payout pays exactly the rest.
                remaining = [c for c in remaining if c not in outcome.lost]
                if create and not remaining:
                    raise _NothingToClaim(payout.payout_id)
                continue
            if not after.keeps_balances and after.status is not PayoutStatus.IN_PROGRESS:
                # Planned before the balance aggregates: its claims did not move them; recompute them.
                rebuild_partner(self.ctx, after.partner_id)
            return after, create
        raise RuntimeError(f"could not claim chunk {index} of payout {payout.payout_id}; the next run resumes it")

    def _transfer(self, payout: Payout) -> Payout:
        """One Stripe transfer attempt with the payout's idempotency key; record the outcome conditionally."""
        assert self.transfers is not None
        now = self.ctx.clock.now()
        if payout.status is PayoutStatus.FAILED:
            payout = self._current_destination(payout, now)
        # An attempt whose outcome we never learned (timeout, 5xx, a crash before recording it) may have made
        # the transfer; once Stripe may have forgotten its key (24 h), only a lookup can tell.
        outcome_unknown = payout.status is PayoutStatus.PENDING and (
            payout.failure_reason is not None or now - payout.updated_at > STRIPE_KEY_MEMORY
        )
        result = self.transfers.transfer(payout, look_up_first=outcome_unknown)
        if result.status is TransferStatus.TRANSFERRED:
            self.checkpoint("transfer_made")
            after = payout.model_copy(
                update={
                    "status": PayoutStatus.PAID,
                    "stripe_transfer_id": result.transfer_id,
                    "failure_reason": None,
                    "paid_at": now,
                    "updated_at": now,
                }
            )
        elif result.status is TransferStatus.DECLINED:
            # Stripe refused for good, so no transfer exists for this key: the next attempt gets a new one.
            after = payout.model_copy(
                update={
                    "status": PayoutStatus.FAILED,
                    "failure_reason": result.reason,
                    "transfer_attempt": payout.transfer_attempt + 1,
                    "updated_at": now,
                }
            )
        else:
            after = payout.model_copy(update={"failure_reason": result.reason, "updated_at": now})
        try:
            stored = self.repo.replace(payout, after)
        except ConditionFailed:
            fresh = self.repo.get(payout.partner_id, payout.period, payout.amount.currency)
            assert fresh is not None
            return fresh
        if stored.status is PayoutStatus.PAID:
            self.checkpoint("payout_settled")
        return stored

    def _current_destination(self, payout: Payout, now: datetime) -> Payout:
        """A declined payout goes to the partner's Connect account as it is now: a partner whose account was
        not ready may have connected another one. (A decline already moved the idempotency key on.)"""
        partner = self.ctx.partners.find(payout.partner_id)
        method = partner.payout_method if partner else None
        account = method.stripe_account_id if method and method.kind is PayoutMethodKind.STRIPE_CONNECT else None
        if not account or account == payout.destination:
            return payout
        try:
            return self.repo.replace(payout, payout.model_copy(update={"destination": account, "updated_at": now}))
        except ConditionFailed:
            fresh = self.repo.get(payout.partner_id, payout.period, payout.amount.currency)
            return fresh or payout


class _NothingToClaim(Exception):
    """Every entry of a new payout's plan was changed by someone else before it could be claimed."""


def _finish_claiming(payout: Payout) -> Payout:
    """After the last chunk: the amount is exactly what was claimed; pay it, or flag it if not positive."""
    amount = Money.of(payout.claimed_amount, payout.amount.currency)
    if payout.claimed_amount > 0:
        return payout.model_copy(update={"status": PayoutStatus.PENDING, "amount": amount})
    reason = "entries changed while claiming left a balance that is not positive; finance must review"
    return payout.model_copy(update={"status": PayoutStatus.NEEDS_REVIEW, "amount": amount, "failure_reason": reason})


# ---------------------------------------------------------------- invocation
@dataclass(frozen=True)
class Invocation:
    """A payout invocation after validation: which period, preview or pay, one shard or all."""

    period: str
    dry_run: bool
    shard: int | None


def parse_invocation(event: dict[str, Any], now_period: Callable[[], str]) -> Invocation:
    """Validate a scheduler/manual event; no period (the schedule) means the previous month."""
    if not isinstance(event, dict):
        raise BadRequest("the event must be a JSON object", code="invalid_event")
    raw_period = event.get("period")
    period = parse_period(raw_period) if raw_period is not None else now_period()
    dry_run = event.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise BadRequest("dry_run must be true or false", code="invalid_dry_run")
    shard = event.get("shard")
    if shard is not None and (
        isinstance(shard, bool) or not isinstance(shard, int) or not 0 <= shard < keys.PAYABLE_SHARDS
    ):
        raise BadRequest(f"shard must be an integer in 0..{keys.PAYABLE_SHARDS - 1}", code="invalid_shard")
    return Invocation(period=period, dry_run=dry_run, shard=shard)


def scheduled_period(ctx: AppContext, timezone: str) -> Callable[[], str]:
    """The period a scheduled run pays: the month before now in the program's timezone."""
    return lambda: previous_period(ctx.clock.now(), timezone)


# ---------------------------------------------------------------- statements and manual payouts (routes)
def payout_statement(ctx: AppContext, partner_id: str, period: str, currency: str) -> Statement:
    """A payout's statement: every ledger entry it claimed, and the total (= the payout amount)."""
    payout = ctx.payouts.require(partner_id, parse_period(period), normalize_currency(currency))
    return statement(payout, ctx.payouts.commissions(partner_id, payout.commission_ids))


def manual_payouts_due(ctx: AppContext, period: str) -> list[Payout]:
    """Pending payouts of a period that finance pays by hand (PayPal, Wise, bank transfer)."""
    return [
        p
        for p in ctx.payouts.all_of_period(parse_period(period))
        if p.status is PayoutStatus.PENDING and p.method not in (PayoutMethodKind.STRIPE_CONNECT, PayoutMethodKind.NONE)
    ]


def mark_paid(ctx: AppContext, partner_id: str, period: str, currency: str, reference: str) -> Payout:
    """Finance paid a manual payout: pending -> paid with its reference, only once (409 the second time)."""
    payout = ctx.payouts.require(partner_id, parse_period(period), normalize_currency(currency))
    if payout.method in (PayoutMethodKind.STRIPE_CONNECT, PayoutMethodKind.NONE):
        raise Conflict("this payout is paid through Stripe Connect by the payout run", code="payout_not_manual")
    if payout.status is not PayoutStatus.PENDING:
        raise Conflict(f"the payout is {payout.status.value}, not pending", code="payout_not_pending")
    return ctx.payouts.mark_paid_manually(payout, reference, ctx.clock.now())
