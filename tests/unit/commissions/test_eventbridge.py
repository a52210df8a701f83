"""The EventBridge envelope of a Stripe event destination (shared.commissions.eventbridge), and the template's
Stripe EventBridge input: what is accepted, what fails the invocation (so Lambda retries, then dead-letters it).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from devstack.template import load_template
from shared.commissions.eventbridge import InvalidEnvelope, stripe_event_of
from shared.commissions.stripe_events import HANDLED_TYPES
from tests.helpers import stripe_payloads as sp

PAID = sp.event("invoice.paid", sp.invoice(customer="cus_u", subscription="sub_u"))


def envelope(**changes: Any) -> dict[str, Any]:
    """A real-shaped delivery of PAID, with some fields changed (None removes one)."""
    delivered = sp.eventbridge_event(copy.deepcopy(PAID))
    for name, value in changes.items():
        if value is None:
            delivered.pop(name, None)
        else:
            delivered[name] = value
    return delivered


def nested(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    for _ in range(depth):
        inner = {"a": inner}
    return inner


def test_the_stripe_event_is_the_detail_of_the_envelope() -> None:
    # Given what a Stripe event destination delivers through its partner event source
    delivered = envelope()
    # When the envelope is read, Then the Stripe event comes out as the webhook would have parsed it
    assert stripe_event_of(delivered) == PAID


@pytest.mark.parametrize(
    "changes",
    [
        {"source": "referral-program"},
        {"source": "aws.partner/stripe.com.evil/ed_1"},
        {"source": "aws.partner/notstripe.com/ed_1"},
        {"source": None},
        {"source": 7},
        {"detail-type": "charge.refunded"},
        {"detail-type": None},
        {"detail": None},
        {"detail": "evt_1"},
        {"detail": [PAID]},
        {"detail": {**PAID, "id": ""}},
        {"detail": {**PAID, "type": None}},
        {"detail": {**PAID, "data": nested(40)}},
        {"detail": {**PAID, "amount": 10**50}},
        {"detail": {**PAID, "amount": 10**5000}},
        {"detail": {**PAID, "amount": float("nan")}},
    ],
    ids=[
        "our own source",
        "a look-alike domain",
        "another partner",
        "no source",
        "a number as source",
        "detail-type of another type",
        "no detail-type",
        "no detail",
        "a string detail",
        "a list detail",
        "an empty id",
        "no type",
        "nested 40 deep",
        "a 51-digit number",
        "a 5001-digit number",
        "NaN",
    ],
)
def test_anything_but_a_bounded_stripe_event_from_stripe_is_refused(changes: dict[str, Any]) -> None:
    # Given an envelope that is not a Stripe event from a Stripe source, or one past the webhook's bounds
    delivered = envelope(**changes)
    # When it is read, Then it is refused (the invocation fails: retried, then dead-lettered and alarmed)
    with pytest.raises(InvalidEnvelope):
        stripe_event_of(delivered)


@pytest.mark.parametrize("delivered", [None, [], "event", 3])
def test_an_envelope_that_is_not_an_object_is_refused(delivered: Any) -> None:
    with pytest.raises(InvalidEnvelope):
        stripe_event_of(delivered)


# ---------------------------------------------------------------- template.yaml
def _resources() -> dict[str, Any]:
    resources: dict[str, Any] = load_template()["Resources"]
    return resources


def test_the_rule_sends_exactly_the_types_the_ledger_handles() -> None:
    # Given the Stripe rule of the template
    pattern = _resources()["StripeEventsRule"]["Properties"]["EventPattern"]
    # Then it selects the Stripe source's events of every type the webhook's code handles, and no other
    assert pattern["source"] == [{"prefix": "aws.partner/stripe.com/"}]
    assert set(pattern["detail-type"]) == set(HANDLED_TYPES)


def test_a_failed_stripe_event_is_retried_then_kept_in_the_alarmed_dlq() -> None:
    resources = _resources()
    dlq = {"Fn::GetAtt": "StripeEventsDeadLetterQueue.Arn"}
    # Given the rule's target and the function's asynchronous invocation settings
    [target] = resources["StripeEventsRule"]["Properties"]["Targets"]
    invoke = resources["StripeEventsFunction"]["Properties"]["EventInvokeConfig"]
    # Then EventBridge retries delivery for a day and Lambda retries a failed invocation, both into the DLQ
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 86400 and target["DeadLetterConfig"]["Arn"] == dlq
    assert invoke["MaximumRetryAttempts"] == 2 and invoke["DestinationConfig"]["OnFailure"]["Destination"] == dlq
    # And the DLQ has an alarm
    alarm = resources["StripeEventsDeadLetterQueueAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": "StripeEventsDeadLetterQueue.QueueName"}}
    ]


def test_the_eventbridge_input_exists_only_with_a_stripe_event_source() -> None:
    # Given the resources of the Stripe EventBridge input
    resources = _resources()
    names = [name for name in resources if name.startswith("StripeEvents") or name == "StripeEventBus"]
    # Then each is created only when StripeEventSourceName is set
    assert len(names) >= 6
    assert {resources[name].get("Condition") for name in names} == {"StripeEventBridgeEnabled"}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _table_access(function: str) -> list[tuple[list[str], list[Any]]]:
    statements = _resources()[function]["Properties"]["Policies"][0]["Statement"]
    return [
        (sorted(_listed(s["Action"])), _listed(s["Resource"]))
        for s in statements
        if any(
            str(action).startswith("dynamodb:")
            for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        )
    ]


def test_the_eventbridge_function_may_do_to_the_table_what_the_webhook_may() -> None:
    # Given the two Stripe entries, which run the same ledger code
    # Then their table permissions are the same (a permission added to one is needed by the other in AWS)
    assert _table_access("StripeEventsFunction") == _table_access("StripeWebhookFunction")
