"""docs/status-policy.md, the portal session row: only an active partner's session serves pages; a paused or
terminated partner's session ends (sign-in page), and a pending one never gets a sign-in link."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.context import AppContext
from shared.partners import service as partners
from shared.partners.models import Partner, PartnerStatus
from shared.partners.service import PartnerInput
from tests.helpers.browser_client import PageClient

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("status", "portal"),
    [(PartnerStatus.ACTIVE, 200), (PartnerStatus.PAUSED, 303), (PartnerStatus.TERMINATED, 303)],
)
def test_a_signed_in_partners_session_serves_pages_only_while_it_is_active(  # noqa: PLR0917 - fixtures
    browser: PageClient, ada: Partner, mail_dir: Path, ctx: AppContext, status: PartnerStatus, portal: int
) -> None:
    # Given Ada signed in to the portal
    browser.sign_in("ada@partners.example", mail_dir)
    # When staff set her status
    partners.change_status(ctx, ada.partner_id, status, "policy test")
    # Then the portal answers as the table says (303: to the sign-in page)
    response = browser.get("/portal")
    assert response.status == portal
    if portal == 303:
        assert "/portal/sign-in" in response.headers["location"]


def test_a_pending_partner_gets_no_sign_in_link(
    browser: PageClient, ctx: AppContext, program: None, mail_dir: Path
) -> None:
    # Given an applicant not yet approved
    partners.create_partner(ctx, PartnerInput(name="Pat", email="pat@partners.example", status=PartnerStatus.PENDING))
    # When it asks for a sign-in link
    browser.get("/portal/sign-in")
    browser.post("/portal/sign-in", {"email": "pat@partners.example"})
    # Then no email is sent
    assert not list(mail_dir.glob("*.eml"))
