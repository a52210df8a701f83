"""Console fixtures: the portal's (mail folder, program, partners, a browser), staff emails, a signed-in staff
browser and a pending application."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.context import AppContext
from shared.onboarding import service as onboarding
from shared.onboarding.models import Application
from shared.web.config import web_config
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient
from tests.integration.portal.conftest import ada, bob, browser, mail_dir, program  # noqa: F401 - fixtures

STAFF = "admin@company.example"


@pytest.fixture(autouse=True)
def staff_emails(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """STAFF_EMAILS lists one staff member (with spaces and capitals, as people type it)."""
    monkeypatch.setenv("STAFF_EMAILS", " Admin@Company.example , other@company.example")
    web_config.cache_clear()
    yield
    web_config.cache_clear()


@pytest.fixture
def staff(api: ApiClient, mail_dir: Path, program: None) -> PageClient:  # noqa: F811 - fixtures
    """A browser signed in to the console as STAFF, through the emailed link."""
    client = PageClient(api, ip="198.51.100.20")
    done = client.sign_in(STAFF, mail_dir, area="/console")
    assert done.status == 303 and done.headers["location"] == "/console"
    return client


@pytest.fixture
def application(ctx: AppContext, program: None) -> Application:  # noqa: F811 - fixtures
    """Carol applied at /apply and waits in the queue."""
    found = onboarding.apply(
        ctx,
        onboarding.ApplicationInput(
            name="Carol Consultant",
            email="carol@consulting.example",
            company="Carol Consulting",
            website="https://carol.example",
            audience="CFOs of mid-size firms",
            promotion="A newsletter and workshops",
            accept_terms=True,
        ),
        ip_subject="test-ip",
        language="en",
    )
    assert found is not None
    return found
