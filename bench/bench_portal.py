"""The partner portal: server time of each page (p50, p90) through the real web handler, and DynamoDB requests
per page. Targets (issue 13): p50 <= 30 ms locally, <= 4 DynamoDB requests per page.

Floor: one raw GetItem on the same DynamoDB Local (every page reads at least the session and the partner).
Setup: Ada signed in, with a link, three leads (one qualified: a bounty), this month's payout and statement,
twenty referred customers, and the program's agreement and resources. Every page of the portal is measured.
"""

from __future__ import annotations

import contextlib
import io
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import BenchContext, RequestCounter, percentiles, row, time_calls
from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response
from devstack.seed import DEMO_CONTENT
from shared import context as deps
from shared.commissions import service as commissions
from shared.commissions.models import AttributionSource, CustomerAttribution
from shared.commissions.store import LedgerWrite
from shared.content import service as content
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.money import Money
from shared.identity import service as identity
from shared.identity.models import Audience
from shared.leads import service as leads
from shared.leads.models import LeadStatus
from shared.partners import service as partners
from shared.partners.models import PayoutMethod, PayoutMethodKind
from shared.payouts import rules as payout_rules
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from shared.programs import service as programs
from shared.reports import service as reports
from shared.reports.rebuild import rebuild
from shared.web.config import web_config
from shared.web.sessions import PORTAL, session_cookie

ITERATIONS = 200
TARGET_P50_MS = 30.0
TARGET_REQUESTS = 4


def run(bench: BenchContext) -> None:
    """Print each page's server time against the GetItem floor, and its DynamoDB requests."""
    os.environ.setdefault("WEB_SESSION_SECRET", "bench-web-session-secret")
    os.environ.setdefault("CLICK_TOKEN_SECRET", "bench-click-token-secret")
    web_config.cache_clear()
    plan = programs.PlanInput(plan_id="portal", name="Portal", lead_bounty=Money.of(5000, "USD"))
    ctx, ada = bench.program_context("portal", plan, minimum_payouts={"USD": 1000})
    deps.set_context(ctx)
    content.publish(ctx, DEMO_CONTENT)
    partners.set_payout_method(ctx, ada, PayoutMethod(kind=PayoutMethodKind.PAYPAL, reference="ada@paypal.example"))
    program = ctx.programs.get(ctx.program_id)
    submitted = [
        leads.submit_partner_lead(ctx, program, ada, leads.PartnerLeadInput(email=f"p{n}@prospect.example"))
        for n in range(3)
    ]
    leads.change_status(ctx, submitted[0].lead_id, LeadStatus.QUALIFIED)
    entries, _ = commissions.list_page(ctx, partner_id=ada, status=None, limit=10, cursor=None)
    commissions.approve_early(ctx, ada, entries[0]["commission_id"])
    # Pay this month's approved entry as the run after the month's end would (a run of a month that has not
    # ended is refused), so the earnings page lists a payout and its statement.
    period = datetime.now(UTC).strftime("%Y-%m")
    today = ctx.clock
    ctx.clock = FixedClock(payout_rules.period_cutoff(period) + timedelta(hours=1))
    PayoutRun(ctx, StripeTransfers("sk_test_unused", api_base="http://127.0.0.1:9", sleep=lambda _: None)).run(period)
    ctx.clock = today
    for n in range(20):  # twenty referred customers on the Customers page
        customer = CustomerAttribution(
            stripe_customer_id=f"cus_bench{n}", partner_id=ada, program_id=ctx.program_id,
            source=AttributionSource.REF_CODE, link_code="bench-link", touched_at=today.now(),
            attributed_at=today.now(), email_masked=f"c{n}***@customer.example", version=1,
        )  # fmt: skip
        ctx.commissions.write(LedgerWrite(today.now(), versioned=[(customer, 0)]))
    # The rollups as the stream would have kept them, and a leaderboard that shows names (the Reports page's
    # costliest case: the top ten's names are one more read).
    reports.save_recognition_settings(ctx, "qualified_leads", "USD", partners_see_names=True)
    rebuild(ctx.table, reports.this_month(ctx), write=True)
    issued = identity.issue_link(ctx, Audience.PORTAL, ada, "ada@partner.example")
    link = identity.consume_link(ctx, issued.token, Audience.PORTAL)
    assert link is not None
    session = identity.open_session(ctx, link)
    cookie = session_cookie(web_config().signing_key, PORTAL, session.session_id)

    counter = RequestCounter()
    counter.attach(bench.client)
    lambdas = LocalLambdas()

    def page(path: str) -> Any:
        found = lambdas.find_route("GET", path)
        assert found is not None, path
        event = http_event(
            route=found[0], method="GET", path=path, headers={"cookie": cookie, "host": "portal.bench"},
            path_parameters=found[1] or None,
        )  # fmt: skip
        with contextlib.redirect_stdout(io.StringIO()):  # the handler's EMF metrics
            response = to_http_response(lambdas.invoke("web", event))
        assert response.status == 200, (path, response.status, response.body[:300])
        return response

    floor_key = keys.partner(ada)
    floor = percentiles(time_calls(lambda: ctx.table.get(floor_key), ITERATIONS))
    print(row("floor: GetItem", {k: floor[k] for k in ("p50", "p90")}))
    pages = (
        "/portal",
        "/portal/links",
        "/portal/links/bench-link",
        "/portal/leads",
        "/portal/customers",
        "/portal/reports",
        "/portal/earnings",
        f"/portal/earnings/statements/{period}/USD",
        f"/portal/earnings/statements/{period}/USD.csv",
        "/portal/agreement",
        "/portal/resources",
        "/portal/payout-settings",
        "/portal/sign-in",
    )
    for path in pages:
        figures = percentiles(time_calls(lambda: page(path), ITERATIONS, warmup=20))  # noqa: B023 - called now
        counter.reset()
        page(path)
        verdict = "ok" if figures["p50"] <= TARGET_P50_MS and counter.count <= TARGET_REQUESTS else "OVER TARGET"
        print(
            row(path[:38], {k: figures[k] for k in ("p50", "p90")}, {k: floor[k] for k in ("p50", "p90")})
            + f"   ddb={counter.count} {dict(counter.by_operation)} [{verdict}]",
            flush=True,
        )
    deps.set_context(None)
