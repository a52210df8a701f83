"""Report rules: what each source item counts in the monthly rollups, months, funnels, ranks and health.

Pure functions (no boto3, no HTTP). The stream consumer applies `contributions(new) - contributions(old)` of
every item change; `make rollups-rebuild` sums `contributions(item)` over the table. Both use the same function,
so the rollups equal what the source items say by construction (docs/reports.md).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from shared.core import keys

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
PARTNER = "PARTNER"
LINK = "LINK"
PROGRAM = "PROGRAM"
GROUP = "GROUP"
ALL_TIME = keys.ROLLUP_ALL_TIME

COUNTS = ("clicks", "unique_visitors", "leads", "qualified_leads", "customers")
"""Plain counters of a rollup item."""
MONEY = ("revenue", "refunds", "commission", "reversals", "payouts")
"""Per-currency counters, stored as `<name>_<ISO code>` (currencies are never summed together)."""
ACTIVITY_PREFIX = "act_"
"""`act_DD`: clicks plus leads on day DD of a partner's month (health: days without activity)."""
MAX_MONTHS = 24
"""The longest range a report reads (a page reads every month of the range for each partner)."""

Scope = tuple[str, str, str]  # (scope, scope id, month or ALL)
Deltas = dict[Scope, dict[str, int]]


class Resolver(Protocol):
    """What an item's contribution needs from other items: the link's partner, a payment's sale."""

    def link(self, code: str) -> Mapping[str, Any] | None:
        """The referral link item of a code."""

    def sale(self, sale_id: str) -> Mapping[str, Any] | None:
        """The referred sale item of an id."""

    def partner(self, partner_id: str) -> Mapping[str, Any] | None:
        """The partner's profile item (its group and its `group_moves`)."""


def month_of(timestamp: str | None) -> str | None:
    """The UTC month (YYYY-MM) of a stored ISO timestamp (or day), None when absent."""
    if not timestamp:
        return None
    if len(timestamp) >= 19 and ("+" in timestamp[19:] or "-" in timestamp[19:]):
        parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC)
        return parsed.strftime("%Y-%m")
    return timestamp[:7]


def months_between(first: str, last: str) -> list[str]:
    """Every month first..last inclusive (YYYY-MM)."""
    year, month = int(first[:4]), int(first[5:7])
    result = []
    while f"{year:04d}-{month:02d}" <= last:
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def shift_month(month: str, by: int) -> str:
    """The month `by` months after (negative: before) `month`."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def valid_month(value: str) -> bool:
    """True for a YYYY-MM month."""
    return bool(re.match(MONTH_PATTERN, value))


def instant(timestamp: str) -> datetime:
    """A stored ISO timestamp (or a YYYY-MM-DD day: its first instant) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def group_at(partner: Mapping[str, Any] | None, at: str) -> str | None:
    """The group a partner was in at instant `at`: the `from` of its first group move after `at`, else its
    current group. A move appends {at, from, to} to the partner's `group_moves` in the same update that changes
    its `group_id`, so the answer for a past instant never changes: figures stay with the group they were
    earned in, and the consumer and the rebuild agree."""
    if not partner:
        return None
    when = instant(at)
    later = [m for m in partner.get("group_moves") or () if m.get("at") and instant(str(m["at"])) > when]
    if later:
        first = min(later, key=lambda m: instant(str(m["at"])))
        return first.get("from") or None
    return partner.get("group_id") or None


# ---------------------------------------------------------------- contributions of one item
def _add(deltas: Deltas, scope: Scope, name: str, amount: int) -> None:
    if amount:
        counters = deltas.setdefault(scope, {})
        counters[name] = counters.get(name, 0) + amount


def _credit(
    deltas: Deltas,
    resolve: Resolver,
    *,
    partner_id: str,
    program_id: str,
    at: str,
    link_code: str | None,
    counters: dict[str, int],
) -> None:
    """Count `counters` at instant `at` for the partner, the program (monthly and all time), the link (monthly)
    and the group the partner was in at that instant (monthly)."""
    month = month_of(at)
    if not month:
        return
    scopes: list[Scope] = [
        (PARTNER, partner_id, month),
        (PARTNER, partner_id, ALL_TIME),
        (PROGRAM, program_id, month),
        (PROGRAM, program_id, ALL_TIME),
    ]
    if link_code:
        scopes.append((LINK, link_code, month))
    group = group_at(resolve.partner(partner_id), at)
    if group:
        scopes.append((GROUP, keys.rollup_group_scope(program_id, group), month))
    for scope in scopes:
        for name, amount in counters.items():
            if name.startswith(ACTIVITY_PREFIX) and scope != (PARTNER, partner_id, month):
                continue
            _add(deltas, scope, name, amount)


def contributions(item: Mapping[str, Any] | None, resolve: Resolver) -> Deltas:
    """What one stored item counts in the rollups (empty for items that count nothing)."""
    deltas: Deltas = {}
    if not item:
        return deltas
    kind = item.get("type")
    click = keys.parse_link_click(str(item.get("pk", "")), str(item.get("sk", "")))
    if click is not None and kind is None:
        _click(deltas, item, click, resolve)
    elif kind == "lead":
        _lead(deltas, item, resolve)
    elif kind == "customer_attribution":
        at = item.get("attributed_at")
        if at and item.get("partner_id"):
            _credit(
                deltas, resolve, partner_id=item["partner_id"], program_id=item["program_id"], at=str(at),
                link_code=item.get("link_code"), counters={"customers": 1},
            )  # fmt: skip
    elif kind == "commission_sale":
        _sale(deltas, item, resolve)
    elif kind == "stripe_payment":
        _refunds(deltas, item, resolve)
    elif kind == "commission":
        _commission(deltas, item, resolve)
    elif kind == "payout":
        _payout(deltas, item, resolve)
    return deltas


def _click(deltas: Deltas, item: Mapping[str, Any], click: tuple[str, str], resolve: Resolver) -> None:
    code, day = click
    link = resolve.link(code)
    if not link or not link.get("partner_id"):
        return
    clicks = int(item.get("clicks", 0))
    # A visitor-day's clicks count in the group the partner was in when the (UTC) day began.
    _credit(
        deltas, resolve, partner_id=link["partner_id"], program_id=link["program_id"], at=day[:10], link_code=code,
        counters={"clicks": clicks, "unique_visitors": 1 if clicks else 0, f"{ACTIVITY_PREFIX}{day[8:10]}": clicks},
    )  # fmt: skip


def _lead(deltas: Deltas, item: Mapping[str, Any], resolve: Resolver) -> None:
    partner_id = item.get("partner_id")
    if not partner_id or item.get("outcome", "accepted") != "accepted":
        return
    created = str(item.get("created_at", ""))
    if not month_of(created):
        return
    common = {"partner_id": partner_id, "program_id": item["program_id"], "link_code": item.get("link_code")}
    _credit(deltas, resolve, at=created, counters={"leads": 1, f"{ACTIVITY_PREFIX}{created[8:10]}": 1}, **common)
    # A lead counts as qualified in the month it was qualified; a purchase that converts a lead sales never
    # qualified (new -> converted) qualifies it then.
    qualified = item.get("qualified_at") or item.get("converted_at")
    if qualified:
        _credit(deltas, resolve, at=str(qualified), counters={"qualified_leads": 1}, **common)


def _money(value: Any) -> tuple[int, str] | None:
    if isinstance(value, Mapping) and "amount" in value and "currency" in value:
        return int(value["amount"]), str(value["currency"]).upper()
    return None


def _sale(deltas: Deltas, item: Mapping[str, Any], resolve: Resolver) -> None:
    paid = _money(item.get("amount_paid"))
    paid_at = item.get("paid_at")
    if not item.get("paid") or not item.get("partner_id") or paid is None or not paid_at:
        return
    amount, currency = paid
    _credit(
        deltas, resolve, partner_id=item["partner_id"], program_id=item["program_id"], at=str(paid_at),
        link_code=None, counters={f"revenue_{currency}": amount},
    )  # fmt: skip


def _refunds(deltas: Deltas, item: Mapping[str, Any], resolve: Resolver) -> None:
    refunded = sum(int(v) for v in (item.get("refunds") or {}).values())
    if not refunded or not item.get("sale_id"):
        return
    sale = resolve.sale(str(item["sale_id"]))
    paid = _money(sale.get("amount_paid")) if sale else None
    paid_at = sale.get("paid_at") if sale else None
    if not sale or not sale.get("paid") or not sale.get("partner_id") or paid is None or not paid_at:
        return
    # Refunds count against the month (and the group) of the sale they refund: a month's revenue is what its
    # sales kept.
    currency = paid[1]
    _credit(
        deltas, resolve, partner_id=sale["partner_id"], program_id=sale["program_id"], at=str(paid_at),
        link_code=None, counters={f"revenue_{currency}": -refunded, f"refunds_{currency}": refunded},
    )  # fmt: skip


def _commission(deltas: Deltas, item: Mapping[str, Any], resolve: Resolver) -> None:
    money = _money(item.get("amount"))
    created = item.get("created_at")
    if money is None or not created or item.get("status") == "voided":
        return
    amount, currency = money
    counters = {f"commission_{currency}": amount}
    if amount < 0:
        counters[f"reversals_{currency}"] = -amount
    _credit(
        deltas, resolve, partner_id=item["partner_id"], program_id=item["program_id"], at=str(created),
        link_code=None, counters=counters,
    )  # fmt: skip


def _payout(deltas: Deltas, item: Mapping[str, Any], resolve: Resolver) -> None:
    money = _money(item.get("amount"))
    paid_at = item.get("paid_at")
    if item.get("status") != "paid" or money is None or not paid_at:
        return
    _credit(
        deltas, resolve, partner_id=item["partner_id"], program_id=item["program_id"], at=str(paid_at),
        link_code=None, counters={f"payouts_{money[1]}": money[0]},
    )  # fmt: skip


def change_deltas(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, resolve: Resolver) -> Deltas:
    """What one item change adds to the rollups: its new contributions minus its old ones (zeros dropped)."""
    result: Deltas = {}
    for sign, image in ((1, new), (-1, old)):
        for scope, counters in contributions(image, resolve).items():
            for name, amount in counters.items():
                _add(result, scope, name, sign * amount)
    return {
        scope: {n: a for n, a in counters.items() if a} for scope, counters in result.items() if any(counters.values())
    }


def merge(total: Deltas, more: Deltas) -> None:
    """Add `more` into `total`."""
    for scope, counters in more.items():
        for name, amount in counters.items():
            _add(total, scope, name, amount)


# ---------------------------------------------------------------- figures read back
@dataclass
class Figures:
    """A funnel over some months: counts, and money per currency (ISO code -> minor units)."""

    clicks: int = 0
    unique_visitors: int = 0
    leads: int = 0
    qualified_leads: int = 0
    customers: int = 0
    money: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    active_days: set[str] = field(default_factory=set)

    def add_item(self, item: Mapping[str, Any], month: str | None = None) -> None:
        """Add one rollup item's counters."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + int(item.get(name, 0)))
        for attribute, value in item.items():
            name, _, currency = attribute.rpartition("_")
            if name in MONEY and len(currency) == 3 and currency.isupper():
                self.money[name][currency] = self.money[name].get(currency, 0) + int(value)
            elif month and attribute.startswith(ACTIVITY_PREFIX) and int(value) > 0:
                self.active_days.add(f"{month}-{attribute[len(ACTIVITY_PREFIX) :]}")

    def as_json(self) -> dict[str, Any]:
        """The contract's fields plus conversion rates (Decimal strings, 4 places; null when undefined)."""
        body: dict[str, Any] = {name: getattr(self, name) for name in COUNTS}
        for name in MONEY:
            body[name] = {c: a for c, a in sorted(self.money.get(name, {}).items()) if a}
        body["conversion"] = {
            "visitor_to_lead": rate(self.leads, self.unique_visitors),
            "lead_to_qualified": rate(self.qualified_leads, self.leads),
            "lead_to_customer": rate(self.customers, self.leads),
        }
        return body


def figures_of(items: Iterable[Mapping[str, Any]]) -> Figures:
    """The sum of rollup items (one scope's months)."""
    figures = Figures()
    for item in items:
        figures.add_item(item, str(item.get("sk", ""))[len("MONTH#") :] or None)
    return figures


def rate(part: int, whole: int) -> str | None:
    """part / whole as a 4-place decimal string (rounded half-even), None when whole is 0."""
    if whole <= 0:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN))


SORTABLE = ("partner_id", *COUNTS)


def sort_rows(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Rows sorted by a figure, smallest first (`-figure`: largest first, as JSON:API writes it); partner id
    breaks ties."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name == "partner_id":
        return sorted(rows, key=lambda r: r["partner_id"], reverse=descending)
    return sorted(rows, key=lambda r: (-r[name] if descending else r[name], r["partner_id"]))


# ---------------------------------------------------------------- recognition
LEADERBOARD_METRICS = ("revenue", "customers", "qualified_leads")


def leaderboard_score(figures: Figures, metric: str, currency: str) -> int:
    """A partner's score on the program's leaderboard metric (revenue: in the program's ranking currency)."""
    if metric == "revenue":
        return figures.money.get("revenue", {}).get(currency, 0)
    return int(getattr(figures, metric))


def rank(scores: Mapping[str, int]) -> list[tuple[int, str, int]]:
    """(rank, partner id, score), best first; equal scores share a rank (1, 2, 2, 4); zero scores unranked."""
    ordered = sorted(((s, p) for p, s in scores.items() if s > 0), key=lambda t: (-t[0], t[1]))
    result: list[tuple[int, str, int]] = []
    for position, (score, partner_id) in enumerate(ordered, start=1):
        shared = result[-1][0] if result and result[-1][2] == score else position
        result.append((shared, partner_id, score))
    return result


PACKED_SCORES_LIMIT = 300_000
"""Characters of a leaderboard snapshot's packed scores (an item holds 400 KB): ~30,000 distinct scores."""


def pack_scores(ranking: list[tuple[int, str, int]]) -> tuple[str, int]:
    """A ranking's scores, best first, as `score*count` runs ("900*1,500*2"), and the lowest score listed (0: all
    listed). Enough to give any score its rank without the partner ids."""
    runs: list[list[int]] = []
    for _, _, score in ranking:
        if runs and runs[-1][0] == score:
            runs[-1][1] += 1
        else:
            runs.append([score, 1])
    packed, floor = "", 0
    for score, count in runs:
        part = f"{score}*{count}"
        if len(packed) + len(part) + 1 > PACKED_SCORES_LIMIT:
            return packed, floor
        packed, floor = f"{packed},{part}" if packed else part, score
    return packed, 0


def rank_of(packed: str, floor: int, score: int) -> int | None:
    """The rank of `score` among packed scores (1 + how many scored more; ties share it); None for a zero score,
    or a score under the lowest one a truncated list kept."""
    if score <= 0 or (floor and score < floor):
        return None
    better = 0
    for part in packed.split(",") if packed else ():
        value, _, count = part.partition("*")
        if int(value) <= score:
            break
        better += int(count)
    return better + 1


# ---------------------------------------------------------------- partner health
def inactive(active_days: set[str], today: str, days: int) -> bool:
    """True when no day of the last `days` days (today included) had a click or a lead."""
    start = datetime.fromisoformat(today).toordinal() - days + 1
    return not any(datetime.fromisoformat(d).toordinal() >= start for d in active_days if _is_day(d))


def _is_day(value: str) -> bool:
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}$", value))


def falling(previous: Figures, before: Figures) -> bool:
    """True when last month's clicks or leads fell to under half of the month before's (which had some)."""
    return any(
        getattr(before, name) >= 2 and getattr(previous, name) * 2 < getattr(before, name)
        for name in ("clicks", "leads")
    )


# ---------------------------------------------------------------- charts
@dataclass(frozen=True)
class Bar:
    """One bar of a server-rendered SVG chart, in the chart's user units (0..100 high)."""

    label: str
    value: int
    x: int
    y: int
    height: int


CHART_HEIGHT = 100
BAR_STEP = 20


def bar_chart(values: list[tuple[str, int]]) -> list[Bar]:
    """Bars for (label, value) pairs, scaled to the tallest (a zero month is a flat bar)."""
    top = max((v for _, v in values), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(values):
        height = round(value * CHART_HEIGHT / top)
        bars.append(Bar(label=label, value=value, x=index * BAR_STEP, y=CHART_HEIGHT - height, height=height))
    return bars
