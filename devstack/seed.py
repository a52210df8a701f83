"""The demo seed: one program, one plan, one partner with a known local API key, and the link `demo`."""

from __future__ import annotations

import os

from shared.context import AppContext
from shared.core import keys
from shared.core.errors import Conflict
from shared.core.money import Money
from shared.links.models import LinkStatus, ReferralLink
from shared.partners import service as partners
from shared.partners.models import PartnerApiKey, PayoutMethod, PayoutMethodKind
from shared.programs import service as programs

DEMO_PARTNER_ID = "ptr_demo"
DEMO_PLAN_ID = "standard"
DEMO_LINK_CODE = "demo"


def seed_demo(ctx: AppContext) -> list[str]:
    """Create the demo data where it is missing (safe to run on every start); returns what it created."""
    created: list[str] = []
    domain = os.environ.get("DEMO_SITE_DOMAIN", "example.com")
    try:
        programs.create_plan(
            ctx,
            programs.PlanInput(
                plan_id=DEMO_PLAN_ID,
                name="Standard: 20% of every payment for 12 months, $50 per qualified lead",
                lead_bounty=Money.of(5000, "USD"),
                sale_rate="0.20",
                recurring_scope="months",
                recurring_count=12,
            ),
        )
        created.append(f"plan {DEMO_PLAN_ID}")
    except Conflict:
        pass
    if ctx.programs.find(ctx.program_id) is None:
        programs.save_program(
            ctx,
            programs.ProgramSettings(
                name="Demo referral program",
                allowed_destination_domains=[domain],
                landing_url=f"https://www.{domain}/",
                fallback_url=f"https://www.{domain}/partners",
                thank_you_url=f"https://www.{domain}/thanks",
                minimum_payouts={"USD": 5000, "EUR": 5000},
                default_plan_id=DEMO_PLAN_ID,
            ),
        )
        created.append(f"program {ctx.program_id}")
    if ctx.partners.find(DEMO_PARTNER_ID) is None:
        partners.create_partner(
            ctx,
            partners.PartnerInput(
                name="Demo Partner",
                email="partner@demo.example",
                company="Demo Consulting",
                plan_id=DEMO_PLAN_ID,
                payout_method=PayoutMethod(kind=PayoutMethodKind.PAYPAL, reference="partner@demo.example"),
            ),
            partner_id=DEMO_PARTNER_ID,
        )
        created.append(f"partner {DEMO_PARTNER_ID}")
    demo_key = os.environ.get("DEMO_PARTNER_API_KEY")
    if demo_key and ctx.partners.find_api_key(keys.sha256_hex(demo_key)) is None:
        ctx.partners.add_api_key(
            PartnerApiKey(
                key_id="key_demo",
                key_hash=keys.sha256_hex(demo_key),
                partner_id=DEMO_PARTNER_ID,
                program_id=ctx.program_id,
                label="demo (from .env)",
                prefix=demo_key[:10],
                created_at=ctx.clock.now(),
            )
        )
        created.append("demo partner API key")
    if ctx.links.find(DEMO_LINK_CODE) is None:
        ctx.links.create(
            ReferralLink(
                code=DEMO_LINK_CODE,
                partner_id=DEMO_PARTNER_ID,
                program_id=ctx.program_id,
                status=LinkStatus.ACTIVE,
                channel="generic",
                utm={"utm_source": "partner", "utm_medium": "referral"},
                created_at=ctx.clock.now(),
            )
        )
        created.append(f"link {DEMO_LINK_CODE}")
    return created
