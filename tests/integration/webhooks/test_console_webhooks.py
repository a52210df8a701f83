"""The console's Webhooks page: staff see the endpoints and an endpoint's deliveries with their last answer,
replay a failed one and disable an endpoint; partners never reach it."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.context import AppContext
from shared.core.clock import FixedClock
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import ADMIN
from tests.integration.console.conftest import STAFF, staff, staff_emails  # noqa: F401 - the console's fixtures
from tests.integration.portal.conftest import mail_dir, program  # noqa: F401 - the portal's fixtures
from tests.integration.webhooks.conftest import Receiver, deliver, publish_to_webhooks, register
from tests.integration.webhooks.test_webhook_deliveries import an_event

pytestmark = pytest.mark.integration


def test_staff_see_a_failed_delivery_and_replay_it_from_the_console(  # noqa: PLR0917 - fixtures
    api: ApiClient,
    ctx: AppContext,
    clock: FixedClock,
    receiver: Receiver,
    mail_dir: Path,  # noqa: F811 - fixture
    staff: PageClient,  # noqa: F811 - fixture
) -> None:
    # Given an endpoint whose receiver refused an event until its retries ran out
    endpoint = register(api, receiver.url, ["commission.created"])
    receiver.statuses = [410] * 13
    publish_to_webhooks(ctx, [an_event()])
    deliver(ctx)
    for _ in range(50):
        clock.advance(hours=1)
        deliver(ctx)
    assert len(receiver.received) == 13

    # When staff sign in again (the day and a half ended their session) and open the Webhooks page
    assert staff.sign_in(STAFF, mail_dir, area="/console").status == 303
    page = staff.get("/console/webhooks")

    # Then they see the endpoint and its failed delivery with the receiver's last answer
    assert page.status == 200
    assert receiver.url in staff.text
    deliveries = staff.text.split('id="deliveries-h"')[1]
    assert "commission.created" in deliveries and "Failed" in deliveries and "HTTP 410" in deliveries

    # And when they replay it, the receiver gets the event again and the page says it was delivered
    [listed] = api.get(f"/admin/webhook-endpoints/{endpoint['endpoint_id']}/deliveries", headers=ADMIN).json["items"]
    replayed = staff.post(
        "/console/webhooks/replay", {"endpoint_id": endpoint["endpoint_id"], "delivery_id": listed["delivery_id"]}
    )
    assert replayed.status == 303
    staff.get(replayed.headers["location"])
    assert "The delivery will be sent again in a moment." in staff.text
    deliver(ctx)
    assert len(receiver.received) == 14
    staff.get(f"/console/webhooks?endpoint={endpoint['endpoint_id']}&status=succeeded")
    assert "Delivered" in staff.text.split('id="deliveries-h"')[1]


def test_staff_disable_an_endpoint_from_the_console(
    api: ApiClient,
    ctx: AppContext,
    receiver: Receiver,
    staff: PageClient,  # noqa: F811 - fixture
) -> None:
    # Given an enabled endpoint
    endpoint = register(api, receiver.url, ["commission.created"])
    # When staff disable it on the Webhooks page
    assert staff.get("/console/webhooks").status == 200
    done = staff.post("/console/webhooks/status", {"endpoint_id": endpoint["endpoint_id"], "status": "disabled"})
    assert done.status == 303
    # Then it is disabled and gets nothing
    shown = api.get(f"/admin/webhook-endpoints/{endpoint['endpoint_id']}", headers=ADMIN).json
    assert shown["status"] == "disabled"
    publish_to_webhooks(ctx, [an_event()])
    deliver(ctx)
    assert receiver.received == []
    # And the audit trail names who did it
    staff.get("/console/audit")
    assert "webhooks.endpoint_disabled" in staff.text


def test_a_partner_never_reaches_the_webhooks_page(api: ApiClient, ctx: AppContext) -> None:
    # Given no console session
    client = PageClient(api, ip="198.51.100.21")
    # When the page is asked for
    response = client.get("/console/webhooks")
    # Then the answer is the sign-in redirect, not the page
    assert response.status in (302, 303, 403)
