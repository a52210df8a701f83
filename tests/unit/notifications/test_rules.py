"""Which events earn a partner an email, and which kinds a partner can turn off."""

from __future__ import annotations

from typing import Any

import pytest

from shared.notifications.handler import handle
from shared.notifications.rules import Kind, kind_of, may_send, summary_key


def body(event_type: str, partner_id: str | None = "ptr_1", **data: Any) -> dict[str, Any]:
    return {"id": "evt_1", "type": event_type, "partner_id": partner_id, "data": data}


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (body("partner.applied"), Kind.APPLICATION),
        (body("lead.status_changed", status="qualified", previous_status="new"), Kind.LEADS),
        (body("commission.created", amount={"amount": 5000, "currency": "USD"}, status="pending"), Kind.COMMISSIONS),
        (body("payout.paid", amount={"amount": 5000, "currency": "USD"}), Kind.PAYOUTS),
        # not news to the partner, or not an earning
        (body("lead.created", status="new"), None),
        (body("lead.status_changed", status="qualified", previous_status="new", partner_id=None), None),
        (body("commission.created", amount={"amount": -500, "currency": "USD"}, reverses="com_1"), None),
        (body("commission.created", amount={"amount": 0, "currency": "USD"}), None),
        (body("commission.created", amount={"amount": 900, "currency": "USD"}, status="voided"), None),
        (body("payout.created"), None),
        (body("partner.approved"), None),  # the console's welcome email, with its sign-in link
    ],
)
def test_the_kind_of_email_an_event_earns(event: dict[str, Any], kind: Kind | None) -> None:
    assert kind_of(event) is kind


def test_a_partner_can_turn_off_every_kind_but_the_application_acknowledgement() -> None:
    everything = frozenset(k.value for k in Kind)
    assert may_send(Kind.APPLICATION, everything)
    assert not any(may_send(k, everything) for k in (Kind.LEADS, Kind.COMMISSIONS, Kind.PAYOUTS, Kind.SUMMARY))
    assert may_send(Kind.LEADS, frozenset({"summary"}))


def test_a_summary_is_keyed_by_month_and_partner() -> None:
    assert summary_key("2026-10", "ptr_1") == "summary_2026-10_ptr_1" != summary_key("2026-11", "ptr_1")


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"source": "aws.events", "detail-type": "Scheduled Event"}, "unknown_event"),
        ({}, "unknown_event"),
        (
            {"source": "referral-program", "detail-type": "lead.created", "detail": {"type": "lead.created"}},
            "invalid_event",
        ),
        ({"summary": "monthly", "month": "2026-13"}, "invalid_month"),
        ({"summary": "monthly", "month": 202610}, "invalid_month"),
    ],
)
def test_the_notifier_answers_an_event_it_cannot_use_without_raising(event: dict[str, Any], code: str) -> None:
    # Given an event that no retry could make usable, when the notifier gets it, then it answers with the reason
    assert handle(event)["error"]["code"] == code
