"""`python -m tests.browser.report_screenshots`: the report pages (the portal's Reports page
with the partner's rank, the console's Reports page with the leaderboard and partner health) at 390 and 1280 px,
in English and Brazilian Portuguese, into docs/screenshots/. The demo activity is seeded before the stream is
read, so the rollups are backfilled the documented way: `rebuild(..., write=True)`."""

from __future__ import annotations

import re
import sys
from typing import Any

from tests.browser.console_flow import staff_sign_in
from tests.browser.screenshots import LANGUAGES, WIDTHS, shoot
from tests.browser.stack import CHROMIUM, CHROMIUM_ARGS, local_stack
from tests.helpers.browser_client import newest_sign_in_link


def given_rollups(ctx: Any) -> None:
    """The seeded activity counted in the rollups; the demo partner is this month's partner of the month."""
    from datetime import timedelta

    from shared.core.money import Money
    from shared.groups import service as groups
    from shared.reports import service
    from shared.reports.rebuild import rebuild

    month = service.this_month(ctx)
    # The demo partner has been in the Agencies group since before its activity: the console's Groups table.
    groups.save_group(ctx, groups.GroupInput(group_id="agencies", name="Agencies"), actor="demo")
    ctx.partners.move_to_group("ptr_demo", "agencies", at=ctx.clock.now() - timedelta(days=400))
    rebuild(ctx.table, month, write=True)
    service.save_recognition_settings(ctx, "qualified_leads", "USD", partners_see_names=True)
    service.choose_partner_of_month(
        ctx, month, "ptr_demo", "Three qualified leads in a week", reward=Money.of(5000, "USD"), actor="demo"
    )


def main() -> int:
    """Start a stack, backfill its rollups, photograph the report pages in each language and width."""
    from playwright.sync_api import sync_playwright

    taken = []
    with local_stack() as stack, sync_playwright() as playwright:
        given_rollups(stack.ctx)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for language, accept in LANGUAGES.items():
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 860}, locale=accept)
                page = context.new_page()
                page.goto(f"{stack.base_url}/portal/sign-in")
                page.get_by_label(re.compile("^(Email|E-mail)$")).fill("partner@demo.example")
                page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
                page.goto(newest_sign_in_link(stack.mail_dir))
                page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
                page.wait_for_url(re.compile(re.escape(stack.base_url) + r"/portal(/agreement)?$"))
                for name, path in (("reports", "/portal/reports"),):
                    page.goto(stack.base_url + path)
                    taken.append(shoot(page, name, language, width))
                context.close()
                context = browser.new_context(viewport={"width": width, "height": 860}, locale=accept)
                page = context.new_page()
                staff_sign_in(page, stack.base_url, stack.mail_dir)
                page.goto(stack.base_url + "/console/reports")
                taken.append(shoot(page, "reports", language, width, "console"))
                context.close()
        browser.close()
    print(f"{len(taken)} screenshots: " + ", ".join(p.name for p in taken))
    return 0


if __name__ == "__main__":
    sys.exit(main())
