"""Steps a staff member takes in the console, shared by the browser tests and the screenshot script."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser.stack import PAYOUT_PERIOD, STAFF_EMAIL
from tests.helpers.browser_client import newest_sign_in_link

GROUP_ID = "agencies"
FLAGGED_PARTNER = "Rita Reseller"

CONSOLE_PAGES = (
    ("overview", "/console"),
    ("applications", "/console/applications"),
    ("partners", "/console/partners"),
    ("partner", "/console/partners/ptr_demo"),
    ("leads", "/console/leads"),
    ("review", "/console/review"),
    ("commissions", "/console/commissions"),
    ("invite", "/console/invite"),
    ("groups", "/console/groups"),
    ("group", f"/console/groups/{GROUP_ID}"),
    ("group-agreement", f"/console/groups/{GROUP_ID}/agreement"),
    ("group-resources", f"/console/groups/{GROUP_ID}/resources"),
    ("agreement", "/console/agreement"),
    ("resources", "/console/resources"),
    ("payouts", f"/console/payouts?period={PAYOUT_PERIOD}&preview=1"),
    ("settings", "/console/settings"),
    ("audit", "/console/audit"),
)
"""(name, path) of every signed-in console page, for the accessibility check and the screenshots."""

OTHER_SLICES_PAGES = (("reports", "/console/reports"), ("webhooks", "/console/webhooks"))
"""Console pages other slices serve (shared.reports, shared.webhooks): in the accessibility check and the partner
session's refusal; the reports' screenshots come from tests/browser/report_screenshots.py (with rollups)."""


def application_page(page: Any, base_url: str) -> str | None:
    """The path of the oldest application waiting in the queue (its detail page), if any."""
    page.goto(f"{base_url}/console/applications")
    first = page.locator("main a[href^='/console/applications/']").first
    return str(first.get_attribute("href")) if first.count() else None


def given_console_data(ctx: Any) -> None:
    """What the console's pages show beyond the demo seed: Carla's application waiting in the queue, an agencies
    group with its own agreement and a resource, and its member Rita, whose self-purchase commission waits in
    review."""
    from datetime import timedelta

    from shared.commissions.models import Commission, CommissionStatus
    from shared.commissions.store import LedgerWrite
    from shared.content import service as content
    from shared.content.models import Resource, ResourceKind
    from shared.core.money import Money
    from shared.groups import service as groups
    from shared.onboarding import service as onboarding
    from shared.partners import service as partners

    onboarding.apply(
        ctx,
        onboarding.ApplicationInput(
            name="Carla Mendes",
            email="carla@consultoria.example",
            company="Mendes Consultoria",
            website="https://consultoria.example",
            audience="Finance teams of mid-size companies",
            promotion="A monthly newsletter and workshops",
            accept_terms=True,
        ),
        ip_subject="console-data",
        language="pt_BR",
    )
    staff = STAFF_EMAIL
    groups.save_group(ctx, groups.GroupInput(group_id=GROUP_ID, name="Agencies"), actor=staff)
    content.publish_agreement(
        ctx,
        content.AgreementInput(
            version="agencies-2026", text="# Agency terms\n\nAgencies earn **25 %** of every payment."
        ),
        actor=staff,
        group_id=GROUP_ID,
    )
    content.save_resources(
        ctx,
        [Resource(kind=ResourceKind.TRAINING, title="Agency pitch deck", body="[Slides](https://example.com/deck)")],
        GROUP_ID,
    )
    rita = partners.create_partner(ctx, partners.PartnerInput(name=FLAGGED_PARTNER, email="rita@reseller.example"))
    groups.move_partner(ctx, rita.partner_id, GROUP_ID, actor=staff)
    now = ctx.clock.now()
    flagged = Commission(
        commission_id="com_in_selfpurchase_sale",
        partner_id=rita.partner_id,
        program_id=ctx.program_id,
        amount=Money.of(4800, "USD"),
        status=CommissionStatus.NEEDS_REVIEW,
        rule="sale",
        review_reason="self-referral: the buyer's email is the partner's own email",
        available_at=now + timedelta(days=30),
        created_at=now,
        updated_at=now,
    )
    ctx.commissions.write(LedgerWrite(now, new_entries=[flagged]))


def staff_sign_in(
    page: Any, base_url: str, mail_dir: Path, email: str = STAFF_EMAIL, on_step: Callable[[str], Any] | None = None
) -> str:
    """Ask for a console link, open the newest email's link, confirm: lands on the console's overview.
    `on_step("check-email")` and `on_step("confirm")` run on the pages in between (the screenshots)."""
    before = set(mail_dir.glob("*.eml"))
    page.goto(f"{base_url}/console")
    page.wait_for_url(f"{base_url}/console/sign-in")
    page.get_by_label(re.compile("^(Email|E-mail)$")).fill(email)
    page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
    page.wait_for_url(f"{base_url}/console/sign-in")
    assert set(mail_dir.glob("*.eml")) != before, "no sign-in email was written"
    if on_step:
        on_step("check-email")
    link = newest_sign_in_link(mail_dir)
    assert "/console/sign-in/confirm" in link
    page.goto(link)
    if on_step:
        on_step("confirm")
    page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
    page.wait_for_url(f"{base_url}/console")
    return link


def apply(page: Any, base_url: str, name: str, email: str) -> None:
    """A visitor fills in /apply and is thanked."""
    page.goto(f"{base_url}/apply")
    page.get_by_label(re.compile("^Name")).fill(name)
    page.get_by_label(re.compile("^Email")).fill(email)
    page.get_by_label(re.compile("^Company")).fill(f"{name} Consulting")
    page.get_by_label(re.compile("^Website")).fill("https://consulting.example")
    page.get_by_label("Who is your audience?").fill("Finance teams")
    page.get_by_label(re.compile("^How will you promote")).fill("A monthly newsletter")
    page.get_by_label("I accept the program's terms").check()
    page.get_by_role("button", name="Send my application").click()
    page.wait_for_url(f"{base_url}/apply/thanks")
