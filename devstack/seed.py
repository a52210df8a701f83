"""The demo seed: one program, one plan, one partner with a known local API key, and the link `demo`."""

from __future__ import annotations

import os

from shared.content import service as content
from shared.content.models import Resource, ResourceKind
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
    if content.program_content(ctx).agreement_version is None:
        content.publish(ctx, DEMO_CONTENT)
        created.append("agreement and resources")
    return created


# What the portal's Agreement and Resources pages show until the staff console edits them.
DEMO_CONTENT = content.ContentInput(
    agreement_version="2026-11",
    agreement_text="""# Demo partner agreement

This agreement is between **Demo Inc.** and you, the partner.

## What you earn
- **20 %** of every payment of a customer you refer, for their first 12 months.
- **$50** for every lead that our sales team qualifies.

## When you are paid
Commissions wait **30 days** (the refund period), then the monthly payout pays everything above the minimum.
A refund or a lost dispute takes its commission back.

## What we ask
1. Be honest about the product: no spam, no paid ads on our brand name.
2. Refer others, not yourself or your own company.

Questions: [partners@demo.example](mailto:partners@demo.example).""",
    resources=[
        Resource(
            kind=ResourceKind.VALUE_PROPOSITION,
            title="Why companies buy Demo",
            body="Demo saves finance teams **two days a month** of manual reconciliation.\n\n"
            "- Connects to Stripe in five minutes\n- Every number traceable to its invoice\n- Free for 14 days",
        ),
        Resource(
            kind=ResourceKind.IDEAL_CUSTOMER,
            title="Who to refer",
            body="B2B SaaS companies with **10 to 200 employees** that bill through Stripe and close their books monthly. "
            "Ask for the *head of finance* or the *CFO*.",
        ),
        Resource(
            kind=ResourceKind.TRAINING,
            title="Your first referral in three steps",
            body="1. Copy your link on the **Links** page.\n2. Send it to one company you know well, with a line about why.\n"
            "3. Or submit them as a lead: our team follows up within a day.",
        ),
        Resource(
            kind=ResourceKind.FAQ,
            title="Questions partners ask",
            body="**How long does a referral count?** 90 days after the click.\n\n"
            "**Who wins when two partners refer the same company?** The first one.\n\n"
            "**Can I refer my own company?** No: self-referrals earn nothing.",
        ),
    ],
)
