"""The local bus: the template's rules on EventBus, EventBridge's matching, delivery with retries."""

from __future__ import annotations

import json
from typing import Any

from devstack.bus import BusRule, LocalBus, bus_rules, matches


def entry(detail_type: str, event_id: str = "evt_1") -> dict[str, Any]:
    body = {"id": event_id, "type": detail_type, "created": 1, "partner_id": "ptr_1", "data": {}}
    return {"Source": "referral-program", "DetailType": detail_type, "Detail": json.dumps(body), "EventBusName": "b"}


def test_the_template_routes_partner_email_events_to_the_notifier() -> None:
    # Given the rules of template.yaml on the stack's bus
    rules = {rule.name: rule for rule in bus_rules()}
    # Then the notifier's rule targets functions/notifier for the four event types partners are emailed about
    notifier = rules["NotifierEventsRule"]
    assert notifier.targets == ("notifier",)
    assert matches(notifier.pattern, {"source": "referral-program", "detail-type": "lead.status_changed"})
    assert not matches(notifier.pattern, {"source": "referral-program", "detail-type": "lead.created"})
    # And no rule of another bus (Stripe's partner event source) is on it
    assert all(rule.targets for rule in rules.values())


def test_matching_follows_eventbridge_patterns() -> None:
    event = {"source": "aws.partner/stripe.com/ed_1", "detail-type": "invoice.paid", "detail": {"livemode": False}}
    assert matches({"source": [{"prefix": "aws.partner/stripe.com/"}]}, event)
    assert matches({"detail": {"livemode": [False]}}, event)
    assert matches({"detail-type": [{"anything-but": ["charge.refunded"]}]}, event)
    assert not matches({"detail": {"livemode": [True]}}, event)
    assert not matches({"detail": {"missing": [{"exists": True}]}}, event)


def test_a_target_that_keeps_failing_is_retried_twice_then_dead_lettered() -> None:
    # Given a bus whose one rule targets a function that fails twice, and another that always fails
    calls: list[str] = []

    def deliver(name: str, event: dict[str, Any]) -> None:
        calls.append(name)
        if name == "broken" or calls.count(name) <= 2:
            raise RuntimeError("boom")

    bus = LocalBus(deliver, rules=[BusRule("r", {"source": ["referral-program"]}, ("flaky", "broken"))])
    # When one event is put and the bus drained
    answer = bus.put_events(Entries=[entry("lead.created")])
    bus.drain()
    # Then the flaky target got it on its third attempt, the broken one went to the dead letters after three
    assert answer["FailedEntryCount"] == 0 and answer["Entries"][0]["EventId"]
    assert calls.count("flaky") == 3 and calls.count("broken") == 3
    assert [name for name, _ in bus.deliveries] == ["flaky"]
    assert [(name, event["detail"]["id"]) for name, event, _ in bus.dead_letters] == [("broken", "evt_1")]
    assert bus.events[0]["detail-type"] == "lead.created" and bus.events[0]["source"] == "referral-program"
