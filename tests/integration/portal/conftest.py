"""Portal fixtures: a mail folder per test, the program with its content, two partners with a link each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.content import service as content
from shared.content.models import Resource, ResourceKind
from shared.context import AppContext
from shared.core.money import Money
from shared.links.models import ReferralLink
from shared.partners import service as partners
from shared.partners.models import Partner
from shared.programs import service as programs
from shared.web.config import web_config
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient


@pytest.fixture
def mail_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every email of the test lands here as an .eml file."""
    folder = tmp_path / "mail"
    monkeypatch.setenv("MAIL_DIR", str(folder))
    monkeypatch.delenv("MAIL_TRANSPORT", raising=False)
    web_config.cache_clear()
    yield folder
    web_config.cache_clear()


@pytest.fixture
def program(ctx: AppContext) -> None:
    """A program with a plan, an agreement and two resources."""
    programs.create_plan(ctx, programs.PlanInput(plan_id="std", name="Standard", lead_bounty=Money.of(5000, "USD")))
    programs.save_program(
        ctx,
        programs.ProgramSettings(
            name="Test program",
            allowed_destination_domains=["example.com"],
            landing_url="https://www.example.com/",
            fallback_url="https://www.example.com/partners",
            default_plan_id="std",
        ),
    )
    content.publish(
        ctx,
        content.ContentInput(
            agreement_version="2026-11",
            agreement_text="# Terms\n\nYou earn **20 %** of every payment.",
            resources=[
                Resource(kind=ResourceKind.VALUE_PROPOSITION, title="Why customers buy", body="- Fast\n- Cheap"),
                Resource(kind=ResourceKind.FAQ, title="FAQ", body="**When am I paid?** Monthly."),
            ],
        ),
    )


def _partner(ctx: AppContext, name: str, email: str, code: str) -> Partner:
    partner = partners.create_partner(ctx, partners.PartnerInput(name=name, email=email, plan_id="std"))
    ctx.links.create(
        ReferralLink(code=code, partner_id=partner.partner_id, program_id=ctx.program_id, created_at=ctx.clock.now())
    )
    return partner


@pytest.fixture
def ada(ctx: AppContext, program: None) -> Partner:
    """Partner Ada, with link ada-link."""
    return _partner(ctx, "Ada Lovelace", "ada@partners.example", "ada-link")


@pytest.fixture
def bob(ctx: AppContext, program: None) -> Partner:
    """Partner Bob, with link bob-link."""
    return _partner(ctx, "Bob Builder", "bob@partners.example", "bob-link")


@pytest.fixture
def browser(api: ApiClient) -> PageClient:
    """A browser with no cookies yet."""
    return PageClient(api)
