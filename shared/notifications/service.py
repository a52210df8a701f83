"""Partner emails: one per qualifying event (at most once per event id: a conditional sent-marker), and the
monthly summary (at most once per partner and month), in the partner's language, through shared.core.mail.

A marker is written before the email is sent and removed if sending fails (the redelivery sends it); a crash
between the two loses that one email rather than sending it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from shared.context import AppContext
from shared.core.mail import Email, send
from shared.notifications.rules import (
    ATTENTION_REASONS,
    KIND_LABELS,
    SUPPRESSIBLE,
    Kind,
    kind_of,
    may_send,
    summary_key,
)
from shared.notifications.store import NotificationStore
from shared.partners.models import Partner, PartnerStatus
from shared.portal import labels
from shared.web.i18n import N_, supported, translator
from shared.web.render import render, render_text

DEFAULT_BASE_URL = "http://127.0.0.1:3000"

SUBJECTS = {
    Kind.APPLICATION: N_("We received your application to the partner program"),
    Kind.LEADS: N_("Your lead is now %(status)s"),
    Kind.COMMISSIONS: N_("You earned a commission of %(amount)s"),
    Kind.PAYOUTS: N_("We sent you a payout of %(amount)s"),
    Kind.SUMMARY: N_("Your partner summary for %(month)s"),
}


def _store(ctx: AppContext) -> NotificationStore:
    return NotificationStore(ctx.table)


def base_url(ctx: AppContext) -> str:
    """The absolute base of the links in emails (PUBLIC_BASE_URL)."""
    return (ctx.settings.public_base_url or DEFAULT_BASE_URL).rstrip("/")


def locale_of(partner: Partner, event: Mapping[str, Any] | None = None) -> str:
    """The partner's language (its setting, else the language it applied in), else English."""
    applied_in = ((event or {}).get("data") or {}).get("language")
    return supported(partner.language) or supported(applied_in) or "en"


def unsubscribed(ctx: AppContext, partner_id: str) -> frozenset[str]:
    """The kinds of email a partner turned off."""
    return _store(ctx).unsubscribed(partner_id)


def save_subscriptions(ctx: AppContext, partner_id: str, subscribed: set[str]) -> frozenset[str]:
    """Keep the kinds a partner wants (any other suppressible kind is turned off); returns the turned-off ones."""
    off = frozenset(k.value for k in SUPPRESSIBLE if k.value not in subscribed)
    _store(ctx).save_unsubscribed(partner_id, off, ctx.clock.now())
    return off


def notify(ctx: AppContext, event: Mapping[str, Any]) -> str:
    """Email the partner of one event body (`id`, `type`, `partner_id`, `data`) if it earns one: "sent",
    "duplicate" (a redelivery), "unsubscribed", "ignored" (no email for it) or "no_partner"."""
    kind = kind_of(event)
    if kind is None:
        return "ignored"
    partner = ctx.partners.find(str(event["partner_id"]))
    if partner is None or partner.program_id != ctx.program_id:
        return "no_partner"
    if kind is not Kind.APPLICATION and partner.status is not PartnerStatus.ACTIVE:
        return "ignored"  # a paused or terminated partner hears nothing of its old leads or entries
    if not may_send(kind, unsubscribed(ctx, partner.partner_id)):
        return "unsubscribed"
    message = compose(ctx, kind, partner, event)
    return _send_once(ctx, str(event["id"]), kind, partner, message)


def _send_once(ctx: AppContext, dedupe_id: str, kind: Kind, partner: Partner, message: Email) -> str:
    store = _store(ctx)
    if not store.claim(dedupe_id, kind.value, partner.partner_id, ctx.clock.now()):
        return "duplicate"
    try:
        send(message)
    except Exception:
        store.release(dedupe_id, kind.value)  # the redelivery (or the summary's re-run) sends it
        raise
    return "sent"


def compose(ctx: AppContext, kind: Kind, partner: Partner, event: Mapping[str, Any]) -> Email:
    """The email of a kind for a partner, from the event's data, in the partner's language."""
    locale = locale_of(partner, event)
    tr = translator(locale)
    data = dict(event.get("data") or {})
    amount = data.get("amount") or {}
    money = tr.money(int(amount["amount"]), str(amount["currency"])) if amount else ""
    subject_values = {
        "status": labels.status(tr, data.get("status")).lower(),
        "amount": money,
        "month": data.get("month_name", ""),
    }
    context = {
        "partner": partner,
        "data": data,
        "money": money,
        "period_name": month_name(tr, str(data.get("period") or "")),
        "labels": labels,
        "portal": f"{base_url(ctx)}/portal",
        "unsubscribe": unsubscribe_url(ctx, kind) if kind in SUPPRESSIBLE else None,
        "kind_label": tr.gettext(KIND_LABELS[kind]) if kind in KIND_LABELS else "",
    }
    template = f"notifications/email/{kind.value}"
    return Email(
        to=partner.email,
        subject=tr.gettext(SUBJECTS[kind]) % subject_values,
        text=render_text(f"{template}.txt", locale, **context),
        html=render(f"{template}.html", locale, **context),
    )


def month_name(tr: Any, period: str) -> str:
    """A `YYYY-MM` month as the partner's language writes it ("October 2026", "outubro de 2026"); anything
    else as it is."""
    year, _, number = period.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return period
    return str(tr.month(date(int(year), int(number), 1)))


def unsubscribe_url(ctx: AppContext, kind: Kind) -> str:
    """The portal's notification settings, opened on the kind to turn off."""
    return f"{base_url(ctx)}/portal/notifications?{urlencode({'unsubscribe': kind.value})}"


# ---------------------------------------------------------------- the monthly summary
@dataclass
class SummaryRun:
    """What a monthly summary run did."""

    month: str
    sent: int = 0
    duplicate: int = 0
    unsubscribed: int = 0
    needs_attention: int = 0
    partners: list[str] = field(default_factory=list)


PARTNERS_PER_PAGE = 100


def previous_month(ctx: AppContext) -> str:
    """The month (YYYY-MM, UTC) before the current one: what a summary on the 1st reports."""
    now = ctx.clock.now()
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def send_monthly_summaries(ctx: AppContext, month: str | None = None) -> SummaryRun:
    """Email every active partner its figures of `month` (default: last month), with a 'needs attention'
    paragraph for the partners the reports' health list flags. Re-running sends nobody a second one."""
    from shared.reports import service as reports  # noqa: PLC0415 - only the monthly run reads the reports

    run = SummaryRun(month or previous_month(ctx))
    flagged = _flagged(ctx, reports)
    cursor: str | None = None
    while True:
        partners, cursor = ctx.partners.list_page(ctx.program_id, limit=PARTNERS_PER_PAGE, cursor=cursor)
        for partner in partners:
            if partner.status is PartnerStatus.ACTIVE:
                _summarize(ctx, reports, run, partner, flagged.get(partner.partner_id, []))
        if not cursor:
            return run


def _flagged(ctx: AppContext, reports: Any) -> dict[str, list[str]]:
    """Partner id -> reason codes of the reports' 'needs attention' list (every page of it)."""
    flagged: dict[str, list[str]] = {}
    cursor: str | None = None
    while True:
        rows, cursor = reports.partner_health(ctx, cursor=cursor)
        for row in rows:
            flagged[row["partner_id"]] = [r["code"] for r in row["reasons"] if r["code"] in ATTENTION_REASONS]
        if not cursor:
            return flagged


def _summarize(ctx: AppContext, reports: Any, run: SummaryRun, partner: Partner, reasons: list[str]) -> None:
    if not may_send(Kind.SUMMARY, unsubscribed(ctx, partner.partner_id)):
        run.unsubscribed += 1
        return
    figures = reports.partner_report(ctx, partner.partner_id, [run.month])["totals"]
    locale = locale_of(partner)
    tr = translator(locale)
    commission = figures.get("commission") or {}
    data = {
        "month": run.month,
        "month_name": month_name(tr, run.month),
        "clicks": int(figures.get("clicks", 0)),
        "leads": int(figures.get("leads", 0)),
        "qualified_leads": int(figures.get("qualified_leads", 0)),
        "customers": int(figures.get("customers", 0)),
        "earned": [tr.money(int(a), c) for c, a in sorted(commission.items()) if a],
        "attention": [tr.gettext(ATTENTION_REASONS[code]) for code in reasons],
    }
    event = {"id": summary_key(run.month, partner.partner_id), "partner_id": partner.partner_id, "data": data}
    outcome = _send_once(ctx, str(event["id"]), Kind.SUMMARY, partner, compose(ctx, Kind.SUMMARY, partner, event))
    if outcome == "sent":
        run.sent += 1
        run.partners.append(partner.partner_id)
        run.needs_attention += bool(reasons)
    else:
        run.duplicate += 1
