"""The staff console's pages (/console) and the public application form (/apply).

Sign-in is the portal's mechanism (`shared.web.sessions` with the CONSOLE area): an emailed one-time link, a
confirming POST, a signed revocable session. Who may be signed in is checked on every request: an email of
STAFF_EMAILS; removing an email from the list ends its sessions at their next request. Every action calls the
owning slice's service (the same ones the admin JSON API calls) and records who did it in the audit trail.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from babel.numbers import get_currency_precision
from pydantic import ValidationError

from shared.audit import service as audit
from shared.commissions import adjustments
from shared.commissions import service as commissions
from shared.commissions.models import CommissionStatus
from shared.content import service as content
from shared.content.models import Resource, ResourceKind
from shared.context import AppContext, get_context
from shared.core import rate_limit
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.mail import Email, send
from shared.core.money import Money, normalize_currency
from shared.groups import service as groups
from shared.groups.models import PartnerGroup
from shared.identity import service as identity
from shared.identity.models import Audience, WebSession
from shared.identity.rules import SIGN_IN_LINK_LIFETIME
from shared.leads import lifecycle as lead_lifecycle
from shared.leads.form_http import HONEYPOT_FIELD, is_honeypot_filled
from shared.leads.models import LEAD_TRANSITIONS, LeadStatus
from shared.links import service as links
from shared.onboarding import service as onboarding
from shared.partners import service as partners
from shared.partners.models import PARTNER_TRANSITIONS, Partner, PartnerStatus, PayoutMethod, PayoutMethodKind
from shared.payouts import release as payout_release
from shared.payouts import rules as payout_rules
from shared.payouts import run as payout_run
from shared.payouts.trigger import start_payout_run
from shared.programs import service as programs
from shared.programs.models import AttributionPolicy
from shared.web import sessions, sign_in
from shared.web.i18n import supported, translator
from shared.web.pages import WebRequest, download, page, redirect, web_request
from shared.web.render import render, render_text

router = Router()

APPLY_HONEYPOT = "nickname"
"""The /apply form's hidden field a person never fills (`website` is a real question there)."""

PARTNERS_PER_PAGE = 100
_PERIOD = re.compile(payout_rules.PERIOD_PATTERN)

NAV: list[tuple[str, str]] = [
    ("/console", "home"),
    ("/console/applications", "applications"),
    ("/console/partners", "partners"),
    ("/console/leads", "leads"),
    ("/console/review", "review"),
    ("/console/commissions", "commissions"),
    ("/console/invite", "invite"),
    ("/console/groups", "groups"),
    ("/console/agreement", "agreement"),
    ("/console/resources", "resources"),
    ("/console/payouts", "payouts"),
    ("/console/settings", "settings"),
    ("/console/reports", "reports"),
    ("/console/webhooks", "webhooks"),
    ("/console/audit", "audit"),
]
"""The console's navigation: (path, key). A new page adds its entry here and its name in console/layout.html."""


# ---------------------------------------------------------------- staff sessions
def staff_signed_in(request: WebRequest, ctx: AppContext) -> str:
    """The staff email of this browser's console session, else SignInRequired. An email no longer in
    STAFF_EMAILS ends the session for good."""
    session: WebSession = sessions.current_session(request, ctx, sessions.CONSOLE)
    if not _is_staff(request, session.principal_id):
        raise sessions.end_and_refuse(request, ctx, sessions.CONSOLE)
    return session.principal_id


def _is_staff(request: WebRequest, email: str) -> bool:
    return partners.normalize_email(email) in request.config.staff_emails


def staff_request() -> tuple[WebRequest, AppContext, str]:
    """This request, the context and the signed-in staff email (anyone else is sent to the console's sign-in)."""
    request = web_request(router)
    ctx = get_context()
    return request, ctx, staff_signed_in(request, ctx)


def staff_form() -> tuple[WebRequest, AppContext, str, dict[str, str]]:
    """`staff_request` for a form's POST, with its fields once its CSRF token checks (after the sign-in)."""
    request, ctx, staff = staff_request()
    return request, ctx, staff, request.require_csrf()


def console_page(request: WebRequest, staff: str, template: str, section: str, **context: Any) -> Response:
    """A page of the signed-in console: the layout's navigation and the staff member's email."""
    return page(request, template, staff=staff, nav=NAV, section=section, **context)


# ---------------------------------------------------------------- sign-in
@router.get("/console/sign-in")
def sign_in_form() -> Response:
    return sign_in.form_page(web_request(router), "console")


@router.post("/console/sign-in")
def request_sign_in_link() -> Response:
    request = web_request(router)
    form = request.require_csrf()
    email = sign_in.requested_email(form)
    if email is None:
        error = translator(request.locale).gettext("Enter your staff email address.")
        return sign_in.form_page(request, "console", email=form.get("email", "").strip(), error=error, status=422)
    ctx = get_context()
    sign_in.enforce_limits(request, ctx, email)
    if _is_staff(request, email):
        issued = identity.issue_link(ctx, Audience.CONSOLE, email, email)
        subject = translator(request.locale).gettext("Your sign-in link to the staff console")
        sign_in.send_link(
            request,
            to=email,
            locale=request.locale,
            subject=subject,
            area="console",
            confirm_path="/console/sign-in/confirm",
            token=issued.token,
        )
    # The same answer for every email: nobody can probe who is staff.
    return page(request, "console/check_email.html", email=email)


@router.get("/console/sign-in/confirm")
def confirm_sign_in_form() -> Response:
    return sign_in.confirm_page(web_request(router), Audience.CONSOLE, "console")


@router.post("/console/sign-in/confirm")
def confirm_sign_in() -> Response:
    request = web_request(router)
    form = request.require_csrf()
    ctx = get_context()
    link = identity.consume_link(ctx, form.get("token"), Audience.CONSOLE)
    if link is None or not _is_staff(request, link.principal_id):
        return sign_in.refused_page(request, "console")
    sessions.open_session(request, ctx, sessions.CONSOLE, link)
    return redirect(request, "/console")


@router.post("/console/sign-out")
def sign_out() -> Response:
    request, ctx, _ = staff_request()
    request.require_csrf()
    sessions.sign_out(request, ctx, sessions.CONSOLE)
    return redirect(request, "/console/sign-in?signed_out=1")


# ---------------------------------------------------------------- home and audit
@router.get("/console")
def home() -> Response:
    request, ctx, staff = staff_request()
    return console_page(
        request,
        staff,
        "console/home.html",
        "home",
        pending=onboarding.pending(ctx),
        trail=audit.program_trail(ctx, limit=10),
    )


@router.get("/console/audit")
def audit_page() -> Response:
    request, ctx, staff = staff_request()
    return console_page(request, staff, "console/audit.html", "audit", trail=audit.program_trail(ctx))


# ---------------------------------------------------------------- applications
@router.get("/console/applications")
def applications() -> Response:
    request, ctx, staff = staff_request()
    return console_page(
        request,
        staff,
        "console/applications.html",
        "applications",
        pending=onboarding.pending(ctx),
        decided=request.query.get("decided"),
    )


def _application_page(request: WebRequest, ctx: AppContext, staff: str, partner_id: str, **extra: Any) -> Response:
    partner = ctx.partners.get(partner_id)
    application = onboarding.application_of(ctx, partner_id)
    if application is None:
        raise BadRequest("this partner did not apply", code="application_not_found")
    context: dict[str, Any] = {"error": None, "form": {}, **extra}
    return console_page(
        request,
        staff,
        "console/application.html",
        "applications",
        status=context.pop("status", 200),
        partner=partner,
        application=application,
        plans=ctx.programs.list_plans(ctx.program_id),
        groups=groups.all_groups(ctx),
        **context,
    )


@router.get("/console/applications/<partner_id>")
def application_detail(partner_id: str) -> Response:
    request, ctx, staff = staff_request()
    return _application_page(request, ctx, staff, partner_id)


@router.post("/console/applications/<partner_id>/approve")
def approve_application(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    group_id = form.get("group_id") or None
    if group_id:
        groups.require(ctx, group_id)  # an unknown group stops here, before any write
    try:
        onboarded = onboarding.approve(
            ctx,
            partner_id,
            actor=staff,
            plan_id=form.get("plan_id") or None,
            link_code=form.get("link_code", "").strip() or None,
        )
    except ValidationError:
        error = translator(request.locale).gettext("Link codes use 3 to 64 letters, digits, dashes or underscores.")
        return _application_page(request, ctx, staff, partner_id, error=error, form=form, status=422)
    if group_id:
        groups.move_partner(ctx, partner_id, group_id, actor=staff)
    _send_welcome(request, ctx, onboarded.partner, onboarded.link.code)
    return redirect(request, "/console/applications?decided=approved")


@router.post("/console/applications/<partner_id>/reject")
def reject_application(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    reason = form.get("reason", "").strip()
    if not reason:
        error = translator(request.locale).gettext("Write the reason the applicant will read.")
        return _application_page(request, ctx, staff, partner_id, error=error, form=form, status=422)
    partner = onboarding.reject(ctx, partner_id, actor=staff, reason=reason)
    locale = supported(partner.language) or request.locale
    context = {"partner": partner, "reason": reason}
    send(
        Email(
            to=partner.email,
            subject=translator(locale).gettext("Your application to the partner program"),
            text=render_text("console/email/rejected.txt", locale, **context),
            html=render("console/email/rejected.html", locale, **context),
        )
    )
    return redirect(request, "/console/applications?decided=rejected")


def _send_welcome(request: WebRequest, ctx: AppContext, partner: Partner, link_code: str) -> None:
    """The welcome email: a sign-in link to the portal (valid 15 minutes; the sign-in page issues new ones)."""
    issued = identity.issue_link(ctx, Audience.PORTAL, partner.partner_id, partner.email)
    locale = supported(partner.language) or request.locale
    context = {
        "partner": partner,
        "link": request.url("/portal/sign-in/confirm", token=issued.token),
        "sign_in_page": request.url("/portal/sign-in"),
        "share_url": request.url(f"/r/{link_code}"),
        "minutes": int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60),
    }
    send(
        Email(
            to=partner.email,
            subject=translator(locale).gettext("Welcome to the partner program"),
            text=render_text("console/email/welcome.txt", locale, **context),
            html=render("console/email/welcome.html", locale, **context),
        )
    )


# ---------------------------------------------------------------- invitations
@router.get("/console/invite")
def invite_form() -> Response:
    request, ctx, staff = staff_request()
    return console_page(
        request,
        staff,
        "console/invite.html",
        "invite",
        plans=ctx.programs.list_plans(ctx.program_id),
        form={},
        error=None,
    )


@router.post("/console/invite")
def invite() -> Response:
    request, ctx, staff, form = staff_form()
    try:
        data = onboarding.InvitationInput(
            name=form.get("name", ""),
            email=form.get("email", ""),
            company=form.get("company") or None,
            plan_id=form.get("plan_id") or None,
        )
    except ValidationError:
        error = translator(request.locale).gettext("Give the partner's name and a valid email address.")
        return console_page(
            request,
            staff,
            "console/invite.html",
            "invite",
            status=422,
            plans=ctx.programs.list_plans(ctx.program_id),
            form=form,
            error=error,
        )
    onboarded = onboarding.invite(ctx, data, actor=staff)
    _send_welcome(request, ctx, onboarded.partner, onboarded.link.code)
    return redirect(request, f"/console/partners/{onboarded.partner.partner_id}?invited=1")


# ---------------------------------------------------------------- partners
@router.get("/console/partners")
def partner_list() -> Response:
    request, ctx, staff = staff_request()
    query = request.query.get("q", "").strip()[:200]
    status = request.query.get("status", "")
    found, next_cursor = ctx.partners.list_page(
        ctx.program_id, limit=PARTNERS_PER_PAGE, cursor=request.query.get("cursor") or None
    )
    needle = query.lower()
    rows = [
        p
        for p in found
        if (not needle or needle in f"{p.name} {p.email} {p.company or ''} {p.partner_id}".lower())
        and (not status or p.status.value == status)
    ]
    return console_page(
        request,
        staff,
        "console/partners.html",
        "partners",
        rows=rows,
        q=query,
        status_filter=status,
        statuses=[s.value for s in PartnerStatus],
        next_cursor=next_cursor,
    )


def _partner_page(request: WebRequest, ctx: AppContext, staff: str, partner_id: str, **extra: Any) -> Response:
    partner = ctx.partners.get(partner_id)
    context: dict[str, Any] = {"error": None, "notice": None, **extra}
    return console_page(
        request,
        staff,
        "console/partner.html",
        "partners",
        status=context.pop("status", 200),
        partner=partner,
        application=onboarding.application_of(ctx, partner_id),
        transitions=sorted(s.value for s in PARTNER_TRANSITIONS[partner.status]),
        plans=ctx.programs.list_plans(ctx.program_id),
        trail=audit.partner_trail(ctx, partner_id),
        links=ctx.links.list_for_partner(partner_id),
        groups=groups.all_groups(ctx),
        api_keys=ctx.partners.list_api_keys(partner_id),
        adjustments=adjustments.partner_adjustments(ctx, partner_id),
        payout_kinds=[k.value for k in PayoutMethodKind],
        currency=next(iter(ctx.programs.get(ctx.program_id).minimum_payouts), "USD"),
        share_base=request.url("/r/"),
        new_secret=context.pop("new_secret", None),
        **context,
    )


@router.get("/console/partners/<partner_id>")
def partner_detail(partner_id: str) -> Response:
    request, ctx, staff = staff_request()
    notices = (
        "invited",
        "status_changed",
        "plan_changed",
        "group_changed",
        "link_created",
        "key_revoked",
        "payout_method_changed",
        "adjustment_granted",
    )
    notice = next((key for key in notices if key in request.query), None)
    return _partner_page(request, ctx, staff, partner_id, notice=notice)


@router.post("/console/partners/<partner_id>/status")
def change_partner_status(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    reason = form.get("reason", "").strip()[:500]
    try:
        new_status = PartnerStatus(form.get("status", ""))
    except ValueError:
        new_status = None
    if new_status is None or not reason:
        error = translator(request.locale).gettext("Choose the new status and write the reason.")
        return _partner_page(request, ctx, staff, partner_id, error=error, status=422)
    before = ctx.partners.get(partner_id).status
    partners.change_status(ctx, partner_id, new_status, reason)
    audit.record(
        ctx,
        staff,
        "partner.status_changed",
        partner_id=partner_id,
        detail=f"{before.value} -> {new_status.value}: {reason}",
    )
    return redirect(request, f"/console/partners/{partner_id}?status_changed=1")


@router.post("/console/partners/<partner_id>/plan")
def change_partner_plan(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    plan_id = form.get("plan_id") or None
    partners.set_plan(ctx, partner_id, plan_id)
    audit.record(ctx, staff, "partner.plan_changed", partner_id=partner_id, detail=plan_id or "default")
    return redirect(request, f"/console/partners/{partner_id}?plan_changed=1")


@router.post("/console/partners/<partner_id>/group")
def move_partner_to_group(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    groups.move_partner(ctx, partner_id, form.get("group_id") or None, actor=staff)
    return redirect(request, f"/console/partners/{partner_id}?group_changed=1")


@router.post("/console/partners/<partner_id>/payout-method")
def change_payout_method(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    kind = form.get("kind", "")
    detail = form.get("reference", "").strip()
    try:
        if kind == PayoutMethodKind.STRIPE_CONNECT.value:
            method = PayoutMethod(kind=PayoutMethodKind.STRIPE_CONNECT, stripe_account_id=detail or None)
        else:
            method = PayoutMethod.model_validate({"kind": kind, "reference": detail or None})
    except ValidationError:
        error = translator(request.locale).gettext(
            "Choose how the partner is paid and give its account: acct_... for Stripe, an email or account otherwise."
        )
        return _partner_page(request, ctx, staff, partner_id, error=error, status=422)
    partners.set_payout_method(ctx, partner_id, method)
    audit.record(
        ctx,
        staff,
        "partner.payout_method_changed",
        partner_id=partner_id,
        detail=f"{method.kind.value} {method.stripe_account_id or method.reference or ''}".strip(),
    )
    return redirect(request, f"/console/partners/{partner_id}?payout_method_changed=1")


def minor_units(raw: str, currency: str) -> int:
    """An amount staff typed in the currency's major unit ("50", "-12.50", "12,50") as an integer of minor
    units; more decimals than the currency has, or anything else, is a ValueError (never a float)."""
    text = raw.strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d{1,12}(\.\d+)?", text):
        raise ValueError(raw)
    scaled = Decimal(text).scaleb(get_currency_precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(raw)
    return int(scaled)


@router.post("/console/partners/<partner_id>/adjustments")
def grant_adjustment(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    tr = translator(request.locale)
    reason = form.get("reason", "").strip()[:500]
    try:
        currency = normalize_currency(form.get("currency", ""))
        amount = Money.of(minor_units(form.get("amount", ""), currency), currency)
    except ValueError:
        error = tr.gettext("Write the amount in the currency's units (for example 50.00 or -12.50).")
        return _partner_page(request, ctx, staff, partner_id, error=error, status=422)
    if len(reason) < MIN_REASON:
        error = tr.gettext("Write the reason the partner will read.")
        return _partner_page(request, ctx, staff, partner_id, error=error, status=422)
    try:
        created = adjustments.create_adjustment(
            ctx, partner_id, amount, reason, description=form.get("description", "")[:500], created_by=staff
        )
    except BadRequest as refused:  # a non-cash reward (0) without its description
        error = tr.gettext("A non-cash reward (amount 0) needs a description of what was given.")
        return _partner_page(request, ctx, staff, partner_id, error=error, status=refused.status)
    audit.record(
        ctx,
        staff,
        "commission.adjustment_granted",
        partner_id=partner_id,
        detail=f"{created['commission_id']} {amount}: {reason}",
    )
    return redirect(request, f"/console/partners/{partner_id}?adjustment_granted=1")


# ---------------------------------------------------------------- leads pipeline
LEADS_PER_PAGE = 100


def _bounties(ctx: AppContext, partner_ids: set[str]) -> dict[str, Any]:
    """The lead bounty each partner's plan pays when a lead is qualified (the plan choice is
    programs.plan_for_partner's; plans read once per page)."""
    program = ctx.programs.get(ctx.program_id)
    known = {plan.plan_id: plan for plan in ctx.programs.list_plans(ctx.program_id)}
    bounties: dict[str, Any] = {}
    for partner_id in partner_ids:
        plan = programs.plan_for_partner(ctx, program, ctx.partners.find(partner_id), known)
        bounties[partner_id] = plan.lead_bounty if plan else None
    return bounties


def _leads_page(request: WebRequest, ctx: AppContext, staff: str, **extra: Any) -> Response:
    status = request.query.get("status", "")
    status_filter = status if status in {s.value for s in LeadStatus} else ""
    partner_filter = request.query.get("partner_id", "").strip()[:64]
    found, next_cursor = ctx.leads.list_page(
        ctx.program_id,
        status=status_filter or None,
        partner_id=partner_filter or None,
        limit=LEADS_PER_PAGE,
        cursor=request.query.get("cursor") or None,
    )
    context: dict[str, Any] = {"error": None, **extra}
    return console_page(
        request,
        staff,
        "console/leads.html",
        "leads",
        status=context.pop("status", 200),
        rows=found,
        next_cursor=next_cursor,
        status_filter=status_filter,
        partner_filter=partner_filter,
        statuses=[s.value for s in LeadStatus],
        transitions={lead.lead_id: sorted(t.value for t in LEAD_TRANSITIONS[lead.status]) for lead in found},
        bounties=_bounties(ctx, {lead.partner_id for lead in found if lead.partner_id}),
        moved=request.query.get("moved"),
        **context,
    )


@router.get("/console/leads")
def leads_pipeline() -> Response:
    request, ctx, staff = staff_request()
    return _leads_page(request, ctx, staff)


@router.post("/console/leads/<lead_id>/status")
def move_lead(lead_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    reason = form.get("reason", "").strip()[:500] or None
    try:
        target = LeadStatus(form.get("status", ""))
        lead = lead_lifecycle.change_status(ctx, lead_id, target, reason)
    except ValueError:
        error = translator(request.locale).gettext("Choose the new status and write the reason.")
        return _leads_page(request, ctx, staff, error=error, status=422)
    except (BadRequest, Conflict) as refused:
        return _leads_page(request, ctx, staff, error=refused.message, status=refused.status)
    audit.record(
        ctx,
        staff,
        "lead.status_changed",
        partner_id=lead.partner_id,
        detail=f"{lead_id} -> {target.value}: {reason or ''}",
    )
    return redirect(request, f"/console/leads?moved={lead_id}")


# ---------------------------------------------------------------- commissions
COMMISSIONS_PER_PAGE = 100
MIN_REASON = 3
"""The admin API's shortest reason (a void, a rejection, an adjustment): the console asks the same."""


def _commissions_page(request: WebRequest, ctx: AppContext, staff: str, **extra: Any) -> Response:
    raw_status = request.query.get("status", "")
    status_filter = raw_status if raw_status in {s.value for s in CommissionStatus} else ""
    partner_filter = request.query.get("partner_id", "").strip()[:64]
    rows, next_cursor = commissions.list_page(
        ctx,
        partner_id=partner_filter or None,
        status=CommissionStatus(status_filter) if status_filter else None,
        limit=COMMISSIONS_PER_PAGE,
        cursor=request.query.get("cursor") or None,
    )
    context: dict[str, Any] = {"error": None, **extra}
    return console_page(
        request,
        staff,
        "console/commissions.html",
        "commissions",
        status=context.pop("status", 200),
        rows=rows,
        next_cursor=next_cursor,
        status_filter=status_filter,
        partner_filter=partner_filter,
        statuses=[s.value for s in CommissionStatus],
        done=request.query.get("done"),
        **context,
    )


@router.get("/console/commissions")
def commissions_page() -> Response:
    request, ctx, staff = staff_request()
    return _commissions_page(request, ctx, staff)


@router.post("/console/commissions/<partner_id>/<commission_id>/approve")
def approve_commission(partner_id: str, commission_id: str) -> Response:
    request, ctx, staff, _ = staff_form()
    commissions.approve_early(ctx, partner_id, commission_id)
    audit.record(ctx, staff, "commission.approved", partner_id=partner_id, detail=commission_id)
    return redirect(request, "/console/commissions?done=approved")


@router.post("/console/commissions/<partner_id>/<commission_id>/void")
def void_commission(partner_id: str, commission_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    reason = form.get("reason", "").strip()[:500]
    if not reason:
        error = translator(request.locale).gettext("Write the reason for voiding it.")
        return _commissions_page(request, ctx, staff, error=error, status=422)
    commissions.void(ctx, partner_id, commission_id, reason)
    audit.record(ctx, staff, "commission.voided", partner_id=partner_id, detail=f"{commission_id}: {reason}")
    return redirect(request, "/console/commissions?done=voided")


# ---------------------------------------------------------------- review queue
def _review_page(request: WebRequest, ctx: AppContext, staff: str, **extra: Any) -> Response:
    partner_filter = request.query.get("partner_id", "").strip()[:64]
    rows, next_cursor = commissions.review_page(
        ctx, partner_id=partner_filter or None, limit=COMMISSIONS_PER_PAGE, cursor=request.query.get("cursor") or None
    )
    context: dict[str, Any] = {"error": None, **extra}
    payouts = payout_release.payouts_in_review(ctx, partner_filter or None)
    partner_ids = {row["partner_id"] for row in rows} | {str(p["partner_id"]) for p in payouts}
    found = ctx.partners.find_many(partner_ids)
    return console_page(
        request,
        staff,
        "console/review.html",
        "review",
        status=context.pop("status", 200),
        rows=rows,
        payouts=payouts,
        partner_names={pid: partner.name for pid, partner in found.items()},
        next_cursor=next_cursor,
        partner_filter=partner_filter,
        done=request.query.get("done"),
        **context,
    )


@router.get("/console/review")
def review_queue() -> Response:
    request, ctx, staff = staff_request()
    return _review_page(request, ctx, staff)


@router.post("/console/review/<partner_id>/<commission_id>/approve")
def approve_reviewed(partner_id: str, commission_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    note = form.get("reason", "").strip()[:500] or None
    commissions.decide_review(ctx, partner_id, commission_id, approve=True, reason=note)
    audit.record(
        ctx, staff, "commission.review_approved", partner_id=partner_id, detail=f"{commission_id}: {note or ''}"
    )
    return redirect(request, "/console/review?done=approved")


@router.post("/console/review/<partner_id>/<commission_id>/reject")
def reject_reviewed(partner_id: str, commission_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    reason = form.get("reason", "").strip()[:500]
    if len(reason) < MIN_REASON:
        error = translator(request.locale).gettext("Write the reason the partner will read.")
        return _review_page(request, ctx, staff, error=error, status=422)
    commissions.decide_review(ctx, partner_id, commission_id, approve=False, reason=reason)
    audit.record(ctx, staff, "commission.review_rejected", partner_id=partner_id, detail=f"{commission_id}: {reason}")
    return redirect(request, "/console/review?done=rejected")


@router.post("/console/review/payouts/<partner_id>/<period>/<currency>/release")
def release_reviewed_payout(partner_id: str, period: str, currency: str) -> Response:
    request, ctx, staff, form = staff_form()
    reason = form.get("reason", "").strip()[:500]
    if len(reason) < MIN_REASON:
        error = translator(request.locale).gettext("Write why the payout's entries go back to the balance.")
        return _review_page(request, ctx, staff, error=error, status=422)
    released, by_this_call = payout_release.release_payout(
        ctx, partner_id, period, currency, reason=reason, released_by=staff
    )
    if by_this_call:  # a repeated form post is not audited twice
        audit.record(ctx, staff, "payout.released", partner_id=partner_id, detail=f"{released.payout_id}: {reason}")
    return redirect(request, "/console/review?done=released")


# ---------------------------------------------------------------- program settings
SETTINGS_NUMBERS = (
    "attribution_window_days",
    "hold_period_days",
    "lead_rate_limit_per_ip",
    "lead_rate_limit_per_partner",
    "partner_link_limit",
)
SETTINGS_TEXTS = ("landing_url", "fallback_url", "thank_you_url")


def _as_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def _as_amounts(raw: str) -> dict[str, int]:
    """`USD=5000, EUR=4000` (minor units) as a mapping; a malformed pair is a ValueError."""
    amounts: dict[str, int] = {}
    for pair in _as_list(raw):
        currency, _, amount = pair.partition("=")
        if not currency.strip().isalpha() or len(currency.strip()) != 3 or not amount.strip().isdigit():
            raise ValueError(pair)
        amounts[currency.strip().upper()] = int(amount.strip())
    return amounts


def _settings_page(request: WebRequest, ctx: AppContext, staff: str, **extra: Any) -> Response:
    context: dict[str, Any] = {"error": None, "saved": False, **extra}
    return console_page(
        request,
        staff,
        "console/settings.html",
        "settings",
        status=context.pop("status", 200),
        program=ctx.programs.get(ctx.program_id),
        policies=[p.value for p in AttributionPolicy],
        **context,
    )


@router.get("/console/settings")
def settings_page() -> Response:
    request, ctx, staff = staff_request()
    return _settings_page(request, ctx, staff, saved="saved" in request.query)


@router.post("/console/settings")
def save_settings() -> Response:
    request, ctx, staff, form = staff_form()
    current = ctx.programs.get(ctx.program_id).model_dump(mode="json")
    values = {name: current.get(name) for name in programs.ProgramSettings.model_fields if name in current}
    try:
        for name in SETTINGS_NUMBERS:
            values[name] = int(form.get(name, ""))
        for name in SETTINGS_TEXTS:
            values[name] = form.get(name, "").strip() or None
        values["attribution_policy"] = form.get("attribution_policy", "")
        values["allowed_destination_domains"] = _as_list(form.get("allowed_destination_domains", ""))
        values["lead_form_origins"] = _as_list(form.get("lead_form_origins", ""))
        values["minimum_payouts"] = _as_amounts(form.get("minimum_payouts", ""))
        settings = programs.ProgramSettings.model_validate(values)
        programs.save_program(ctx, settings)
    except (ValueError, BadRequest) as refused:  # pydantic's ValidationError is a ValueError
        error = translator(request.locale).gettext("Some settings are not valid; nothing was saved:")
        detail = refused.message if isinstance(refused, BadRequest) else str(refused)[:300]
        if isinstance(refused, ValidationError):
            first = refused.errors()[0]
            detail = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
        return _settings_page(request, ctx, staff, error=f"{error} {detail}", status=422)
    audit.record(ctx, staff, "program.settings_changed", detail=", ".join(f"{n}={values[n]}" for n in SETTINGS_NUMBERS))
    return redirect(request, "/console/settings?saved=1")


# ---------------------------------------------------------------- groups
def _groups_page(request: WebRequest, ctx: AppContext, staff: str, **extra: Any) -> Response:
    context: dict[str, Any] = {"error": None, "form": {}, "saved": False, **extra}
    return console_page(
        request,
        staff,
        "console/groups.html",
        "groups",
        status=context.pop("status", 200),
        groups=groups.all_groups(ctx),
        plans=ctx.programs.list_plans(ctx.program_id),
        **context,
    )


@router.get("/console/groups")
def groups_page() -> Response:
    request, ctx, staff = staff_request()
    return _groups_page(request, ctx, staff, saved="saved" in request.query)


@router.post("/console/groups")
def save_group() -> Response:
    request, ctx, staff, form = staff_form()
    try:
        data = groups.GroupInput(
            group_id=form.get("group_id", "").strip().lower(),
            name=form.get("name", ""),
            default_plan_id=form.get("default_plan_id") or None,
        )
    except ValidationError:
        error = translator(request.locale).gettext(
            "Give the group an id (2 to 40 lower-case letters, digits or dashes) and a name."
        )
        return _groups_page(request, ctx, staff, error=error, form=form, status=422)
    groups.save_group(ctx, data, actor=staff)
    return redirect(request, "/console/groups?saved=1")


@router.get("/console/groups/<group_id>")
def group_detail(group_id: str) -> Response:
    request, ctx, staff = staff_request()
    group = groups.require(ctx, group_id)
    found, next_cursor = _partners_page(request, ctx)
    own = content.scope_content(ctx, group_id)
    return console_page(
        request,
        staff,
        "console/group.html",
        "groups",
        group=group,
        members=[p for p in found if p.group_id == group_id],
        next_cursor=next_cursor,
        paged=bool(next_cursor or request.query.get("cursor")),
        own=own,
        program_version=content.program_content(ctx).agreement_version,
        plans=ctx.programs.list_plans(ctx.program_id),
    )


@router.post("/console/partners/<partner_id>/links")
def create_partner_link(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    tr = translator(request.locale)
    try:
        data = links.LinkInput(code=form.get("code", "").strip() or None, destination=form.get("destination") or None)
        link = links.create_link(ctx, partner_id, data)
    except ValidationError:
        error = tr.gettext("Link codes use 3 to 64 letters, digits, dashes or underscores.")
        return _partner_page(request, ctx, staff, partner_id, error=error, status=422)
    except (BadRequest, Conflict) as refused:
        return _partner_page(request, ctx, staff, partner_id, error=refused.message, status=refused.status)
    audit.record(ctx, staff, "link.created", partner_id=partner_id, detail=link.code)
    return redirect(request, f"/console/partners/{partner_id}?link_created=1")


@router.post("/console/partners/<partner_id>/api-keys")
def issue_partner_api_key(partner_id: str) -> Response:
    request, ctx, staff, form = staff_form()
    label = form.get("label", "").strip()[:100] or None
    api_key, secret = partners.issue_api_key(ctx, partner_id, label)
    audit.record(ctx, staff, "api_key.issued", partner_id=partner_id, detail=f"{api_key.key_id} {label or ''}".strip())
    # Shown on this answer only (never stored): the page after a post is not cached (Cache-Control: no-store).
    return _partner_page(request, ctx, staff, partner_id, new_secret=secret)


@router.post("/console/partners/<partner_id>/api-keys/<key_id>/revoke")
def revoke_partner_api_key(partner_id: str, key_id: str) -> Response:
    request, ctx, staff, _ = staff_form()
    partners.revoke_api_key(ctx, partner_id, key_id)
    audit.record(ctx, staff, "api_key.revoked", partner_id=partner_id, detail=key_id)
    return redirect(request, f"/console/partners/{partner_id}?key_revoked=1")


# ---------------------------------------------------------------- agreement and resources (program or group)
ACCEPTANCE_ROWS = 500
"""Partners read per page of an agreement's acceptances and a group's members (a "Next page" link goes on)."""


def _partners_page(request: WebRequest, ctx: AppContext) -> tuple[list[Partner], str | None]:
    """One page of the program's partners (the request's `cursor`), and the cursor of the next."""
    return ctx.partners.list_page(ctx.program_id, limit=ACCEPTANCE_ROWS, cursor=request.query.get("cursor") or None)


def _scope(ctx: AppContext, group_id: str | None) -> tuple[PartnerGroup | None, str]:
    """The group a content page edits (None: the program's) and the base path of its pages; an unknown group is
    a NotFound before anything is read or written."""
    if group_id is None:
        return None, "/console"
    return groups.require(ctx, group_id), f"/console/groups/{group_id}"


def _acceptances(found: list[Partner], ctx: AppContext, group_id: str | None) -> list[dict[str, Any]]:
    """Who accepted which version, and when, among a page of partners: on the program's page every partner who
    reads the program's agreement; on a group's page the group's members (under the group's version, else the
    program's)."""
    in_force = content.agreements_in_force(ctx)
    rows = []
    for partner in found:
        if partner.status is PartnerStatus.TERMINATED:
            continue
        if group_id is None and partner.group_id in in_force.group_versions:
            continue  # reads its group's own agreement: listed on the group's page
        if group_id is not None and partner.group_id != group_id:
            continue
        rows.append(
            {
                "partner": partner,
                "in_force": in_force.version_for(partner.group_id),
                "current": in_force.current(partner.group_id, partner.agreement_version),
            }
        )
    return rows


def _agreement_page(
    request: WebRequest, ctx: AppContext, staff: str, group_id: str | None = None, **extra: Any
) -> Response:
    group, base = _scope(ctx, group_id)
    context: dict[str, Any] = {"error": None, "form": {}, "published": False, **extra}
    found, next_cursor = _partners_page(request, ctx)
    return console_page(
        request,
        staff,
        "console/agreement.html",
        "groups" if group else "agreement",
        status=context.pop("status", 200),
        group=group,
        base=base,
        content=content.scope_content(ctx, group_id),
        program_version=content.program_content(ctx).agreement_version if group else None,
        history=content.agreement_history(ctx, group_id),
        acceptances=_acceptances(found, ctx, group_id),
        next_cursor=next_cursor,
        **context,
    )


def _publish_agreement(group_id: str | None) -> Response:
    request, ctx, staff, form = staff_form()
    group, base = _scope(ctx, group_id)
    tr = translator(request.locale)
    try:
        data = content.AgreementInput(version=form.get("version", ""), text=form.get("text", ""))
        content.publish_agreement(ctx, data, actor=staff, group_id=group_id, expected_version=_seen_version(form))
    except ValidationError:
        error = tr.gettext("Name the version (letters, digits, dots, dashes) and write its text.")
        return _agreement_page(request, ctx, staff, group_id, error=error, form=form, status=422)
    except Conflict as refused:
        error = (
            tr.gettext("Someone changed this agreement meanwhile: the page shows it now; publish again if need be.")
            if refused.code == "content_changed"
            else tr.gettext("This version name was already published: choose a new one.")
        )
        return _agreement_page(request, ctx, staff, group_id, error=error, form=form, status=409)
    audit.record(ctx, staff, "agreement.published", detail=_scoped(data.version, group))
    return redirect(request, f"{base}/agreement?published=1")


def _seen_version(form: dict[str, str]) -> int | None:
    """The content version the form's page showed (None when the form does not say)."""
    raw = form.get("content_version", "")
    return int(raw) if raw.isdigit() else None


def _resources_changed(request: WebRequest, ctx: AppContext, staff: str, group_id: str | None) -> Response:
    error = translator(request.locale).gettext(
        "Someone changed these resources meanwhile: the page shows them now; try again if need be."
    )
    return _resources_page(request, ctx, staff, group_id, error=error, status=409)


def _scoped(detail: str, group: PartnerGroup | None) -> str:
    return f"{detail} (group {group.group_id})" if group else detail


@router.get("/console/agreement")
def agreement_page() -> Response:
    request, ctx, staff = staff_request()
    return _agreement_page(request, ctx, staff, published="published" in request.query)


@router.post("/console/agreement")
def publish_agreement() -> Response:
    return _publish_agreement(None)


@router.get("/console/groups/<group_id>/agreement")
def group_agreement_page(group_id: str) -> Response:
    request, ctx, staff = staff_request()
    return _agreement_page(request, ctx, staff, group_id, published="published" in request.query)


@router.post("/console/groups/<group_id>/agreement")
def publish_group_agreement(group_id: str) -> Response:
    return _publish_agreement(group_id)


def _resources_page(
    request: WebRequest, ctx: AppContext, staff: str, group_id: str | None = None, **extra: Any
) -> Response:
    group, base = _scope(ctx, group_id)
    context: dict[str, Any] = {"error": None, "form": {}, "saved": False, **extra}
    return console_page(
        request,
        staff,
        "console/resources.html",
        "groups" if group else "resources",
        status=context.pop("status", 200),
        group=group,
        base=base,
        resources=(scope := content.scope_content(ctx, group_id)).resources,
        content_version=scope.version,
        program_resources=content.program_content(ctx).resources if group else [],
        kinds=[k.value for k in ResourceKind],
        **context,
    )


def _add_resource(group_id: str | None) -> Response:
    request, ctx, staff, form = staff_form()
    group, base = _scope(ctx, group_id)
    try:
        resource = Resource(kind=form.get("kind", ""), title=form.get("title", "").strip(), body=form.get("body", ""))
        resources = [*content.scope_content(ctx, group_id).resources, resource]
        content.save_resources(ctx, resources, group_id, _seen_version(form))
    except ValidationError:
        error = translator(request.locale).gettext("Choose the kind and write a title and a text.")
        return _resources_page(request, ctx, staff, group_id, error=error, form=form, status=422)
    except Conflict:
        return _resources_changed(request, ctx, staff, group_id)
    audit.record(ctx, staff, "resource.added", detail=_scoped(resource.title, group))
    return redirect(request, f"{base}/resources?saved=1")


def _resource_index(raw: str, count: int) -> int:
    if not raw.isdigit() or int(raw) >= count:
        raise NotFound("no such resource", code="resource_not_found")
    return int(raw)


def _move_resource_up(group_id: str | None, index: str) -> Response:
    request, ctx, staff, form = staff_form()
    group, base = _scope(ctx, group_id)
    resources = list(content.scope_content(ctx, group_id).resources)
    at = _resource_index(index, len(resources))
    if at > 0:
        resources[at - 1], resources[at] = resources[at], resources[at - 1]
        try:
            content.save_resources(ctx, resources, group_id, _seen_version(form))
        except Conflict:
            return _resources_changed(request, ctx, staff, group_id)
        audit.record(ctx, staff, "resource.moved", detail=_scoped(resources[at - 1].title, group))
    return redirect(request, f"{base}/resources?saved=1")


def _delete_resource(group_id: str | None, index: str) -> Response:
    request, ctx, staff, form = staff_form()
    group, base = _scope(ctx, group_id)
    resources = list(content.scope_content(ctx, group_id).resources)
    removed = resources.pop(_resource_index(index, len(resources)))
    try:
        content.save_resources(ctx, resources, group_id, _seen_version(form))
    except Conflict:
        return _resources_changed(request, ctx, staff, group_id)
    audit.record(ctx, staff, "resource.removed", detail=_scoped(removed.title, group))
    return redirect(request, f"{base}/resources?saved=1")


@router.get("/console/resources")
def resources_page() -> Response:
    request, ctx, staff = staff_request()
    return _resources_page(request, ctx, staff, saved="saved" in request.query)


@router.post("/console/resources")
def add_resource() -> Response:
    return _add_resource(None)


@router.post("/console/resources/<index>/up")
def move_resource_up(index: str) -> Response:
    return _move_resource_up(None, index)


@router.post("/console/resources/<index>/delete")
def delete_resource(index: str) -> Response:
    return _delete_resource(None, index)


@router.get("/console/groups/<group_id>/resources")
def group_resources_page(group_id: str) -> Response:
    request, ctx, staff = staff_request()
    return _resources_page(request, ctx, staff, group_id, saved="saved" in request.query)


@router.post("/console/groups/<group_id>/resources")
def add_group_resource(group_id: str) -> Response:
    return _add_resource(group_id)


@router.post("/console/groups/<group_id>/resources/<index>/up")
def move_group_resource_up(group_id: str, index: str) -> Response:
    return _move_resource_up(group_id, index)


@router.post("/console/groups/<group_id>/resources/<index>/delete")
def delete_group_resource(group_id: str, index: str) -> Response:
    return _delete_resource(group_id, index)


# ---------------------------------------------------------------- payouts
def _period(request: WebRequest, ctx: AppContext, raw: str | None) -> str:
    """The period asked for (YYYY-MM), else the last ended month in the program's payout timezone."""
    if raw and _PERIOD.match(raw):
        return raw
    return payout_rules.previous_period(ctx.clock.now(), ctx.settings.payout_timezone)


@router.get("/console/payouts")
def payouts_page() -> Response:
    request, ctx, staff = staff_request()
    period = _period(request, ctx, request.query.get("period"))
    preview = None
    if "preview" in request.query:
        _, preview = start_payout_run(ctx, period, dry_run=True)
    found, next_cursor = ctx.payouts.list_period(period, limit=100, cursor=request.query.get("cursor") or None)
    return console_page(
        request,
        staff,
        "console/payouts.html",
        "payouts",
        period=period,
        preview=preview,
        payouts=found,
        next_cursor=next_cursor,
        manual=[k.value for k in (PayoutMethodKind.PAYPAL, PayoutMethodKind.WISE, PayoutMethodKind.BANK_TRANSFER)],
        notice=request.query.get("done"),
    )


@router.post("/console/payouts/run")
def run_payouts() -> Response:
    request, ctx, staff, form = staff_form()
    period = form.get("period", "")
    if not _PERIOD.match(period):
        raise BadRequest("the period is YYYY-MM", code="invalid_period")
    start_payout_run(ctx, period)
    audit.record(ctx, staff, "payouts.run", detail=period)
    return redirect(request, f"/console/payouts?period={period}&done=run")


@router.get("/console/payouts/export.csv")
def export_manual_payouts() -> Response:
    request, ctx, _ = staff_request()
    period = _period(request, ctx, request.query.get("period"))
    text = payout_rules.manual_export_csv(payout_run.manual_payouts_due(ctx, period))
    return download(request, text, content_type="text/csv; charset=utf-8", filename=f"manual-payouts-{period}.csv")


@router.post("/console/payouts/<partner_id>/<period>/<currency>/mark-paid")
def mark_payout_paid(partner_id: str, period: str, currency: str) -> Response:
    request, ctx, staff, form = staff_form()
    reference = form.get("reference", "").strip()[:200]
    if not reference or not _PERIOD.match(period):
        raise BadRequest("write the transfer's reference", code="reference_required")
    payout_run.mark_paid(ctx, partner_id, period, currency, reference)
    audit.record(
        ctx, staff, "payout.marked_paid", partner_id=partner_id, detail=f"{period} {currency.upper()} {reference}"
    )
    return redirect(request, f"/console/payouts?period={period}&done=paid")


@router.get("/console/payouts/<partner_id>/<period>/<currency>/statement.csv")
def payout_statement_csv(partner_id: str, period: str, currency: str) -> Response:
    request, ctx, _ = staff_request()
    if not _PERIOD.match(period):
        raise NotFound("no such payout", code="payout_not_found")
    stmt = payout_run.payout_statement(ctx, partner_id, period, currency)
    return download(
        request,
        payout_rules.statement_csv(stmt),
        content_type="text/csv; charset=utf-8",
        filename=f"statement-{partner_id}-{period}-{currency.upper()[:3]}.csv",
    )


# ---------------------------------------------------------------- the public application
def _apply_page(request: WebRequest, *, status: int = 200, form: dict[str, str], errors: dict[str, str]) -> Response:
    terms = content.program_content(get_context())
    return page(
        request, "console/apply.html", status=status, form=form, errors=errors, honeypot=APPLY_HONEYPOT, terms=terms
    )


@router.get("/apply")
def apply_form() -> Response:
    request = web_request(router)
    return _apply_page(request, form={}, errors={})


@router.post("/apply")
def submit_application() -> Response:
    request = web_request(router)
    form = request.require_csrf()
    if is_honeypot_filled({HONEYPOT_FIELD: form.get(APPLY_HONEYPOT)}):
        return redirect(request, "/apply/thanks")  # a bot: the same answer, nothing kept
    tr = translator(request.locale)
    try:
        data = onboarding.ApplicationInput(
            name=form.get("name", ""),
            email=form.get("email", ""),
            company=form.get("company") or None,
            website=form.get("website") or None,
            audience=form.get("audience") or None,
            promotion=form.get("promotion", ""),
            accept_terms=form.get("accept_terms") == "on",
        )
    except ValidationError as error:
        messages = {
            "name": tr.gettext("Tell us your name."),
            "email": tr.gettext("Enter a valid email address."),
            "website": tr.gettext("Enter the full address of your website, starting with https://."),
            "promotion": tr.gettext("Tell us how you will promote the product."),
            "accept_terms": tr.gettext("Accept the program's terms to apply."),
        }
        fields = {str(e["loc"][0]) for e in error.errors() if e.get("loc")}
        errors = {name: messages.get(name, tr.gettext("Check this answer.")) for name in fields}
        return _apply_page(request, status=422, form=form, errors=errors)
    ctx = get_context()
    ip_subject = rate_limit.ip_hash(request.source_ip, request.config.signing_key.decode())
    onboarding.apply(ctx, data, ip_subject=ip_subject, language=request.locale)
    return redirect(request, "/apply/thanks")


@router.get("/apply/thanks")
def application_received() -> Response:
    request = web_request(router)
    return page(request, "console/apply_thanks.html")
