"""Outgoing webhooks end to end, offline: an event from the bus becomes one signed delivery per subscribed
endpoint, retried with back-off until a 2xx, each attempt logged and listed, replayable; disabled endpoints get
nothing. The receiver is a real HTTP server on 127.0.0.1 that verifies with its own HMAC code."""

from __future__ import annotations

import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock, from_iso
from shared.webhooks import local, service
from shared.webhooks.queue import LOCAL_QUEUE, LocalDeliveryQueue, SqsDeliveryQueue
from shared.webhooks.rules import retry_delay
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program
from tests.integration.events.conftest import Chain, chain  # noqa: F401 - the local chain fixture
from tests.integration.webhooks.conftest import Receiver, deliver, publish_to_webhooks, register

pytestmark = pytest.mark.integration


def receiver_verifies(secret: str, header: str, body: bytes) -> bool:
    """The receiver's own check (as for Stripe): HMAC-SHA256 of "<t>.<raw body>" equals one of the v1 values."""
    fields = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(value for key, value in fields if key == "t")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in fields)


def an_event(partner_id: str = "ptr_1", number: int = 1, type: str = "commission.created") -> dict[str, Any]:
    """An event body as the publisher puts it on the bus."""
    return {
        "id": f"evt_{number:026d}",
        "type": type,
        "created": 1_793_613_600 + number,  # 2026-11-02 10:00 UTC (the test clock) and after
        "partner_id": partner_id,
        "data": {"commission_id": f"com_{number}", "amount": 1250, "currency": "USD"},
    }


def deliveries(api: ApiClient, endpoint_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/admin/webhook-endpoints/{endpoint_id}/deliveries", headers=ADMIN)
    assert response.status == 200, response.body
    return list(response.json["items"])


def detail(api: ApiClient, endpoint_id: str, delivery_id: str) -> dict[str, Any]:
    response = api.get(f"/admin/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}", headers=ADMIN)
    assert response.status == 200, response.body
    return dict(response.json)


def expiry(ctx: AppContext, delivery_id: str) -> int | None:
    """The stored delivery's TTL (epoch seconds), or None."""
    item = ctx.table.get(keys.webhook_delivery(delivery_id))
    assert item is not None
    return int(item["expires_at"]) if "expires_at" in item else None


def test_qualifying_a_lead_sends_one_signed_delivery_the_receiver_verifies(
    chain: Chain,  # noqa: F811 - fixture
    api: ApiClient,
    ctx: AppContext,
    receiver: Receiver,
) -> None:
    # Given the local chain (stream -> publisher -> bus -> fan-out), an endpoint subscribed to lead status
    # changes, and a referred lead
    endpoint = register(api, receiver.url, ["lead.status_changed"])
    given_plan(api, plan_id="leads", lead_bounty={"amount": 5000, "currency": "USD"})
    given_program(api, default_plan_id="leads")
    ada = given_partner(api)
    given_link(api, ada["partner_id"], code="ada-link")
    lead = api.post("/leads", json={"email": "grace@prospect.example", "ref": "ada-link"})
    assert lead.status == 201, lead.body

    # When staff qualify the lead, the chain delivers the table's events, and the bus delivers them all again
    qualified = api.post(f"/admin/leads/{lead.json['lead_id']}/status", json={"status": "qualified"}, headers=ADMIN)
    assert qualified.status == 200, qualified.body
    chain.drain()
    assert len(chain.bus.of_type("lead.status_changed")) == 1
    publish_to_webhooks(ctx)  # a redelivery of every event: same ids
    deliver(ctx)

    # Then the receiver got exactly one POST: the lead's status change, signed with the endpoint's secret
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.json["type"] == "lead.status_changed"
    assert request.json["id"].startswith("evt_")
    assert request.json["data"]["lead_id"] == lead.json["lead_id"]
    assert request.json["data"]["status"] == "qualified"
    assert set(request.json) == {"id", "type", "created", "data"}
    assert request.headers["content-type"] == "application/json"
    assert receiver_verifies(endpoint["secret"], request.headers["referral-signature"], request.body)
    assert not receiver_verifies("whsec_someone_else", request.headers["referral-signature"], request.body)
    # And the delivery log shows it delivered in one attempt
    [logged] = deliveries(api, endpoint["endpoint_id"])
    assert (logged["status"], logged["attempt_count"], logged["last_status_code"]) == ("succeeded", 1, 200)


def test_a_receiver_answering_500_twice_then_200_gets_the_same_event_three_times_within_a_minute(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given an endpoint whose receiver answers 500, 500, then 200
    endpoint = register(api, receiver.url, ["commission.created"])
    receiver.statuses = [500, 500]
    started = clock.now()

    # When an event is delivered and the worker runs as time passes
    publish_to_webhooks(ctx, [an_event()])
    deliver(ctx)
    assert len(receiver.received) == 1
    for _ in range(60):
        clock.advance(seconds=1)
        deliver(ctx)

    # Then the receiver got it three times within the minute, same id and same body, each signature valid
    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1
    assert {r.json["id"] for r in receiver.received} == {"evt_00000000000000000000000001"}
    assert all(
        receiver_verifies(endpoint["secret"], r.headers["referral-signature"], r.body) for r in receiver.received
    )
    # And the delivery log lists the three attempts with their status codes and durations
    [listed] = deliveries(api, endpoint["endpoint_id"])
    assert (listed["status"], listed["attempt_count"]) == ("succeeded", 3)
    attempts = detail(api, endpoint["endpoint_id"], listed["delivery_id"])["attempts"]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert all(a["duration_ms"] >= 0 for a in attempts)
    # And only a short excerpt of the failing answers is kept
    assert attempts[0]["response_excerpt"].startswith("upstream exploded")
    assert len(attempts[0]["response_excerpt"]) <= 200
    assert (clock.now() - started).total_seconds() <= 60


def test_a_delivery_given_up_after_its_retries_can_be_replayed_by_the_api(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given an endpoint whose receiver fails every attempt for more than a day
    endpoint = register(api, receiver.url, ["commission.created"])
    receiver.statuses = [503] * 13
    publish_to_webhooks(ctx, [an_event()])
    deliver(ctx)
    for _ in range(50):  # ~32 h of back-off (jitter included), each retry seen on the next hour
        clock.advance(hours=1)
        deliver(ctx)
    [failed] = deliveries(api, endpoint["endpoint_id"])
    assert (failed["status"], failed["attempt_count"]) == ("failed", 13)
    assert len(receiver.received) == 13
    # A finished delivery expires (DynamoDB TTL) 30 days after its last change
    thirty_days_after = int(from_iso(failed["updated_at"]).timestamp()) + 30 * 86400
    assert expiry(ctx, failed["delivery_id"]) == thirty_days_after

    # When staff replay it once the receiver is fixed
    replayed = api.post(
        f"/admin/webhook-endpoints/{endpoint['endpoint_id']}/deliveries/{failed['delivery_id']}/replay", headers=ADMIN
    )
    assert replayed.status == 202, replayed.body
    deliver(ctx)

    # Then the receiver gets the same event again and the delivery is succeeded after 14 attempts
    assert len(receiver.received) == 14
    assert receiver.received[-1].body == receiver.received[0].body
    [done] = deliveries(api, endpoint["endpoint_id"])
    assert (done["status"], done["attempt_count"]) == ("succeeded", 14)
    # And a succeeded delivery can be sent again too, and so can a pending one without waiting for its back-off
    receiver.statuses = [500]
    again = api.post(
        f"/admin/webhook-endpoints/{endpoint['endpoint_id']}/deliveries/{failed['delivery_id']}/replay", headers=ADMIN
    )
    assert again.status == 202
    deliver(ctx)
    assert len(receiver.received) == 15
    pending = api.post(
        f"/admin/webhook-endpoints/{endpoint['endpoint_id']}/deliveries/{failed['delivery_id']}/replay", headers=ADMIN
    )
    assert (pending.status, pending.json["status"]) == (202, "pending")
    assert expiry(ctx, failed["delivery_id"]) is None  # pending again: it never expires while it is
    deliver(ctx)
    assert len(receiver.received) == 16
    assert deliveries(api, endpoint["endpoint_id"])[0]["status"] == "succeeded"


def test_a_disabled_endpoint_gets_nothing_and_its_pending_retries_stop(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given two endpoints on the same receiver, one disabled, and a third failing its first attempt
    kept = register(api, receiver.url + "?who=kept", ["commission.created"])
    dropped = register(api, receiver.url + "?who=dropped", ["commission.created"])
    disabled = api.post(f"/admin/webhook-endpoints/{dropped['endpoint_id']}/disable", headers=ADMIN)
    assert (disabled.status, disabled.json["status"]) == (200, "disabled")

    # When an event is published
    publish_to_webhooks(ctx, [an_event()])
    deliver(ctx)

    # Then only the enabled endpoint got it
    assert len(receiver.received) == 1
    assert deliveries(api, dropped["endpoint_id"]) == []
    assert len(deliveries(api, kept["endpoint_id"])) == 1

    # And when the kept endpoint fails an attempt and is then disabled, its retry never comes
    receiver.statuses = [500]
    publish_to_webhooks(ctx, [an_event(number=2)])
    deliver(ctx)
    assert len(receiver.received) == 2
    api.post(f"/admin/webhook-endpoints/{kept['endpoint_id']}/disable", headers=ADMIN)
    for _ in range(3):
        clock.advance(minutes=5)
        deliver(ctx)
    assert len(receiver.received) == 2
    statuses = sorted(d["status"] for d in deliveries(api, kept["endpoint_id"]))
    assert statuses == ["cancelled", "succeeded"]


def test_events_of_one_partner_arrive_in_order_even_when_the_first_needs_a_retry(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given an endpoint whose receiver fails its first request
    register(api, receiver.url, ["commission.created", "commission.status_changed"])
    receiver.statuses = [500]

    # When two events of the same partner and one of another partner are published in order
    first, second = an_event("ptr_a", 1), an_event("ptr_a", 2, "commission.status_changed")
    other = an_event("ptr_b", 3)
    publish_to_webhooks(ctx, [first, second, other])
    for _ in range(30):
        deliver(ctx)
        clock.advance(seconds=1)

    # Then the other partner's event was not held, and partner a's second event came only after its first
    ids = [r.json["id"] for r in receiver.received]
    assert ids.index(other["id"]) < ids.index(second["id"])
    assert ids.count(first["id"]) == 2
    assert ids.index(second["id"]) > len(ids) - 1 - ids[::-1].index(first["id"])


def test_simultaneous_wake_ups_of_one_delivery_post_it_once(
    api: ApiClient, ctx: AppContext, receiver: Receiver
) -> None:
    # Given a delivery and a slow receiver
    endpoint = register(api, receiver.url, ["commission.created"])
    receiver.delay_seconds = 0.3
    [delivery_id] = service.fan_out(ctx, an_event(), LocalDeliveryQueue())
    # When four workers wake it up at the same moment (duplicated SQS messages, a redelivery)
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: service.attempt(ctx, delivery_id, LocalDeliveryQueue()), range(4)))
    # Then one of them attempted it, and the receiver got it once
    assert sorted(outcomes).count("succeeded") == 1
    assert len(receiver.received) == 1
    [listed] = deliveries(api, endpoint["endpoint_id"])
    assert (listed["status"], listed["attempt_count"]) == ("succeeded", 1)


def test_a_restarted_local_stack_finds_its_pending_retries_again(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given a delivery waiting for its first retry when make dev stops (the local queue is in memory)
    register(api, receiver.url, ["commission.created"])
    receiver.statuses = [500]
    publish_to_webhooks(ctx, [an_event()])
    deliver(ctx)
    LOCAL_QUEUE.clear()
    # When the local worker starts again and the retry is due
    assert local.wake_pending(ctx) == 1
    clock.advance(seconds=15)
    deliver(ctx)
    # Then the retry is made
    assert [r.json["id"] for r in receiver.received] == [an_event()["id"]] * 2


def test_in_aws_a_wait_longer_than_sqs_allows_is_a_chain_of_wake_ups(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given the SQS queue of the stack (a stand-in that records each message's delay) and a failing receiver
    sent: list[tuple[str, int]] = []

    class StandInSqs:
        def send_message(self, QueueUrl: str, MessageBody: str, DelaySeconds: int) -> None:
            sent.append((MessageBody, DelaySeconds))

    queue = SqsDeliveryQueue("https://sqs.us-east-1.amazonaws.com/123456789012/deliveries", client=StandInSqs())
    register(api, receiver.url, ["commission.created"])
    receiver.statuses = [500] * 6
    [delivery_id] = service.fan_out(ctx, an_event(), queue)

    # When the worker handles each wake-up when SQS would deliver it
    for _ in range(12):
        delay = sent[-1][1]
        clock.advance(seconds=delay)
        service.attempt(ctx, delivery_id, queue)

    # Then every wake-up names the delivery, none asks SQS for more than 900 s (the 15- and 30-minute waits came
    # as chains: a wake-up that found the delivery not yet due sent the rest), and the retries came on time
    assert {body for body, _ in sent} == {f'{{"delivery_id": "{delivery_id}"}}'}
    assert max(delay for _, delay in sent) == 900
    assert len(receiver.received) == 7
    assert [d for _, d in sent][:5] == [0, *(retry_delay(n, delivery_id) for n in (1, 2, 3, 4))]


def test_in_lambda_a_loopback_endpoint_is_never_contacted(
    api: ApiClient, ctx: AppContext, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an endpoint on 127.0.0.1 (registered on a local stack) and a delivery for it
    endpoint = register(api, receiver.url, ["commission.created"])
    publish_to_webhooks(ctx, [an_event()])
    # When the worker runs in Lambda
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "webhook-delivery")
    [delivery_id] = [d["delivery_id"] for d in deliveries(api, endpoint["endpoint_id"])]
    service.attempt(ctx, delivery_id, LocalDeliveryQueue())
    # Then the receiver got nothing, and the attempt's error says why
    assert receiver.received == []
    attempts = detail(api, endpoint["endpoint_id"], delivery_id)["attempts"]
    assert attempts[0]["status_code"] is None
    assert "https://" in attempts[0]["error"]
