"""Reports fixtures: the table's stream read by the same poller as `make dev`, delivering to the real rollup
function; the redirect pointed at this test's table and clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.streams import StreamPoller
from functions.redirect import app as redirect_app
from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.links.click_store import ClickRepository
from shared.links.redirect import Redirector
from tests.helpers.api import lambdas
from tests.integration.portal.conftest import ada, bob, mail_dir, program  # noqa: F401 - the portal's fixtures

SECRET = "test-click-token-secret"


@pytest.fixture
def stream(ctx: AppContext) -> StreamPoller:
    """The table's stream (enabled before the test writes anything), delivered to the rollup function."""
    return StreamPoller(ctx.table.client, ctx.table.name, lambda name, event: lambdas().invoke(name, event))


@pytest.fixture
def redirector(ctx: AppContext, clock: FixedClock) -> Iterator[Redirector]:
    """The redirect function on this test's table and clock."""
    instance = Redirector(ClickRepository(ctx.table), "default", lambda: SECRET, clock=lambda: clock.now().timestamp())
    redirect_app.set_redirector(instance)
    yield instance
    redirect_app.set_redirector(None)
