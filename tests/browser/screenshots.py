"""`make screenshots`: every portal and console page (and /apply) at 390 px (a phone) and 1280 px (a laptop), in
English and Brazilian Portuguese, into docs/screenshots/{portal,console}-<page>-<language>-<width>.png, against
a fresh local stack."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from tests.browser.console_flow import CONSOLE_PAGES, application_page, given_console_data, staff_sign_in
from tests.browser.stack import CHROMIUM, CHROMIUM_ARGS, PAYOUT_PERIOD, local_stack
from tests.helpers.browser_client import newest_sign_in_link

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = (390, 1280)
LANGUAGES = {"en": "en-US", "pt_BR": "pt-BR"}
PAGES = (
    ("dashboard", "/portal"),
    ("links", "/portal/links"),
    ("link-clicks", "/portal/links/demo"),
    ("leads", "/portal/leads"),
    ("customers", "/portal/customers"),
    ("reports", "/portal/reports"),
    ("earnings", "/portal/earnings"),
    ("statement", f"/portal/earnings/statements/{PAYOUT_PERIOD}/USD"),
    ("agreement", "/portal/agreement"),
    ("resources", "/portal/resources"),
    ("payout-settings", "/portal/payout-settings"),
)


def shoot(page: Any, name: str, language: str, width: int, area: str = "portal") -> Path:
    """A full-page PNG of what the page shows now."""
    path = OUT / f"{area}-{name}-{language}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def given_recognition(ctx: Any) -> None:
    """The program shows names on its leaderboard and the demo partner is this month's partner of the month (the
    rollups themselves come from the stack's stream, drained as in AWS)."""
    from tests.browser.report_screenshots import given_rollups  # it imports this module: imported when used

    given_rollups(ctx)


def shoot_console(browser: Any, stack: Any, language: str, accept: str, width: int) -> list[Path]:
    """The application form, the console's sign-in and every console page, signed in as the staff member."""
    context = browser.new_context(viewport={"width": width, "height": 860}, locale=accept)
    page = context.new_page()
    page.goto(f"{stack.base_url}/apply")
    taken = [shoot(page, "apply", language, width, "console")]
    page.goto(f"{stack.base_url}/apply/thanks")
    taken.append(shoot(page, "apply-thanks", language, width, "console"))
    page.goto(f"{stack.base_url}/console/sign-in")
    taken.append(shoot(page, "sign-in", language, width, "console"))
    staff_sign_in(
        page,
        stack.base_url,
        stack.mail_dir,
        on_step=lambda step: taken.append(shoot(page, step, language, width, "console")),
    )
    for name, path in CONSOLE_PAGES:
        page.goto(stack.base_url + path)
        taken.append(shoot(page, name, language, width, "console"))
    page.goto(f"{stack.base_url}/console/webhooks")
    taken.append(shoot(page, "webhooks", language, width, "console"))
    application = application_page(page, stack.base_url)
    if application:
        page.goto(stack.base_url + application)
        taken.append(shoot(page, "application", language, width, "console"))
    context.close()
    return taken


def main(argv: list[str] | None = None) -> int:
    """Start a stack, sign in as the demo partner in each language and width, photograph every page
    (`--console`: the console's pages and /apply only)."""
    console_only = "--console" in (sys.argv[1:] if argv is None else argv)
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with local_stack() as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        given_recognition(stack.ctx)
        given_console_data(stack.ctx)
        for language, accept in LANGUAGES.items():
            for width in WIDTHS:
                if console_only:
                    taken += shoot_console(browser, stack, language, accept, width)
                    continue
                context = browser.new_context(viewport={"width": width, "height": 860}, locale=accept)
                page = context.new_page()
                page.goto(f"{stack.base_url}/portal/sign-in")
                taken.append(shoot(page, "sign-in", language, width))
                page.get_by_label(re.compile("^(Email|E-mail)$")).fill("partner@demo.example")
                page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
                taken.append(shoot(page, "check-email", language, width))
                page.goto(f"{stack.base_url}/portal/sign-in/confirm?token=not-a-token")
                taken.append(shoot(page, "link-refused", language, width))
                page.goto(newest_sign_in_link(stack.mail_dir))
                taken.append(shoot(page, "confirm", language, width))
                page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
                page.wait_for_url(re.compile(re.escape(stack.base_url) + r"/portal(/agreement)?$"))
                for name, path in PAGES:
                    page.goto(stack.base_url + path)
                    taken.append(shoot(page, name, language, width))
                context.close()
                taken += shoot_console(browser, stack, language, accept, width)
        browser.close()
    print(f"{len(taken)} screenshots in {OUT.relative_to(OUT.parents[1])}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
