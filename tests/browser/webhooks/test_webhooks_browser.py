"""The console's Webhooks page in a real browser (headless Chromium): staff see an endpoint's delivery and
replay it; the page passes the accessibility check at phone and laptop widths."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from shared.webhooks import local, service
from shared.webhooks.queue import LOCAL_QUEUE
from tests.browser.console_flow import staff_sign_in
from tests.browser.portal_flow import axe_violations
from tests.browser.stack import Stack


@pytest.fixture(scope="module")
def delivered(stack: Stack) -> Iterator[dict[str, Any]]:
    """An endpoint on a receiver of this machine that answered 200 to one commission event."""
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks/referral-program-events"
    created = service.register(stack.ctx, url, ["commission.created"], "the CRM")
    now = int(stack.ctx.clock.now().timestamp())
    event = {"id": "evt_01browser0000000000000001", "type": "commission.created", "created": now,
             "partner_id": "ptr_demo", "data": {"commission_id": "com_browser", "amount": 1250, "currency": "USD"}}  # fmt: skip
    service.fan_out(stack.ctx, event, LOCAL_QUEUE)
    local.drain(stack.ctx)
    assert len(received) == 1
    yield {"endpoint_id": created.endpoint.endpoint_id, "url": url, "received": received}
    server.shutdown()
    server.server_close()


def test_staff_replay_a_delivery_from_the_webhooks_page(browser: Any, stack: Stack, delivered: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    staff_sign_in(page, stack.base_url, stack.mail_dir)
    # When staff open the Webhooks page from the console's navigation
    page.get_by_role("link", name="Webhooks").click()
    # Then they see the endpoint and its delivered event
    expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()
    expect(page.get_by_role("link", name=delivered["url"])).to_be_visible()
    expect(page.get_by_text("commission.created").first).to_be_visible()
    expect(page.get_by_role("cell", name="Delivered")).to_be_visible()
    # And when they replay it, the page says so and the receiver gets it again
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_text("The delivery will be sent again in a moment.")).to_be_visible()
    local.drain(stack.ctx)
    assert len(delivered["received"]) == 2 and delivered["received"][0] == delivered["received"][1]
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_webhooks_page_has_no_serious_accessibility_violation(
    browser: Any, stack: Stack, delivered: dict[str, Any], width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # to inject axe
    page = context.new_page()
    staff_sign_in(page, stack.base_url, stack.mail_dir)
    page.goto(f"{stack.base_url}/console/webhooks?endpoint={delivered['endpoint_id']}")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), width
    context.close()
