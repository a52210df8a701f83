"""Payout rules, pure (no DynamoDB, HTTP or Stripe): periods and cutoffs, netting per partner per currency,
minimums and carry-over, withholding reasons, payout ids, statement lines and CSV.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.commissions.models import Commission, CommissionStatus
from shared.core.errors import BadRequest, Conflict
from shared.core.money import Money
from shared.partners.models import Partner, PartnerStatus, PayoutMethodKind
from shared.payouts.models import Payout
from shared.programs.models import Program

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
"""A payout period: a calendar month, YYYY-MM."""
_PERIOD = re.compile(PERIOD_PATTERN)


# ---------------------------------------------------------------- periods
def parse_period(value: object) -> str:
    """A payout period "YYYY-MM"; anything else is a BadRequest naming the field."""
    if not isinstance(value, str) or not _PERIOD.match(value) or not 2000 <= int(value[:4]) <= 2999:
        raise BadRequest(f"period must be a month as YYYY-MM (e.g. 2026-10), got {value!r}", code="invalid_period")
    return value


def zone(name: str) -> ZoneInfo:
    """The IANA timezone of the payout schedule; an unknown name is a BadRequest."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise BadRequest(f"unknown timezone {name!r}", code="invalid_timezone") from error


def period_cutoff(period: str, timezone: str = "UTC") -> datetime:
    """Start of the month after `period` in the program's timezone (as aware UTC): entries available before
    it count toward the period's payout."""
    year, month = int(period[:4]), int(period[5:7])
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=zone(timezone)).astimezone(ZoneInfo("UTC"))


def payable_cutoff(period: str, now: datetime, timezone: str = "UTC") -> datetime:
    """What a run of `period` may pay: entries available before the period's cutoff and before now (nothing
    is payable before its hold ends, whatever period is asked)."""
    return min(period_cutoff(period, timezone), now)


def ensure_period_ended(period: str, now: datetime, timezone: str = "UTC") -> None:
    """A run that pays needs its period over; a 409 otherwise (a dry run may look at any period)."""
    cutoff = period_cutoff(period, timezone)
    if now < cutoff:
        raise Conflict(
            f"period {period} has not ended: it can be paid from {cutoff.isoformat()}; "
            "preview it with a dry run meanwhile",
            code="period_not_ended",
        )


def previous_period(now: datetime, timezone: str = "UTC") -> str:
    """The month before `now` in the program's timezone: what a scheduled run pays."""
    local = now.astimezone(zone(timezone))
    last_month = local.replace(day=1) - timedelta(days=1)
    return f"{last_month.year:04d}-{last_month.month:02d}"


def payout_id(partner_id: str, period: str, currency: str) -> str:
    """Deterministic payout id: every run (and retry) of the same payout uses the same id and Stripe key."""
    digest = hashlib.sha256(f"{partner_id}|{period}|{currency}".encode()).hexdigest()
    return f"po_{digest[:24]}"


# ---------------------------------------------------------------- deciding
class Outcome(StrEnum):
    """What the run does with one partner's balance in one currency."""

    PAY = "pay"
    CARRY_OVER = "carry_over"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Balance:
    """The payable ledger entries of one partner in one currency, netted."""

    partner_id: str
    currency: str
    entries: tuple[Commission, ...]

    @property
    def total(self) -> Money:
        """Net of the entries: commissions minus reversals."""
        return Money.of(sum(e.amount.amount for e in self.entries), self.currency)


@dataclass(frozen=True)
class Decision:
    """The run's decision for one balance, with a reason a partner or finance can read."""

    balance: Balance
    outcome: Outcome
    reason: str | None = None
    method: PayoutMethodKind = PayoutMethodKind.NONE
    destination: str | None = None

    def as_preview(self) -> dict[str, object]:
        """The JSON line of a dry run."""
        return {
            "partner_id": self.balance.partner_id,
            "currency": self.balance.currency,
            "amount": self.balance.total.amount,
            "commission_count": len(self.balance.entries),
            "outcome": self.outcome.value,
            "reason": self.reason,
            "method": self.method.value,
        }


def is_payable(entry: Commission, cutoff: datetime) -> bool:
    """Unclaimed, pending or approved, and its hold period over before the cutoff."""
    return (
        entry.payout_id is None
        and entry.status in (CommissionStatus.PENDING, CommissionStatus.APPROVED)
        and entry.available_at < cutoff
    )


def group_balances(entries: Iterable[Commission], cutoff: datetime) -> list[Balance]:
    """Payable entries grouped per partner per currency (sorted, so runs are deterministic)."""
    groups: dict[tuple[str, str], list[Commission]] = defaultdict(list)
    for entry in entries:
        if is_payable(entry, cutoff):
            groups[(entry.partner_id, entry.amount.currency)].append(entry)
    return [
        Balance(partner_id, currency, tuple(sorted(items, key=lambda e: (e.available_at, e.commission_id))))
        for (partner_id, currency), items in sorted(groups.items())
    ]


def withholding_reason(partner: Partner | None) -> str | None:
    """Why a partner cannot be paid now (None when it can), worded for the partner."""
    if partner is None:
        return "partner record not found; contact the program team"
    if partner.status is PartnerStatus.PAUSED:
        return "your partner account is paused; payouts resume when it is reactivated"
    if partner.status is PartnerStatus.TERMINATED:
        return "your partner account is terminated; payouts are withheld under the partner agreement"
    if partner.status is PartnerStatus.PENDING:
        return "your partner account is not approved yet"
    if not partner.payout_method.can_receive:
        return "no payout method on file; add one to receive your payout"
    return None


def decide(balance: Balance, partner: Partner | None, program: Program) -> Decision:
    """Pay, carry over (not positive, or below the program's minimum) or withhold one balance."""
    total = balance.total.amount
    if total <= 0:
        return Decision(balance, Outcome.CARRY_OVER, "net balance is not positive; it carries over")
    minimum = program.minimum_payout(balance.currency)
    if total < minimum:
        reason = f"balance {total} is below the minimum payout {minimum} {balance.currency}; it carries over"
        return Decision(balance, Outcome.CARRY_OVER, reason)
    withheld = withholding_reason(partner)
    if withheld is not None or partner is None:
        return Decision(balance, Outcome.WITHHELD, withheld)
    method = partner.payout_method
    destination = method.stripe_account_id if method.kind is PayoutMethodKind.STRIPE_CONNECT else method.reference
    return Decision(balance, Outcome.PAY, None, method.kind, destination)


def reversal_available_at(original: Commission, now: datetime) -> datetime:
    """When a reversal (refund, lost dispute) of `original` becomes payable, which decides the payout it
    lands in: the original's available_at while no payout claimed the original (both net in the same
    payout), else now (it is netted from the next payout; a negative balance carries over)."""
    return original.available_at if original.payout_id is None else now


# ---------------------------------------------------------------- statements
@dataclass(frozen=True)
class StatementLine:
    """One ledger entry of a payout, as a statement shows it."""

    commission_id: str
    rule: str
    customer_id: str | None
    invoice_id: str | None
    amount: int
    currency: str
    reverses: str | None
    available_at: str
    note: str | None
    description: str | None = None  # an adjustment's description (what a non-cash reward was)


@dataclass
class Statement:
    """Every line of one payout and the total, which equals the payout amount."""

    payout: Payout
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Sum of the lines."""
        return sum(line.amount for line in self.lines)

    def as_json(self) -> dict[str, object]:
        """The statement as the routes return it."""
        p = self.payout
        return {
            "payout_id": p.payout_id,
            "partner_id": p.partner_id,
            "period": p.period,
            "currency": p.amount.currency,
            "status": p.status.value,
            "amount": p.amount.amount,
            "total": self.total,
            "lines": [line.__dict__ for line in self.lines],
        }


def statement(payout: Payout, entries: Sequence[Commission]) -> Statement:
    """The statement of a payout: exactly the entries whose payout_id is this payout, oldest first."""
    own = sorted(
        (e for e in entries if e.payout_id == payout.payout_id), key=lambda e: (e.available_at, e.commission_id)
    )
    return Statement(
        payout,
        [
            StatementLine(
                commission_id=e.commission_id,
                rule=e.rule,
                customer_id=e.source.customer_id,
                invoice_id=e.source.invoice_id,
                amount=e.amount.amount,
                currency=e.amount.currency,
                reverses=e.reverses,
                available_at=e.available_at.isoformat(),
                note=e.note,
                description=e.description,
            )
            for e in own
        ],
    )


STATEMENT_COLUMNS = (
    "commission_id",
    "rule",
    "customer_id",
    "invoice_id",
    "amount",
    "currency",
    "reverses",
    "note",
    "description",
)
EXPORT_COLUMNS = ("payout_id", "partner_id", "period", "currency", "amount", "method", "destination", "commissions")


def _csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        # A leading =, +, - or @ would run as a formula in a spreadsheet: prefix text cells with a quote.
        writer.writerow(
            [f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else ("" if c is None else c) for c in row]
        )
    return buffer.getvalue()


def statement_csv(stmt: Statement) -> str:
    """A statement as CSV: one row per line and a TOTAL row (amounts in minor units)."""
    rows: list[Sequence[object]] = [STATEMENT_COLUMNS]
    rows += [[getattr(line, c) for c in STATEMENT_COLUMNS] for line in stmt.lines]
    rows.append(["TOTAL", "", "", "", stmt.total, stmt.payout.amount.currency, "", "", ""])
    return _csv(rows)


def manual_export_csv(payouts: Iterable[Payout]) -> str:
    """The CSV finance uses to pay manual (PayPal, Wise, bank) payouts that are still pending."""
    rows: list[Sequence[object]] = [EXPORT_COLUMNS]
    rows += [
        [
            p.payout_id,
            p.partner_id,
            p.period,
            p.amount.currency,
            p.amount.amount,
            p.method.value,
            p.destination,
            p.commission_count,
        ]
        for p in payouts
    ]
    return _csv(rows)
