"""Steps a person takes in the portal, shared by the browser tests and the screenshot script."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.browser.stack import AXE_JS
from tests.helpers.browser_client import newest_sign_in_link


def sign_in(page: Any, base_url: str, email: str, mail_dir: Path) -> str:
    """Ask for a link on the sign-in page, open the newest email's link, confirm: returns the link used."""
    before = set(mail_dir.glob("*.eml"))
    page.goto(f"{base_url}/portal")
    page.get_by_label(re.compile("^(Email|E-mail)$")).fill(email)
    page.get_by_role("button", name=re.compile("sign-in link|link de acesso")).click()
    page.wait_for_url(f"{base_url}/portal/sign-in")
    assert set(mail_dir.glob("*.eml")) != before, "no sign-in email was written"
    link = newest_sign_in_link(mail_dir)
    page.goto(link)
    page.get_by_role("button", name=re.compile("^(Sign in|Entrar)$")).click()
    # The dashboard, or first the agreement when the partner has not accepted the version in force
    page.wait_for_url(re.compile(re.escape(base_url) + r"/portal(/agreement)?$"))
    return link


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations axe-core finds on the page (WCAG 2 A/AA + best practice)."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in json.loads(json.dumps(result)) if v["impact"] in ("serious", "critical")]
