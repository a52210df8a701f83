"""The partner portal's pages. Each route reads the partner from its session, calls the owning slice's
service, and renders a template of shared/portal/templates in the partner's language.

Every page costs at most four DynamoDB requests: the session and the partner (status checked on every
request, so pausing or terminating a partner ends its sessions at once), then the page's own one or two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import ValidationError

from shared.context import AppContext, get_context
from shared.core import keys
from shared.core.dynamo import Item
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.mail import Email, send
from shared.identity.models import Audience
from shared.links.models import ReferralLink
from shared.partners import connect
from shared.partners.models import Partner, PartnerStatus, PayoutMethod, PayoutMethodKind
from shared.portal import labels, sharing
from shared.portal import store as portal_store
from shared.portal.sources import (
    commissions,
    content,
    customers,
    identity,
    leads,
    links,
    partners,
    payout_rules,
    report_rules,
    reports,
)
from shared.programs.models import Program
from shared.web import sessions, sign_in
from shared.web.i18n import LOCALES, N_, supported, translator
from shared.web.pages import (
    LOCALE_COOKIE,
    SignInRequired,
    WebRequest,
    download,
    page,
    redirect,
    redirect_elsewhere,
    web_request,
)
from shared.web.render import render_text

router = Router()

LEADS_PER_PAGE = 100
CUSTOMERS_PER_PAGE = 50
ENTRIES_PER_PAGE = 100
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")

NAV = (
    ("/portal", "dashboard"),
    ("/portal/links", "links"),
    ("/portal/leads", "leads"),
    ("/portal/customers", "customers"),
    ("/portal/reports", "reports"),
    ("/portal/earnings", "earnings"),
    ("/portal/agreement", "agreement"),
    ("/portal/resources", "resources"),
    ("/portal/payout-settings", "payout_settings"),
)


# ---------------------------------------------------------------- sessions
def signed_in(request: WebRequest, ctx: AppContext) -> Partner:
    """The partner of this browser's session (active, of this program), else SignInRequired."""
    session = sessions.current_session(request, ctx, sessions.PORTAL)
    partner = ctx.partners.find(session.principal_id)
    if partner is None or not _may_sign_in(ctx, partner):
        raise sessions.end_and_refuse(request, ctx, sessions.PORTAL)  # paused or terminated: over for good
    request.use_locale(partner.language)
    return partner


def signed_in_reading(
    request: WebRequest, ctx: AppContext, wanted: Callable[[str], Mapping[str, Mapping[str, str]]]
) -> tuple[Partner, dict[str, Item]]:
    """`signed_in`, reading the page's items (by name, their keys from the partner id) with the partner in
    one BatchGetItem: the session and that read, so the page has two requests left."""
    session = sessions.current_session(request, ctx, sessions.PORTAL)
    found = portal_store.read_with_partner(ctx.table, session.principal_id, wanted(session.principal_id))
    item = found.pop(portal_store.PARTNER, None)
    partner = Partner.from_item(item) if item else None
    if partner is None or not _may_sign_in(ctx, partner):
        raise sessions.end_and_refuse(request, ctx, sessions.PORTAL)
    request.use_locale(partner.language)
    return partner, found


def _may_sign_in(ctx: AppContext, partner: Partner) -> bool:
    return partner.status is PartnerStatus.ACTIVE and partner.program_id == ctx.program_id


def portal_page(request: WebRequest, partner: Partner, template: str, section: str, **context: Any) -> Response:
    """A page of the signed-in portal: the layout's navigation, the partner, the formatting helpers."""
    return page(
        request,
        template,
        partner=partner,
        nav=NAV,
        section=section,
        labels=labels,
        **context,
    )


# ---------------------------------------------------------------- sign-in
@router.get("/portal/sign-in")
def sign_in_form() -> Response:
    return sign_in.form_page(web_request(router), "portal")


@router.post("/portal/sign-in")
def request_sign_in_link() -> Response:
    request = web_request(router)
    form = request.require_csrf()
    email = sign_in.requested_email(form)
    if email is None:
        error = translator(request.locale).gettext("Enter the email address your partnership uses.")
        return sign_in.form_page(request, "portal", email=form.get("email", "").strip(), error=error, status=422)
    ctx = get_context()
    sign_in.enforce_limits(request, ctx, email)
    partner = partners.find_by_email(ctx, email)
    if partner is not None and _may_sign_in(ctx, partner):
        issued = identity.issue_link(ctx, Audience.PORTAL, partner.partner_id, email)
        _send_sign_in_email(request, partner, issued.token)
    # The same answer whether or not the email is a partner's: nobody can probe who is one.
    return page(request, "portal/check_email.html", email=email)


def _send_sign_in_email(request: WebRequest, partner: Partner, token: str) -> None:
    locale = supported(partner.language) or request.locale
    subject = translator(locale).gettext("Your sign-in link to the partner portal")
    sign_in.send_link(
        request,
        to=partner.email,
        locale=locale,
        subject=subject,
        area="portal",
        confirm_path="/portal/sign-in/confirm",
        token=token,
        partner=partner,
    )


@router.get("/portal/sign-in/confirm")
def confirm_sign_in_form() -> Response:
    # A GET never signs in: mail scanners open links. The person confirms with one click (a POST).
    return sign_in.confirm_page(web_request(router), Audience.PORTAL, "portal")


@router.post("/portal/sign-in/confirm")
def confirm_sign_in() -> Response:
    request = web_request(router)
    form = request.require_csrf()
    ctx = get_context()
    link = identity.consume_link(ctx, form.get("token"), Audience.PORTAL)
    partner = ctx.partners.find(link.principal_id) if link is not None else None
    if link is None or partner is None or not _may_sign_in(ctx, partner):
        return sign_in.refused_page(request, "portal")
    sessions.open_session(request, ctx, sessions.PORTAL, link)
    # A partner who has not accepted the agreement in force reads it first.
    if not content.agreement_current(content.partner_content(ctx, partner.group_id), partner.agreement_version):
        return redirect(request, "/portal/agreement")
    return redirect(request, "/portal")


@router.post("/portal/sign-out")
def sign_out() -> Response:
    request = web_request(router)
    ctx = get_context()
    signed_in(request, ctx)
    request.require_csrf()
    sessions.sign_out(request, ctx, sessions.PORTAL)
    return redirect(request, "/portal/sign-in?signed_out=1")


@router.post("/portal/language")
def switch_language() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner: Partner | None
    try:
        partner = signed_in(request, ctx)
    except SignInRequired:
        partner = None
    form = request.require_csrf()
    chosen = supported(form.get("language"))
    if chosen in LOCALES:
        request.set_cookie(LOCALE_COOKIE, chosen, max_age=365 * 86400)
        if partner is not None and partner.language != chosen:
            partners.set_language(ctx, partner.partner_id, chosen)  # its emails follow too
    back = form.get("next", "/portal")
    # The console and the application form share the switch (the layout's form posts here).
    return redirect(request, back if back.startswith(("/portal", "/console", "/apply")) else "/portal")


# ---------------------------------------------------------------- dashboard
@router.get("/portal")
def dashboard() -> Response:
    request = web_request(router)
    ctx = get_context()
    # One BatchGetItem: the partner, the program (its payout minimums) and the partner's monthly rollups (kept
    # from the table's stream, docs/reports.md: this month, all time, the last 12 months); then the balances.
    partner, found = signed_in_reading(
        request,
        ctx,
        lambda partner_id: {"program": keys.program(ctx.program_id), **reports.dashboard_keys(ctx, partner_id)},
    )
    program = Program.from_item(found.pop("program")) if "program" in found else ctx.programs.get(ctx.program_id)
    figures = reports.dashboard_of(ctx, found)
    now = ctx.clock.now()
    next_run = date(now.year + (now.month == 12), now.month % 12 + 1, 1)
    cutoff = datetime(next_run.year, next_run.month, 1, tzinfo=UTC)
    balances, forecast = commissions.balances_and_forecast(ctx, partner.partner_id, cutoff)
    next_payouts = [
        {
            "currency": c,
            "amount": a,
            "minimum": program.minimum_payout(c),
            "paid": a >= max(program.minimum_payout(c), 1),
        }
        for c, a in sorted(forecast.items())
        if a > 0
    ]
    return portal_page(
        request,
        partner,
        "portal/dashboard.html",
        "dashboard",
        balances=sorted(balances.items()),
        this_month=figures.this_month,
        all_time=figures.all_time,
        chart=_chart(figures.months),
        month=now.date(),
        next_run=next_run,
        next_payouts=next_payouts,
        can_receive=partner.payout_method.can_receive,
    )


def _chart(months: list[tuple[str, Any]]) -> dict[str, Any]:
    """The 12-month chart: clicks as bars, with each month's figures for the table beside it."""
    rows = [{"month": date(int(m[:4]), int(m[5:7]), 1), "figures": f} for m, f in months]
    bars = report_rules.bar_chart([(m, f.clicks) for m, f in months])
    return {"rows": rows, "bars": list(zip(bars, rows, strict=True)), "width": len(bars) * report_rules.BAR_STEP}


# ---------------------------------------------------------------- reports
@router.get("/portal/reports")
def reports_page() -> Response:
    request = web_request(router)
    ctx = get_context()
    current = reports.this_month(ctx)
    first = request.query.get("from") or report_rules.shift_month(current, -11)
    last = request.query.get("to") or current
    try:
        months = reports.month_range(ctx, first, last)
    except BadRequest:
        months = reports.month_range(ctx, report_rules.shift_month(current, -11), current)
    # One BatchGetItem (the partner, its months, the leaderboard settings, the partners of the month), the
    # month's ranking (one Query) and, when names are shown, the top ten's names: at most four requests.
    partner, found = signed_in_reading(
        request, ctx, lambda partner_id: reports.partner_page_keys(ctx, partner_id, months)
    )
    report = reports.partner_page_of(ctx, partner.partner_id, months, found)
    rows = [{**r, "date": now_month_date(r["month"])} for r in report["items"]]
    return portal_page(
        request,
        partner,
        "portal/reports.html",
        "reports",
        rows=list(reversed(rows)),
        totals=report["totals"],
        first=months[0],
        last=months[-1],
        rank=report["rank"],
        spotlight=report["spotlight"],
        month=now_month_date(current),
    )


def now_month_date(month: str) -> date:
    """The first day of a YYYY-MM month (what the locale's month formatter takes)."""
    return date(int(month[:4]), int(month[5:7]), 1)


# ---------------------------------------------------------------- links
def _links_page(
    request: WebRequest,
    ctx: AppContext,
    partner: Partner,
    *,
    program: Program | None = None,
    code: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    tr = translator(request.locale)
    shown = []
    own_links = ctx.links.list_for_partner(partner.partner_id)
    # Each link's clicks this month, from the link rollups (one BatchGetItem); its page has every month.
    this_month = reports.links_this_month(ctx, [link.code for link in own_links])
    for link in own_links:
        url = links.share_url(request.base_url, link.code)
        message = tr.gettext("Have a look at this:")
        shown.append(
            {
                "link": link,
                "share_url": url,
                "qr": sharing.qr_svg(url, tr.gettext("QR code of %(url)s") % {"url": url}),
                "buttons": sharing.share_buttons(url, message, tr.gettext("A recommendation")),
                "this_month": this_month[link.code],
            }
        )
    program = program or ctx.programs.get(ctx.program_id)
    return portal_page(
        request,
        partner,
        "portal/links.html",
        "links",
        status=status,
        links=shown,
        can_create=max(0, program.partner_link_limit - len(own_links)),
        code=code,
        error=error,
        created=request.query.get("created"),
    )


@router.get("/portal/links")
def links_page() -> Response:
    request = web_request(router)
    ctx = get_context()
    # One BatchGetItem: the partner and the program (its per-partner link limit).
    partner, found = signed_in_reading(request, ctx, lambda _: {"program": keys.program(ctx.program_id)})
    program = Program.from_item(found["program"]) if "program" in found else None
    return _links_page(request, ctx, partner, program=program)


_LINK_CODE = re.compile(keys.LINK_CODE_PATTERN)
LINK_ERRORS = {
    "invalid": N_("Use 3 to 64 letters, digits, - or _, starting with a letter or digit."),
    "link_code_taken": N_("This code is taken: choose another."),
    "link_limit_reached": N_("You have as many links as the program allows."),
}


@router.post("/portal/links")
def create_link() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    form = request.require_csrf()
    code = form.get("code", "").strip()
    tr = translator(request.locale)
    if not _LINK_CODE.match(code):
        return _links_page(request, ctx, partner, code=code, error=tr.gettext(LINK_ERRORS["invalid"]), status=422)
    try:
        links.create_own_link(ctx, partner.partner_id, code)
    except Conflict as refused:
        message = LINK_ERRORS.get(refused.code, LINK_ERRORS["link_code_taken"])
        return _links_page(request, ctx, partner, code=code, error=tr.gettext(message), status=409)
    return redirect(request, f"/portal/links?created={code}")


@router.get("/portal/links/<code>")
def link_clicks_page(code: str) -> Response:
    request = web_request(router)
    ctx = get_context()
    wanted = {"link": keys.referral_link(code)} if _LINK_CODE.match(code) else {}
    partner, found = signed_in_reading(request, ctx, lambda _: wanted)
    link = ReferralLink.from_item(found["link"]) if "link" in found else None
    if link is None or link.partner_id != partner.partner_id:
        raise NotFound(f"referral link {code!r} does not exist", code="link_not_found")  # another's: as missing
    # The link's monthly rollups (kept from the table's stream, docs/reports.md): one Query, whatever its age.
    months, since_created = reports.link_months(ctx, link.code)
    return portal_page(
        request,
        partner,
        "portal/link_clicks.html",
        "links",
        link=link,
        share_url=links.share_url(request.base_url, link.code),
        months=[(now_month_date(m), f) for m, f in reversed(months)],
        this_month=months[-1][1],
        since_created=since_created,
    )


# ---------------------------------------------------------------- leads
def _lead_rows(views: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    needle = query.strip().lower()
    rows = []
    for view in views:
        row = {
            **view,
            "created": _parse(view.get("created_at")),
            "updated": _parse(view.get("updated_at")),
            "qualified": _parse(view.get("qualified_at")),
            "converted": _parse(view.get("converted_at")),
        }
        haystack = " ".join(str(view.get(f) or "") for f in ("email", "name", "company", "status", "notes")).lower()
        if not needle or needle in haystack:
            rows.append(row)
    rows.reverse()  # newest first
    return rows


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _leads_page(
    request: WebRequest,
    ctx: AppContext,
    partner: Partner,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    cursor = request.query.get("cursor") or None
    records, next_cursor = ctx.leads.list_for_partner(partner.partner_id, limit=LEADS_PER_PAGE, cursor=cursor)
    views = [leads.partner_view(r, partner.partner_id, ctx.clock.now()) for r in records]
    query = request.query.get("q", "")[:100]
    submitted = request.query.get("submitted")
    return portal_page(
        request,
        partner,
        "portal/leads.html",
        "leads",
        status=status,
        rows=_lead_rows(views, query),
        q=query,
        next_cursor=next_cursor,
        form=form or {},
        errors=errors or {},
        submitted=submitted,
        submitted_outcome=request.query.get("outcome"),
    )


@router.get("/portal/leads")
def leads_list() -> Response:
    request = web_request(router)
    ctx = get_context()
    return _leads_page(request, ctx, signed_in(request, ctx))


LEAD_FIELDS = ("email", "name", "company", "job_title", "phone", "notes")


@router.post("/portal/leads")
def submit_lead() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    form = request.require_csrf()
    data = {f: form.get(f, "") for f in LEAD_FIELDS}
    tr = translator(request.locale)
    try:
        lead_input = leads.PartnerLeadInput.model_validate(
            {
                **{k: v for k, v in data.items() if v.strip()},
                "consent_to_contact": form.get("consent_to_contact") == "on",
            }
        )
    except ValidationError as error:
        errors = {}
        for problem in error.errors():
            field = str(problem["loc"][0]) if problem["loc"] else "email"
            errors[field] = tr.gettext("Check this field.") if field != "email" else tr.gettext("Enter a valid email.")
        return _leads_page(request, ctx, partner, form=data, errors=errors, status=422)
    # The same path as POST /partner/leads: the partner's hourly limit, then the one intake of the leads slice.
    program = ctx.programs.get(ctx.program_id)
    leads.enforce_partner_rate_limit(ctx, program, partner.partner_id)
    submission = leads.submit_partner_lead(ctx, program, partner.partner_id, lead_input)
    return redirect(request, f"/portal/leads?submitted=1&outcome={submission.outcome.value}")


# ---------------------------------------------------------------- customers
@router.get("/portal/customers")
def customers_page() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    cursor = request.query.get("cursor") or None
    rows, next_cursor = customers.partner_customers(ctx, partner.partner_id, limit=CUSTOMERS_PER_PAGE, cursor=cursor)
    return portal_page(
        request,
        partner,
        "portal/customers.html",
        "customers",
        rows=rows,
        next_cursor=next_cursor,
        first_page=not cursor,
    )


# ---------------------------------------------------------------- earnings
@router.get("/portal/earnings")
def earnings() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    cursor = request.query.get("cursor") or None
    entries, next_cursor = commissions.list_page(
        ctx, partner_id=partner.partner_id, status=None, limit=ENTRIES_PER_PAGE, cursor=cursor
    )
    rows = [
        {
            **e,
            "created": _parse(e.get("created_at")),
            "available": _parse(e.get("available_at")),
        }
        for e in entries
    ]
    rows.reverse()
    payout_list = list(reversed(ctx.payouts.list_partner(partner.partner_id)))
    return portal_page(
        request,
        partner,
        "portal/earnings.html",
        "earnings",
        rows=rows,
        next_cursor=next_cursor,
        payouts=payout_list,
        now=ctx.clock.now(),
    )


def _statement(ctx: AppContext, partner: Partner, period: str, currency: str) -> Any:
    if not re.match(payout_rules.PERIOD_PATTERN, period) or not _CURRENCY.match(currency):
        raise NotFound("no such statement", code="statement_not_found")
    from shared.payouts import run as payouts  # noqa: PLC0415 - the payout run's module, with a first statement

    return payouts.payout_statement(ctx, partner.partner_id, period, currency.upper())


@router.get("/portal/earnings/statements/<period>/<currency>")
def statement_page(period: str, currency: str) -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    if currency.lower().endswith(".csv"):
        stmt = _statement(ctx, partner, period, currency[:-4])
        filename = f"statement-{period}-{stmt.payout.amount.currency}.csv"
        return download(
            request, payout_rules.statement_csv(stmt), content_type="text/csv; charset=utf-8", filename=filename
        )
    stmt = _statement(ctx, partner, period, currency)
    lines = [(line, _parse(line.available_at)) for line in stmt.lines]
    return portal_page(request, partner, "portal/statement.html", "earnings", stmt=stmt, lines=lines, period=period)


# ---------------------------------------------------------------- agreement and resources
@router.get("/portal/agreement")
def agreement() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    program_content = content.partner_content(ctx, partner.group_id)  # the group's agreement, else the program's
    return portal_page(
        request,
        partner,
        "portal/agreement.html",
        "agreement",
        content=program_content,
        current=content.agreement_current(program_content, partner.agreement_version),
        accepted="accepted" in request.query,
    )


@router.post("/portal/agreement")
def accept_agreement() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    form = request.require_csrf()
    program_content = content.partner_content(ctx, partner.group_id)  # the group's agreement, else the program's
    version = form.get("version", "")
    if not program_content.agreement_version or version != program_content.agreement_version:
        # The page was older than the agreement: show the version in force before anyone accepts it.
        raise BadRequest("the agreement changed; read the current version", code="agreement_changed")
    partners.accept_agreement(ctx, partner.partner_id, version, ip=request.source_ip or None)
    return redirect(request, "/portal/agreement?accepted=1")


@router.get("/portal/resources")
def resources() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    program_content = content.partner_content(ctx, partner.group_id)  # the program's resources, then the group's
    return portal_page(request, partner, "portal/resources.html", "resources", resources=program_content.resources)


# ---------------------------------------------------------------- payout settings
def connect_client() -> connect.ConnectClient:
    """The Stripe Connect client (STRIPE_API_KEY from the secret store; STRIPE_API_BASE locally)."""
    return connect.StripeConnect.from_env()


def _payout_settings_page(
    request: WebRequest, partner: Partner, *, form: dict[str, str] | None = None, error: str | None = None
) -> Response:
    # Stripe is asked only about an account that exists (a PayPal partner's page makes no Stripe call).
    state = connect.onboarding_state(partner, connect_client()) if connect.connected_account(partner) else None
    return portal_page(
        request,
        partner,
        "portal/payout_settings.html",
        "payout_settings",
        status=422 if error else 200,
        method=partner.payout_method,
        state=state,
        returned="stripe" in request.query,
        saved="saved" in request.query,
        manual_kinds=MANUAL_KINDS,
        form=form or {},
        error=error,
    )


@router.get("/portal/payout-settings")
def payout_settings() -> Response:
    request = web_request(router)
    return _payout_settings_page(request, signed_in(request, get_context()))


MANUAL_KINDS = (PayoutMethodKind.PAYPAL, PayoutMethodKind.WISE, PayoutMethodKind.BANK_TRANSFER)


@router.post("/portal/payout-settings/manual")
def set_manual_payout_method() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    form = request.require_csrf()
    tr = translator(request.locale)
    try:
        kind = PayoutMethodKind(form.get("kind", ""))
        if kind not in MANUAL_KINDS:
            raise ValueError(kind)
        method = PayoutMethod(kind=kind, reference=form.get("reference", "").strip() or None)
    except (ValueError, ValidationError):
        error = tr.gettext("Choose how you want to be paid and give the account (email, IBAN...) to pay.")
        return _payout_settings_page(request, partner, form=form, error=error)
    previous = partner.payout_method
    partners.set_payout_method(ctx, partner.partner_id, method)
    if previous.kind is not method.kind or previous.reference != method.reference:
        _send_payout_method_changed_email(request, partner, method)
    return redirect(request, "/portal/payout-settings?saved=1")


def _send_payout_method_changed_email(request: WebRequest, partner: Partner, method: PayoutMethod) -> None:
    # Told by email, so a partner whose sign-in was misused learns at once where its money would go.
    locale = supported(partner.language) or request.locale
    tr = translator(locale)
    context = {"partner": partner, "method": method, "labels": labels, "link": request.url("/portal/payout-settings")}
    send(
        Email(
            to=partner.email,
            subject=tr.gettext("Your payout method was changed"),
            text=render_text("portal/email/payout_method_changed.txt", locale, **context),
        )
    )


def _to_stripe(request: WebRequest, ctx: AppContext, partner: Partner) -> Response:
    url = connect.start_onboarding(
        ctx,
        partner,
        connect_client(),
        refresh_url=request.url("/portal/payout-settings/stripe/refresh"),
        return_url=request.url("/portal/payout-settings", stripe="return"),
    )
    return redirect_elsewhere(request, url)


@router.post("/portal/payout-settings/stripe")
def start_stripe_onboarding() -> Response:
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    request.require_csrf()
    return _to_stripe(request, ctx, partner)


@router.get("/portal/payout-settings/stripe/refresh")
def refresh_stripe_onboarding() -> Response:
    # Stripe sends the partner here when an Account Link expired or was used: a fresh one for the same account.
    request = web_request(router)
    ctx = get_context()
    partner = signed_in(request, ctx)
    if connect.connected_account(partner) is None:
        return redirect(request, "/portal/payout-settings")
    return _to_stripe(request, ctx, partner)
