"""The local stack a browser needs: DynamoDB Local (in memory), the table, the demo seed plus a payout and
a few leads, clicks and referred customers, every route of template.yaml served over HTTP on a free port, mail written
to a folder, and the table's stream drained into the rollups function (as in AWS), so the pages' rollup-fed figures
(dashboard, reports, a link's months) show the seeded activity."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devstack.dynamodb_local import DynamoDBLocal, create_table, free_port, local_environment, make_local_client
from devstack.seed import DEMO_PARTNER_ID, seed_demo
from devstack.streams import StreamPoller, stream_consumers
from shared import context as deps
from shared.commissions import service as commissions
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.dynamo import Table
from shared.core.settings import Settings
from shared.leads import service as leads
from shared.leads.models import LeadStatus
from shared.payouts.rules import period_cutoff
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from shared.web.config import web_config

PAYOUT_PERIOD = datetime.now(UTC).strftime("%Y-%m")  # the demo partner is paid this month
CHROMIUM = "/usr/bin/chromium"
STAFF_EMAIL = "admin@demo.example"  # the local default of STAFF_EMAILS (.env.example)
AXE_JS = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Stack:
    """A running local stack: its URL, mail folder and context; `drain()` delivers the table's stream to the
    rollups function now (a poller also runs in the background, as Lambda's does)."""

    base_url: str
    mail_dir: Path
    ctx: AppContext
    drain: Callable[[], int] = lambda: 0


def seed_referrals(ctx: AppContext) -> None:
    """Clicks on the demo link over three months, and three customers who came through it, told by the same
    Stripe events a real stack receives (shared.commissions.webhook): one paying monthly, one who cancelled,
    one refunded in full."""
    from shared.commissions.webhook import handle_event
    from shared.links.click_rules import CLICK_SHARDS
    from shared.links.click_store import ClickRepository
    from tests.helpers import stripe_payloads as sp

    now = ctx.clock.now()
    clicks = ClickRepository(ctx.table)
    for months_ago, visitors in ((2, 9), (1, 14), (0, 6)):
        index = now.year * 12 + now.month - 1 - months_ago
        day = now.replace(year=index // 12, month=index % 12 + 1, day=min(now.day, 28))
        for n in range(visitors):
            visitor = keys.sha256_hex(f"visitor-{months_ago}-{n}")
            for _ in range(1 + n % 3):
                clicks.record_click("demo", n % CLICK_SHARDS, day.date().isoformat(), visitor, int(day.timestamp()))
    stamp = int(now.timestamp())
    for customer, email, payments in (
        ("cus_demoLucia", "lucia.ferreira@northwind.example", 2),
        ("cus_demoTom", "tom.becker@contoso.example", 1),
        ("cus_demoSara", "sara.kim@fabrikam.example", 1),
    ):
        session = sp.checkout_session(
            customer=customer, metadata={"ref": "demo"}, email=email, subscription=f"sub_{customer}"
        )
        handle_event(ctx, sp.event("checkout.session.completed", session, created=stamp))
        for n in range(payments):
            invoice = sp.invoice(
                customer=customer,
                subscription=f"sub_{customer}",
                amount_paid=4900,
                paid_at=stamp - 86400 * (payments - n),
            )
            invoice["customer_email"] = email
            handle_event(ctx, sp.event("invoice.paid", invoice, created=stamp))
            linked = sp.invoice_payment(invoice_id=invoice["id"], payment_intent=f"pi_{customer}_{n}", amount=4900)
            handle_event(ctx, sp.event("invoice_payment.paid", linked, created=stamp))
    ended = {**sp.subscription_deleted(subscription="sub_cus_demoTom", customer="cus_demoTom"), "ended_at": stamp}
    handle_event(ctx, sp.event("customer.subscription.deleted", ended, created=stamp))
    refund = sp.refund(payment_intent="pi_cus_demoSara_0", amount=4900)
    handle_event(ctx, sp.event("refund.created", refund, created=stamp))


def seed_activity(ctx: AppContext) -> None:
    """What makes the demo partner's pages worth looking at, written through the slices' own services: three
    leads qualified by sales (each earns the plan's bounty), two approved early and paid this month."""
    program = ctx.programs.get(ctx.program_id)
    submitted = [
        leads.submit_partner_lead(
            ctx, program, DEMO_PARTNER_ID, leads.PartnerLeadInput(email=email, name=name, company=company)
        )
        for email, name, company in (
            ("maria.silva@acme.example", "Maria Silva", "Acme Ltda"),
            ("john.doe@globex.example", "John Doe", "Globex"),
            ("ana.souza@umbrella.example", "Ana Souza", "Umbrella SA"),
        )
    ]
    for submission in submitted:
        leads.change_status(ctx, submission.lead_id, LeadStatus.QUALIFIED)
    entries, _ = commissions.list_page(ctx, partner_id=DEMO_PARTNER_ID, status=None, limit=10, cursor=None)
    for entry in entries[:2]:
        commissions.approve_early(ctx, DEMO_PARTNER_ID, entry["commission_id"])
    # A paying run needs its period over: this month's is run by a clock standing just after the month ends.
    after_the_month = replace(ctx, clock=FixedClock(period_cutoff(PAYOUT_PERIOD) + timedelta(minutes=1)))
    transfers = StripeTransfers("sk_test_unused", api_base="http://127.0.0.1:9", sleep=lambda _: None)
    PayoutRun(after_the_month, transfers).run(PAYOUT_PERIOD)


@contextmanager
def local_stack(*, seed: bool = True) -> Iterator[Stack]:
    """Start everything, yield it, stop everything and restore the environment."""
    from devstack.gateway import make_server  # imported late: the handlers read the environment
    from tests.helpers.api import lambdas

    saved = dict(os.environ)
    stop = threading.Event()
    database = DynamoDBLocal(free_port())
    database.start()
    server = None
    try:
        port = free_port()
        mail_dir = Path(tempfile.mkdtemp(prefix="portal-mail-"))
        os.environ.update(local_environment(database.endpoint))
        os.environ.update(
            TABLE_NAME=f"browser-{os.getpid()}",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
            MAIL_DIR=str(mail_dir),
            DEMO_SITE_DOMAIN="example.com",
            STAFF_EMAILS=STAFF_EMAIL,
        )
        os.environ.pop("MAIL_TRANSPORT", None)
        web_config.cache_clear()
        client = make_local_client(database.endpoint)
        create_table(client, os.environ["TABLE_NAME"])
        settings = Settings(
            table_name=os.environ["TABLE_NAME"], program_id="default", public_base_url=os.environ["PUBLIC_BASE_URL"]
        )
        ctx = AppContext(table=Table(client=client, name=settings.table_name), settings=settings)
        deps.set_context(ctx)
        # The stream is read from its start, so every seeded write reaches the rollups function.
        rollups = {name: size for name, size in stream_consumers().items() if name == "rollups"}
        poller = StreamPoller(client, settings.table_name, lambdas().invoke, rollups)
        seed_demo(ctx)
        if seed:
            seed_activity(ctx)
            seed_referrals(ctx)
        poller.drain(settle=0.5)  # a loaded machine can show a record late
        poller.start(stop)
        server = make_server("127.0.0.1", port, lambdas(), quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield Stack(base_url=f"http://127.0.0.1:{port}", mail_dir=mail_dir, ctx=ctx, drain=poller.drain)
    finally:
        stop.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        database.stop()
        deps.set_context(None)
        os.environ.clear()
        os.environ.update(saved)
        web_config.cache_clear()
