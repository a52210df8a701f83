"""The local stack a browser needs: DynamoDB Local (in memory), the table, the demo seed plus a payout and
a few leads, every route of template.yaml served over HTTP on a free port, and mail written to a folder."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from devstack.dynamodb_local import DynamoDBLocal, create_table, free_port, local_environment, make_local_client
from devstack.seed import DEMO_PARTNER_ID, seed_demo
from shared import context as deps
from shared.commissions import service as commissions
from shared.context import AppContext
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
    """A running local stack: its URL, mail folder and context."""

    base_url: str
    mail_dir: Path
    ctx: AppContext


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
        seed_demo(ctx)
        if seed:
            seed_activity(ctx)
        server = make_server("127.0.0.1", port, lambdas(), quiet=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield Stack(base_url=f"http://127.0.0.1:{port}", mail_dir=mail_dir, ctx=ctx)
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        database.stop()
        deps.set_context(None)
        os.environ.clear()
        os.environ.update(saved)
        web_config.cache_clear()
