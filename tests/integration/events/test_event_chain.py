"""The whole chain offline: a state change -> its outbox item -> the table's stream -> the publisher -> the
local bus -> the partner emails consumer (and every other rule target), exactly once where it matters."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from shared.context import AppContext
from shared.partners import service as partners
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program
from tests.integration.events.conftest import Chain, outbox

pytestmark = pytest.mark.integration


def emails(folder: Path) -> list[EmailMessage]:
    """The emails written so far, oldest first."""
    return [
        email.message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def body_of(message: EmailMessage) -> str:
    """The plain-text part of an email."""
    part = message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def given_partner_with_leads(
    api: ApiClient, ctx: AppContext, count: int, language: str, *, first: int = 0
) -> list[str]:
    """A partner (in `language`) with `count` leads through its link (`first` > 0: the partner exists)."""
    if first == 0:
        given_plan(api, plan_id="std")
        given_program(api, default_plan_id="std")
        ada = given_partner(api, email="ada@partner.example")
        partners.set_language(ctx, ada["partner_id"], language)
        given_link(api, ada["partner_id"], code="ada-link")
    leads = []
    for number in range(first, first + count):
        response = api.post("/leads", json={"email": f"prospect{number}@prospect.example", "ref": "ada-link"})
        assert response.status == 201, response.body
        leads.append(str(response.json["lead_id"]))
    return leads


def qualify(api: ApiClient, lead_id: str) -> None:
    response = api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN)
    assert response.status == 200, response.body


def test_qualifying_a_lead_puts_one_event_on_the_bus_and_emails_the_partner_once_in_its_language(
    chain: Chain, api: ApiClient, ctx: AppContext, mail_dir: Path
) -> None:
    # Given a Portuguese-speaking partner with a lead, everything so far delivered (a new lead sends no email)
    [lead_id] = given_partner_with_leads(api, ctx, 1, "pt_BR")
    chain.drain()
    assert emails(mail_dir) == []
    # When staff qualify the lead and the chain runs
    qualify(api, lead_id)
    chain.drain()
    # Then exactly one lead.status_changed went on the bus, with the contract's body plus the partner
    [event] = chain.bus.of_type("lead.status_changed")
    assert event["source"] == "referral-program" and event["detail"]["id"].startswith("evt_")
    assert event["detail"]["data"]["lead_id"] == lead_id and event["detail"]["data"]["status"] == "qualified"
    # And the partner got one email, in Brazilian Portuguese, with the portal's absolute links
    [message] = emails(mail_dir)
    assert message["To"] == "ada@partner.example"
    assert message["Subject"] == "Seu lead agora está qualificado"
    text = body_of(message)
    assert "p***@prospect.example passou de Novo para Qualificado" in text
    assert "http://127.0.0.1:3000/portal/notifications?unsubscribe=leads" in text
    # When EventBridge delivers the same event again
    assert lambdas().invoke("notifier", event) == {"outcome": "duplicate"}
    # Then no second email
    assert len(emails(mail_dir)) == 1


class Crash(BaseException):
    """The publisher's container dies mid-batch (not an error it could report)."""


def test_a_publisher_crash_mid_batch_loses_nothing_and_no_partner_gets_an_email_twice(
    chain: Chain, api: ApiClient, ctx: AppContext, mail_dir: Path
) -> None:
    # Given 12 leads, each qualified as it came, while the publisher was not running: 24 outbox events
    # (created, status_changed, created, ...) waiting in the stream
    for number in range(12):
        [lead_id] = given_partner_with_leads(api, ctx, 1, "en", first=number)
        qualify(api, lead_id)
    # And a publisher whose container dies after its first PutEvents call of the batch (10 events on the bus)
    calls = {"count": 0}
    real_put = chain.bus.put_events

    def put_then_die(*, Entries: list[dict[str, Any]]) -> Any:
        calls["count"] += 1
        if calls["count"] == 2:
            raise Crash()
        return real_put(Entries=Entries)

    def lambda_service(name: str, event: dict[str, Any]) -> Any:
        # A function error makes Lambda deliver the whole batch again, from its first record.
        try:
            return lambdas().invoke(name, event)
        except Crash:
            return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["dynamodb"]["SequenceNumber"]}]}

    chain.bus.put_events = put_then_die  # type: ignore[method-assign]
    chain.poller.deliver = lambda_service
    # When the chain runs (the batch comes again and goes through)
    chain.drain()
    # Then every outbox event reached the bus, the first ten of them twice (same id), nothing else doubled
    written = {e["id"] for e in outbox(ctx)}
    published = [e["detail"]["id"] for e in chain.bus.events]
    assert len(written) == 24 and set(published) == written
    assert len(published) == 34
    # And the partner got exactly one email per qualified lead: the event id deduplicated the replays
    messages = emails(mail_dir)
    assert len(messages) == 12 and {m["Subject"] for m in messages} == {"Your lead is now qualified"}
    status_events = [e["detail"]["id"] for e in chain.bus.of_type("lead.status_changed")]
    assert len(set(status_events)) == 12 and len(status_events) == 17  # five of them came twice
