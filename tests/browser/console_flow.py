"""Steps a staff member takes in the console, shared by the browser tests and the screenshot script."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.stack import PAYOUT_PERIOD, STAFF_EMAIL
from tests.helpers.browser_client import newest_sign_in_link

CONSOLE_PAGES = (
    ("overview", "/console"),
    ("applications", "/console/applications"),
    ("partners", "/console/partners"),
    ("partner", "/console/partners/ptr_demo"),
    ("leads", "/console/leads"),
    ("commissions", "/console/commissions"),
    ("invite", "/console/invite"),
    ("groups", "/console/groups"),
    ("agreement", "/console/agreement"),
    ("resources", "/console/resources"),
    ("payouts", f"/console/payouts?period={PAYOUT_PERIOD}&preview=1"),
    ("settings", "/console/settings"),
    ("audit", "/console/audit"),
)
"""(name, path) of every signed-in console page, for the accessibility check and the screenshots."""


def staff_sign_in(page: Any, base_url: str, mail_dir: Path, email: str = STAFF_EMAIL) -> str:
    """Ask for a console link, open the newest email's link, confirm: lands on the console's overview."""
    before = set(mail_dir.glob("*.eml"))
    page.goto(f"{base_url}/console")
    page.wait_for_url(f"{base_url}/console/sign-in")
    page.get_by_label(re.compile("^(Email|E-mail)$")).fill(email)
    page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
    page.wait_for_url(f"{base_url}/console/sign-in")
    assert set(mail_dir.glob("*.eml")) != before, "no sign-in email was written"
    link = newest_sign_in_link(mail_dir)
    assert "/console/sign-in/confirm" in link
    page.goto(link)
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
