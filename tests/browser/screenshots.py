"""`make screenshots`: every portal page at 390 px (a phone) and 1280 px (a laptop), in English and Brazilian
Portuguese, into docs/screenshots/portal-<page>-<language>-<width>.png, against a fresh local stack."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

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
    ("earnings", "/portal/earnings"),
    ("statement", f"/portal/earnings/statements/{PAYOUT_PERIOD}/USD"),
    ("agreement", "/portal/agreement"),
    ("resources", "/portal/resources"),
    ("payout-settings", "/portal/payout-settings"),
)


def shoot(page: Any, name: str, language: str, width: int) -> Path:
    """A full-page PNG of what the page shows now."""
    path = OUT / f"portal-{name}-{language}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def main() -> int:
    """Start a stack, sign in as the demo partner in each language and width, photograph every page."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with local_stack() as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for language, accept in LANGUAGES.items():
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 860}, locale=accept)
                page = context.new_page()
                page.goto(f"{stack.base_url}/portal/sign-in")
                taken.append(shoot(page, "sign-in", language, width))
                page.get_by_label(re.compile("^(Email|E-mail)$")).fill("partner@demo.example")
                page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
                taken.append(shoot(page, "check-email", language, width))
                page.goto(newest_sign_in_link(stack.mail_dir))
                taken.append(shoot(page, "confirm", language, width))
                page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
                page.wait_for_url(re.compile(re.escape(stack.base_url) + r"/portal(/agreement)?$"))
                for name, path in PAGES:
                    page.goto(stack.base_url + path)
                    taken.append(shoot(page, name, language, width))
                context.close()
        browser.close()
    print(f"{len(taken)} screenshots in {OUT.relative_to(OUT.parents[1])}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
