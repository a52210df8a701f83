"""Reports: funnels per partner, program and link from the monthly rollups; recognition; partner health.

Every read is by key: a page of the admin report is one Query of partners plus at most two BatchGetItems of
their months (the page size shrinks with the range), so its cost does not grow with the program's history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.commissions import adjustments
from shared.commissions import service as commissions
from shared.commissions.adjustments import LOCAL_ADMIN
from shared.commissions.models import CommissionStatus
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import epoch_seconds, to_iso
from shared.core.dynamo import Item
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.money import Money
from shared.core.observability import logger
from shared.groups import service as groups
from shared.reports.rules import (
    ALL_TIME,
    GROUP,
    LEADERBOARD_METRICS,
    LINK,
    MAX_MONTHS,
    PARTNER,
    PROGRAM,
    SORTABLE,
    Figures,
    falling,
    figures_of,
    inactive,
    leaderboard_score,
    months_between,
    pack_scores,
    rank,
    rank_of,
    shift_month,
    sort_rows,
    valid_month,
)
from shared.reports.store import VERSION, RollupStore

KEYS_PER_PAGE = 200
"""Rollup keys one admin page reads: two BatchGetItems, so a page costs at most three requests."""
DEFAULT_PAGE = 50


def this_month(ctx: AppContext) -> str:
    """The current UTC month."""
    return ctx.clock.now().strftime("%Y-%m")


def month_range(ctx: AppContext, first: str | None, last: str | None) -> list[str]:
    """The months of a report's `from`..`to` (default: this month); 400 on a bad or too long range."""
    last = last or this_month(ctx)
    first = first or last
    if not valid_month(first) or not valid_month(last):
        raise BadRequest("from and to are months written YYYY-MM", code="invalid_month")
    if first > last:
        raise BadRequest("from must not be after to", code="invalid_range")
    months = months_between(first, last)
    if len(months) > MAX_MONTHS:
        raise BadRequest(f"a report covers at most {MAX_MONTHS} months", code="range_too_long")
    return months


def _by_scope(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item.get("scope_id")), []).append(item)
    return grouped


def partners_report(
    ctx: AppContext, months: list[str], *, sort: str = "partner_id", limit: int | None = None, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of partners (in listing order) with their funnel over `months`, sorted within the page."""
    if sort.lstrip("-") not in SORTABLE:
        raise BadRequest(f"sort is one of {', '.join(SORTABLE)} (prefix - for largest first)", code="invalid_sort")
    page_size = max(1, min(limit or DEFAULT_PAGE, KEYS_PER_PAGE // len(months)))
    partners, next_cursor = ctx.partners.list_page(ctx.program_id, limit=page_size, cursor=cursor)
    rollups = _by_scope(RollupStore(ctx.table).many(PARTNER, [p.partner_id for p in partners], months))
    rows = []
    for partner in partners:
        row = {"partner_id": partner.partner_id, "name": partner.name, "status": partner.status.value}
        row.update(figures_of(rollups.get(partner.partner_id, [])).as_json())
        rows.append(row)
    return sort_rows(rows, sort), next_cursor


def groups_report(
    ctx: AppContext, months: list[str], *, limit: int | None = None, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the program's groups (by id) with their funnel over `months`: each figure counts in the group
    its partner was in when it was earned (a move re-attributes nothing). One Query of the groups, one
    BatchGetItem of their months."""
    if cursor is not None and not cursor.isdigit():
        raise BadRequest("cursor: use next_cursor as it was given", code="invalid_cursor")
    start = int(cursor or 0)
    page_size = max(1, min(limit or DEFAULT_PAGE, KEYS_PER_PAGE // len(months)))
    every = groups.all_groups(ctx)
    page = every[start : start + page_size]
    scope_ids = {g.group_id: keys.rollup_group_scope(ctx.program_id, g.group_id) for g in page}
    rollups = _by_scope(RollupStore(ctx.table).many(GROUP, list(scope_ids.values()), months)) if page else {}
    rows = [
        {"group_id": g.group_id, "name": g.name, **figures_of(rollups.get(scope_ids[g.group_id], [])).as_json()}
        for g in page
    ]
    return rows, (str(start + page_size) if start + page_size < len(every) else None)


def program_report(ctx: AppContext, months: list[str]) -> dict[str, Any]:
    """The program's totals per month (every month of the range, zeros included) and over the range."""
    items = RollupStore(ctx.table).months(PROGRAM, ctx.program_id, months[0], months[-1])
    return _monthly(items, months)


def _monthly(items: list[dict[str, Any]], months: list[str]) -> dict[str, Any]:
    by_month = {str(i.get("month")): i for i in items}
    rows = [{"month": m, **figures_of([by_month[m]] if m in by_month else []).as_json()} for m in months]
    return {"items": rows, "totals": figures_of(items).as_json(), "next_cursor": None}


def partner_report(ctx: AppContext, partner_id: str, months: list[str]) -> dict[str, Any]:
    """A partner's own funnel per month and per link over `months` (never another partner's)."""
    store = RollupStore(ctx.table)
    report = _monthly(store.months(PARTNER, partner_id, months[0], months[-1]), months)
    codes = [link.code for link in ctx.links.list_for_partner(partner_id)]
    per_link = _by_scope(store.many(LINK, codes, months)) if codes else {}
    report["links"] = [{"code": code, **figures_of(per_link.get(code, [])).as_json()} for code in codes]
    return report


@dataclass(frozen=True)
class Dashboard:
    """The portal's figures: this month, all time, and the last 12 months (oldest first)."""

    this_month: Figures
    all_time: Figures
    months: list[tuple[str, Figures]]


def partner_dashboard(ctx: AppContext, partner_id: str) -> Dashboard:
    """A partner's dashboard figures in one Query: its last 12 months and its all-time rollup (`MONTH#ALL`
    sorts after every `MONTH#YYYY-MM`)."""
    current = this_month(ctx)
    months = months_between(shift_month(current, -11), current)
    items = RollupStore(ctx.table).months(PARTNER, partner_id, months[0], ALL_TIME)
    by_month = {str(i.get("month")): i for i in items}
    series = [(m, figures_of([by_month[m]] if m in by_month else [])) for m in months]
    all_time = by_month.get(ALL_TIME)
    return Dashboard(this_month=series[-1][1], all_time=figures_of([all_time] if all_time else []), months=series)


# ---------------------------------------------------------------- recognition
DEFAULT_SETTINGS: dict[str, Any] = {"metric": "revenue", "currency": "USD", "partners_see_names": False}


def recognition_settings(ctx: AppContext) -> dict[str, Any]:
    """The program's leaderboard settings: metric, ranking currency (revenue), whether partners see names."""
    item = RollupStore(ctx.table).get(keys.report_settings(ctx.program_id)) or {}
    return {name: item.get(name, default) for name, default in DEFAULT_SETTINGS.items()}


def save_recognition_settings(ctx: AppContext, metric: str, currency: str, partners_see_names: bool) -> dict[str, Any]:
    """Replace the program's leaderboard settings."""
    if metric not in LEADERBOARD_METRICS:
        raise BadRequest(f"metric is one of {', '.join(LEADERBOARD_METRICS)}", code="invalid_metric")
    settings = {"metric": metric, "currency": currency.upper(), "partners_see_names": partners_see_names}
    RollupStore(ctx.table).put({**keys.report_settings(ctx.program_id), "type": "report_settings", **settings})
    return settings


SNAPSHOT_TOP = 100
"""Partners a leaderboard snapshot keeps with names (the board shows at most 100)."""
STALE_SECONDS = 60
BUSY_MONTH = 1000
"""Partners ranked in a month above which a stale snapshot is still served for up to STALE_SECONDS: its recompute
reads every partner active in the month (about one request per 4,000), so a busy month recomputes once a minute."""


def ranking_keys(ctx: AppContext, month: str, partner_id: str | None = None) -> dict[str, dict[str, str]]:
    """The keys a ranking read needs, for one BatchGetItem: the settings, the month's snapshot and program rollup
    (its version says whether the snapshot is current) and, for a partner, its own month."""
    wanted = {
        "settings": keys.report_settings(ctx.program_id),
        "snapshot": keys.leaderboard_snapshot(ctx.program_id, month),
        "program_month": keys.rollup(PROGRAM, ctx.program_id, month),
    }
    if partner_id:
        wanted["own_month"] = keys.rollup(PARTNER, partner_id, month)
    return wanted


def _read(ctx: AppContext, wanted: Mapping[str, Mapping[str, str]]) -> dict[str, Item]:
    found = {(i["pk"], i["sk"]): i for i in RollupStore(ctx.table).items(list(wanted.values()))}
    return {name: found[(k["pk"], k["sk"])] for name, k in wanted.items() if (k["pk"], k["sk"]) in found}


def _settings_of(item: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: (item or {}).get(name, default) for name, default in DEFAULT_SETTINGS.items()}


def _snapshot(ctx: AppContext, month: str, found: Mapping[str, Item]) -> tuple[dict[str, Any], Mapping[str, Any]]:
    """The settings and the month's ranking snapshot: the stored one while current (its program version is the
    program month's, the metric and currency unchanged), else computed again from the month's partners."""
    settings = _settings_of(found.get("settings"))
    version = int((found.get("program_month") or {}).get(VERSION, 0))
    stored = found.get("snapshot")
    if stored is not None and _current(ctx, stored, settings, version):
        return settings, stored
    return settings, _compute_snapshot(ctx, month, settings, version)


def _current(ctx: AppContext, snapshot: Mapping[str, Any], settings: Mapping[str, Any], version: int) -> bool:
    if (snapshot.get("metric"), snapshot.get("currency")) != (settings["metric"], settings["currency"]):
        return False
    if int(snapshot.get(VERSION, -1)) == version:
        return True
    age = epoch_seconds(ctx.clock.now()) - int(snapshot.get("computed_epoch", 0))
    return int(snapshot.get("ranked", 0)) > BUSY_MONTH and age < STALE_SECONDS


def _compute_snapshot(ctx: AppContext, month: str, settings: Mapping[str, Any], version: int) -> dict[str, Any]:
    """Rank the month's active partners (one Query of the leaderboard index), name the top 100 (one
    BatchGetItem) and store the result for the next reads."""
    store = RollupStore(ctx.table)
    metric, currency = settings["metric"], settings["currency"]
    items = store.partners_of_month(ctx.program_id, month)
    ranking = rank({str(i["scope_id"]): leaderboard_score(figures_of([i]), metric, currency) for i in items})
    names = _names(ctx, [p for _, p, _ in ranking[:SNAPSHOT_TOP]])
    packed, floor = pack_scores(ranking)
    top = [
        {"rank": r, "partner_id": p, "score": s, **({"name": names[p]} if names.get(p) else {})}
        for r, p, s in ranking[:SNAPSHOT_TOP]
    ]
    snapshot = {
        **keys.leaderboard_snapshot(ctx.program_id, month), "type": "leaderboard_snapshot", "month": month,
        "metric": metric, "currency": currency, VERSION: version, "computed_epoch": epoch_seconds(ctx.clock.now()),
        "ranked": len(ranking), "top": top, "scores": packed, "floor": floor,
    }  # fmt: skip
    store.put_snapshot(snapshot)
    return snapshot


def leaderboard(ctx: AppContext, month: str, *, limit: int = 10) -> dict[str, Any]:
    """The month's ranking on the program's metric: the top `limit` (at most 100) partners with names and
    scores. One BatchGetItem while the month's snapshot is current."""
    settings, snapshot = _snapshot(ctx, month, _read(ctx, ranking_keys(ctx, month)))
    rows = [
        {"rank": int(t["rank"]), "partner_id": t["partner_id"], "name": t.get("name"), "score": int(t["score"])}
        for t in list(snapshot.get("top") or [])[:limit]
    ]
    return {"month": month, **settings, "items": rows, "ranked": int(snapshot.get("ranked", 0))}


def _names(ctx: AppContext, partner_ids: list[str]) -> dict[str, Any]:
    """The names of ranked partners: one BatchGetItem per 100 (never one GetItem each)."""
    profiles = RollupStore(ctx.table).items([keys.partner(p) for p in partner_ids]) if partner_ids else []
    return {str(p["partner_id"]): p.get("name") for p in profiles}


def partner_rank(ctx: AppContext, partner_id: str, month: str) -> dict[str, Any]:
    """What a partner sees of the month's leaderboard: its own rank, and names only if the program shows them.
    One BatchGetItem while the month's snapshot is current."""
    return rank_view_of(ctx, partner_id, month, _read(ctx, ranking_keys(ctx, month, partner_id)))


def rank_view_of(ctx: AppContext, partner_id: str, month: str, found: Mapping[str, Item]) -> dict[str, Any]:
    """A partner's rank from the items of `ranking_keys(ctx, month, partner_id)` (its score from its own month,
    its place from the snapshot's packed scores; the top ten's names only if the program shows them)."""
    settings, snapshot = _snapshot(ctx, month, found)
    own = found.get("own_month")
    score = leaderboard_score(figures_of([own] if own else []), settings["metric"], settings["currency"])
    view: dict[str, Any] = {
        "month": month, "metric": settings["metric"], "currency": settings["currency"],
        "ranked": int(snapshot.get("ranked", 0)),
        "rank": rank_of(str(snapshot.get("scores", "")), int(snapshot.get("floor", 0)), score), "score": score,
    }  # fmt: skip
    if settings["partners_see_names"]:
        top = list(snapshot.get("top") or [])[:10]
        view["items"] = [{"rank": int(t["rank"]), "name": t.get("name"), "score": int(t["score"])} for t in top]
    return view


POTM_FIELDS = ("month", "partner_id", "name", "note", "chosen_at", "reward")


def reward_fact_id(month: str) -> str:
    """The adjustment id of a partner of the month's reward (`adj_...`, one per partner and month): choosing
    the same partner again finds it and pays nothing twice."""
    return f"adj_potm{month.replace('-', '')}"


def choose_partner_of_month(
    ctx: AppContext,
    month: str,
    partner_id: str,
    note: str | None,
    *,
    reward: Money | None = None,
    reward_description: str | None = None,
    actor: str = LOCAL_ADMIN,
) -> dict[str, Any]:
    """Staff's partner of the month (replaces an earlier choice for that month). An optional reward (an amount,
    or 0 with a description: a non-cash reward) becomes one ledger adjustment through the commissions service,
    idempotent per partner and month, so it is on the partner's next statement once and only once. Choosing
    another partner for the month voids the earlier partner's reward unless it is paid already (then it stays:
    paid money is not taken back). A partner whose reward for the month was voided that way gets no new one
    here (409 `reward_voided`, nothing changed): staff add an adjustment on the partner's page."""
    if not valid_month(month):
        raise BadRequest("the month is written YYYY-MM", code="invalid_month")
    partner = ctx.partners.find(partner_id)
    if partner is None:
        raise NotFound(f"no partner {partner_id}", code="partner_not_found")
    store = RollupStore(ctx.table)
    earlier = store.get(keys.partner_of_month(ctx.program_id, month))
    kept = earlier.get("reward") if earlier and earlier.get("partner_id") == partner_id else None
    if reward is not None:
        entry = adjustments.create_adjustment(
            ctx, partner_id, reward, f"Partner of the month {month}", description=reward_description,
            created_by=actor, fact_id=reward_fact_id(month),
        )  # fmt: skip
        if entry["status"] == CommissionStatus.VOIDED.value:
            raise Conflict(
                f"{partner.name}'s reward for {month} was voided when another partner was chosen; "
                "add an adjustment on the partner's page instead",
                code="reward_voided",
            )
        kept = {"commission_id": entry["commission_id"], "amount": entry["amount"]}
        if entry.get("description"):
            kept["description"] = entry["description"]
    if earlier and earlier.get("partner_id") != partner_id:
        _withdraw_reward(ctx, month, earlier)
    choice = {
        "month": month,
        "partner_id": partner_id,
        "name": partner.name,
        "note": note,
        "chosen_at": to_iso(ctx.clock.now()),
        "reward": kept,
    }
    store.put({**keys.partner_of_month(ctx.program_id, month), "type": "partner_of_month", **choice})
    return {k: v for k, v in choice.items() if v is not None}


def _withdraw_reward(ctx: AppContext, month: str, earlier: Mapping[str, Any]) -> None:
    """Void the reward of the month's earlier partner, who is no longer its partner of the month; a reward
    paid already stays (logged)."""
    commission_id = (earlier.get("reward") or {}).get("commission_id")
    if not commission_id:
        return
    reason = f"Partner of the month {month}: another partner was chosen"
    try:
        commissions.void(ctx, str(earlier["partner_id"]), str(commission_id), reason)
    except Conflict as refused:
        if refused.code != "commission_paid":
            raise
        logger.warning("earlier partner of the month's reward already paid: kept", extra={"month": month})


def partner_of_month(ctx: AppContext, month: str) -> dict[str, Any] | None:
    """The partner of a month, if staff chose one (with its reward, when one was given)."""
    item = RollupStore(ctx.table).get(keys.partner_of_month(ctx.program_id, month))
    return {k: item[k] for k in POTM_FIELDS if item.get(k) is not None} if item else None


def latest_partner_of_month(ctx: AppContext) -> dict[str, Any] | None:
    """This month's partner of the month, else last month's (what the portal spotlights)."""
    current = this_month(ctx)
    return partner_of_month(ctx, current) or partner_of_month(ctx, shift_month(current, -1))


# ---------------------------------------------------------------- partner health
def partner_health(
    ctx: AppContext, *, inactive_days: int = 30, limit: int = 50, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of partners (listing order) that need attention, each with its reasons."""
    current = this_month(ctx)
    today = ctx.clock.now().date().isoformat()
    window = months_between(shift_month(current, -(inactive_days // 28 + 1)), current)
    months = sorted({*window, shift_month(current, -1), shift_month(current, -2)})
    page_size = max(1, min(limit, KEYS_PER_PAGE // len(months)))
    partners, next_cursor = ctx.partners.list_page(ctx.program_id, limit=page_size, cursor=cursor)
    # The content slice (agreements) only for this staff view: the partner API's reports do not load it.
    from shared.content import service as content  # noqa: PLC0415

    # The page's rollups and the agreements in force for its partners' groups, in the same BatchGetItem(s).
    wanted = [keys.rollup(PARTNER, p.partner_id, m) for p in partners for m in months]
    found = RollupStore(ctx.table).items(wanted + content.agreement_keys(ctx, {p.group_id for p in partners}))
    rollups = _by_scope([i for i in found if i.get("type") == "rollup"])
    in_force = content.agreements_of(found)
    rows = []
    for partner in partners:
        if partner.status.value != "active":
            continue
        items = rollups.get(partner.partner_id, [])
        by_month = {str(i.get("month")): i for i in items}
        reasons = []
        if inactive(figures_of(items).active_days, today, inactive_days):
            reasons.append({"code": "inactive", "message": f"no clicks or leads in {inactive_days} days"})
        previous, before = (
            figures_of([by_month[m]] if m in by_month else [])
            for m in (shift_month(current, -1), shift_month(current, -2))
        )
        if falling(previous, before):
            reasons.append({"code": "falling_funnel", "message": "clicks or leads fell by more than half last month"})
        if not in_force.current(partner.group_id, partner.agreement_version):
            reasons.append({"code": "agreement_not_accepted", "message": "has not accepted the agreement in force"})
        if not partner.payout_method.can_receive:
            reasons.append({"code": "no_payout_method", "message": "has no payout method"})
        if reasons:
            rows.append({"partner_id": partner.partner_id, "name": partner.name, "reasons": reasons})
    return rows, next_cursor


# ---------------------------------------------------------------- the portal's reads by key (issue 13)
# The portal reads a page's items together with the signed-in partner in one BatchGetItem: these name the
# keys it needs and read the items back, so a portal page stays within four DynamoDB requests.
def dashboard_keys(ctx: AppContext, partner_id: str) -> dict[str, dict[str, str]]:
    """The keys of a partner's dashboard rollups by month: its last 12 months and all time (ALL_TIME)."""
    current = this_month(ctx)
    months = [*months_between(shift_month(current, -11), current), ALL_TIME]
    return {month: keys.rollup(PARTNER, partner_id, month) for month in months}


def dashboard_of(ctx: AppContext, found: Mapping[str, Item]) -> Dashboard:
    """The dashboard from the items of `dashboard_keys` that exist (by month; absent months are zeros)."""
    current = this_month(ctx)
    months = months_between(shift_month(current, -11), current)
    series = [(m, figures_of([found[m]] if m in found else [])) for m in months]
    all_time = found.get(ALL_TIME)
    return Dashboard(this_month=series[-1][1], all_time=figures_of([all_time] if all_time else []), months=series)


def link_months(ctx: AppContext, code: str, *, shown: int = 12) -> tuple[list[tuple[str, Figures]], Figures]:
    """A link's last `shown` months (oldest first, zeros included) and its figures since it was created,
    from its monthly rollups: one Query."""
    current = this_month(ctx)
    items = RollupStore(ctx.table).months(LINK, code, "0001-01", current)
    by_month = {str(i.get("month")): i for i in items}
    months = months_between(shift_month(current, -(shown - 1)), current)
    return [(m, figures_of([by_month[m]] if m in by_month else [])) for m in months], figures_of(items)


def partner_page_keys(ctx: AppContext, partner_id: str, months: list[str]) -> dict[str, dict[str, str]]:
    """The keys of what a partner's report page reads by key: its months, this month's ranking keys
    (`ranking_keys`: settings, snapshot, program month, its own month) and this month's and last month's
    partner of the month."""
    current = this_month(ctx)
    wanted = {f"month:{m}": keys.rollup(PARTNER, partner_id, m) for m in months}
    ranking = ranking_keys(ctx, current, None if current in months else partner_id)
    wanted.update({f"rank:{name}": key for name, key in ranking.items()})
    wanted["spotlight"] = keys.partner_of_month(ctx.program_id, current)
    wanted["spotlight_before"] = keys.partner_of_month(ctx.program_id, shift_month(current, -1))
    return wanted


def partner_page_of(ctx: AppContext, partner_id: str, months: list[str], found: Mapping[str, Item]) -> dict[str, Any]:
    """A partner's report page from the items of `partner_page_keys`: the funnel per month and its totals, the
    partner's rank (`partner_rank`'s fields, from the month's snapshot: no further request while it is current)
    and the latest partner of the month."""
    report = _monthly([found[f"month:{m}"] for m in months if f"month:{m}" in found], months)
    current = this_month(ctx)
    ranking = {name[len("rank:") :]: item for name, item in found.items() if name.startswith("rank:")}
    if f"month:{current}" in found:
        ranking["own_month"] = found[f"month:{current}"]
    view = rank_view_of(ctx, partner_id, current, ranking)
    fields = ("month", "partner_id", "name", "note", "chosen_at")
    chosen = found.get("spotlight") or found.get("spotlight_before")
    spotlight = {k: chosen[k] for k in fields if k in chosen} if chosen else None
    return {**report, "rank": view, "spotlight": spotlight}


def links_this_month(ctx: AppContext, codes: list[str]) -> dict[str, Figures]:
    """Each link's figures this month (zeros for a link without activity): one BatchGetItem per 100 links."""
    month = this_month(ctx)
    found = _by_scope(RollupStore(ctx.table).many(LINK, codes, [month])) if codes else {}
    return {code: figures_of(found.get(code, [])) for code in codes}
