"""Partner of the month with a reward: staff attach an amount (or a non-cash reward) when they choose; it
becomes one ledger adjustment through the commissions service, paid once however often the choice is saved,
and on the partner's next statement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.context import AppContext
from shared.payouts.run import PayoutRun
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner, given_program, partner_headers

pytestmark = pytest.mark.integration


def choose(api: ApiClient, month: str, partner_id: str, **body: Any) -> Any:
    return api.put(
        f"/admin/reports/partner-of-the-month/{month}", json={"partner_id": partner_id, **body}, headers=ADMIN
    )


def test_a_reward_is_paid_once_however_often_the_partner_is_chosen_and_is_on_the_next_statement(
    api: ApiClient, ctx: AppContext
) -> None:
    # Given Ada, a partner of a program without payout minimums
    given_program(api, minimum_payouts={})
    ada = given_partner(api)
    pid = ada["partner_id"]

    # When staff choose her as November's partner of the month with a $50 reward, then save the choice again
    first = choose(api, "2026-11", pid, note="Three customers in a week", reward={"amount": 5000, "currency": "usd"})
    again = choose(api, "2026-11", pid, note="Three customers in a week!", reward={"amount": 9900, "currency": "USD"})
    kept = choose(api, "2026-11", pid, note="Edited note only")

    # Then one adjustment of $50 exists, named by every answer and by the stored choice
    assert first.status == 200 and again.status == 200 and kept.status == 200, (first.body, again.body, kept.body)
    reward = first.json["reward"]
    assert reward["amount"] == {"amount": 5000, "currency": "USD"}
    assert again.json["reward"] == reward and kept.json["reward"] == reward
    stored = api.get("/admin/reports/partner-of-the-month/2026-11", headers=ADMIN).json
    assert stored["reward"] == reward and stored["note"] == "Edited note only"
    key = given_api_key(api, pid)
    listed = api.get("/partner/adjustments", headers=partner_headers(key)).json["items"]
    assert [(a["commission_id"], a["amount"]["amount"], a["note"]) for a in listed] == [
        (reward["commission_id"], 5000, "Partner of the month 2026-11")
    ]

    # When December is paid after the reward's hold ended
    method = {"kind": "paypal", "reference": "ada@pay.example"}
    assert api.put(f"/admin/partners/{pid}/payout-method", json=method, headers=ADMIN).status == 200
    ctx.clock.set(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    PayoutRun(ctx, None).run("2026-12")

    # Then her statement shows the reward, once
    statement = api.get("/partner/payouts/2026-12/USD/statement", headers=partner_headers(key))
    assert statement.status == 200, statement.body
    assert statement.json["total"] == 5000
    assert [line["amount"] for line in statement.json["lines"]] == [5000]


def test_a_non_cash_reward_needs_its_description_and_a_bad_reward_is_refused(api: ApiClient) -> None:
    given_program(api, minimum_payouts={})
    pid = given_partner(api)["partner_id"]

    # When staff give a non-cash reward without saying what it is, or a reward in no currency
    bare = choose(api, "2026-10", pid, reward={"amount": 0, "currency": "USD"})
    negative = choose(api, "2026-10", pid, reward={"amount": -100, "currency": "USD"})
    no_currency = choose(api, "2026-10", pid, reward={"amount": 100, "currency": "U$D"})
    # Then each is refused with a 4xx and nothing is chosen or paid
    assert bare.status == 400 and bare.json["error"]["code"] == "description_required"
    assert negative.status in (400, 422) and no_currency.status in (400, 422)
    assert api.get("/admin/reports/partner-of-the-month/2026-10", headers=ADMIN).status == 404

    # When they give a signed book
    book = choose(api, "2026-10", pid, reward={"amount": 0, "currency": "USD", "description": "A signed book"})
    # Then it is a zero-amount adjustment that says what was given
    assert book.status == 200, book.body
    assert book.json["reward"]["amount"] == {"amount": 0, "currency": "USD"}
    assert book.json["reward"]["description"] == "A signed book"


def test_choosing_another_partner_voids_the_earlier_partners_unpaid_reward(api: ApiClient) -> None:
    # Given Ada chosen for November with a $50 reward
    given_program(api, minimum_payouts={})
    ada, grace = given_partner(api)["partner_id"], given_partner(api, email="grace@partner.example")["partner_id"]
    first = choose(api, "2026-11", ada, reward={"amount": 5000, "currency": "USD"})
    assert first.status == 200, first.body
    # When staff change their mind: Grace, with her own reward
    second = choose(api, "2026-11", grace, reward={"amount": 7500, "currency": "USD"})
    assert second.status == 200, second.body
    # Then Ada's reward is voided (nothing of it will be paid) and Grace's waits for its hold
    ada_reward = api.get(f"/admin/commissions/{ada}/{first.json['reward']['commission_id']}", headers=ADMIN).json
    grace_reward = api.get(f"/admin/commissions/{grace}/{second.json['reward']['commission_id']}", headers=ADMIN).json
    assert (ada_reward["status"], grace_reward["status"]) == ("voided", "pending")
    assert "another partner was chosen" in ada_reward["note"]
    # And choosing Ada again cannot revive her voided reward silently: refused, and nothing changes
    back = choose(api, "2026-11", ada, reward={"amount": 5000, "currency": "USD"})
    assert (back.status, back.json["error"]["code"]) == (409, "reward_voided")
    assert api.get("/admin/reports/partner-of-the-month/2026-11", headers=ADMIN).json["partner_id"] == grace
    grace_after = api.get(f"/admin/commissions/{grace}/{second.json['reward']['commission_id']}", headers=ADMIN).json
    assert grace_after["status"] == "pending"
    # While choosing her again without a reward is fine (Grace's reward is then voided in turn)
    assert choose(api, "2026-11", ada).status == 200
    assert (
        api.get(f"/admin/commissions/{grace}/{second.json['reward']['commission_id']}", headers=ADMIN).json["status"]
        == "voided"
    )


def test_a_reward_paid_already_stays_paid_when_another_partner_is_chosen(api: ApiClient, ctx: AppContext) -> None:
    # Given Ada's October reward, paid with December's payouts
    given_program(api, minimum_payouts={})
    ada, grace = given_partner(api)["partner_id"], given_partner(api, email="grace@partner.example")["partner_id"]
    reward = choose(api, "2026-10", ada, reward={"amount": 5000, "currency": "USD"}).json["reward"]
    method = {"kind": "paypal", "reference": "ada@pay.example"}
    assert api.put(f"/admin/partners/{ada}/payout-method", json=method, headers=ADMIN).status == 200
    ctx.clock.set(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    PayoutRun(ctx, None).run("2026-12")
    # When staff then choose Grace for October
    assert choose(api, "2026-10", grace).status == 200
    # Then Ada keeps what she was paid
    paid = api.get(f"/admin/commissions/{ada}/{reward['commission_id']}", headers=ADMIN).json
    assert paid["status"] == "paid"
