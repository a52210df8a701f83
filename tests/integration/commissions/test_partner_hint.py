"""An invoice whose subscription carries the checkout's click token (subscription metadata `click_id`) is
commissioned with one read: the partner's records are read with the customer's binding. The binding stays
the authority: a hint naming another partner, or a forged one, changes what is read, never who earns."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from shared.context import AppContext
from shared.links import click_token
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.factories import given_partner, given_plan, given_program
from tests.helpers.webhooks import click, deliver, subscribe


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    given_program(api)
    plan = given_plan(api, sale_rate="0.2")
    return given_partner(api, plan_id=plan["plan_id"])


def pay(api: ApiClient, ctx: AppContext, customer: str, click_id: str | None) -> Counter[str]:
    """Deliver a paid renewal of the customer's subscription: the DynamoDB requests it made, by operation."""
    metadata = {"click_id": click_id} if click_id else None
    invoice = sp.invoice(
        customer=customer, subscription="sub_1", billing_reason="subscription_cycle", subscription_metadata=metadata
    )
    made: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        made[model.name] += 1

    ctx.table.client.meta.events.register("before-call.dynamodb.*", count)
    try:
        response = deliver(api, sp.event("invoice.paid", invoice))
    finally:
        ctx.table.client.meta.events.unregister("before-call.dynamodb.*", count)
    assert (response.status, response.json["outcome"]) == (200, "applied")
    return made


def earned(ctx: AppContext, partner_id: str) -> list[int]:
    return [e.amount.amount for e in ctx.commissions.all_for_partner(partner_id)]


def test_a_hinted_invoice_reads_once_and_earns_what_an_unhinted_one_earns(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    subscribe(api, partner, "cus_h")
    token = click(partner, api)
    pay(api, ctx, "cus_h", token)  # the first payment of this container also reads the program's plan
    hinted = pay(api, ctx, "cus_h", token)
    plain = pay(api, ctx, "cus_h", None)
    assert hinted == {"BatchGetItem": 1, "TransactWriteItems": 1}
    assert plain == {"BatchGetItem": 2, "TransactWriteItems": 1}
    assert earned(ctx, partner["partner_id"]) == [2000, 2000, 2000]


def test_the_binding_not_the_hint_decides_who_earns(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    subscribe(api, partner, "cus_bound")
    other = given_partner(api, email="grace@partner.example")
    other_token = click(other, api)
    made = pay(api, ctx, "cus_bound", other_token)  # the subscription names another partner's click
    assert made["BatchGetItem"] == 2  # the hinted partner's records are not the bound one's: read again
    assert earned(ctx, partner["partner_id"]) == [2000]
    assert earned(ctx, other["partner_id"]) == []


def test_a_forged_hint_is_ignored(api: ApiClient, ctx: AppContext, partner: dict[str, Any]) -> None:
    subscribe(api, partner, "cus_forged")
    other = given_partner(api, email="grace@partner.example")
    forged = click_token.issue("not-the-secret", "x", other["partner_id"], 1793613600)
    made = pay(api, ctx, "cus_forged", forged)
    assert made["BatchGetItem"] == 2
    assert earned(ctx, partner["partner_id"]) == [2000]
    assert earned(ctx, other["partner_id"]) == []
