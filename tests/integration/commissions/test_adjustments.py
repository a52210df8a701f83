"""Manual adjustments: staff grant a bonus, correct a mistake or record a non-cash reward; the entry follows the
ledger's hold, netting, payout and statement rules, and the partner sees it (through the real handlers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.commissions import service as commissions
from shared.context import AppContext
from shared.payouts.run import PayoutRun
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner, given_program, partner_headers


@pytest.fixture
def partner(api: ApiClient) -> dict[str, Any]:
    given_program(api, minimum_payouts={})
    return given_partner(api)


def adjust(api: ApiClient, partner_id: str, **body: Any) -> Any:
    return api.post(f"/admin/partners/{partner_id}/adjustments", json=body, headers=ADMIN)


def test_staff_grant_a_bonus_and_correct_a_mistake_and_the_next_statement_shows_both(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    pid = partner["partner_id"]
    # When staff grant a $25 "partner of the month" bonus and take back $10 paid twice by mistake
    bonus = adjust(api, pid, amount=2500, currency="usd", reason="partner of the month")
    fix = adjust(api, pid, amount=-1000, currency="USD", reason="October invoice counted twice")

    # Then both are ledger entries with who did it, pending for the program's hold
    assert bonus.status == 201 and fix.status == 201, (bonus.body, fix.body)
    assert bonus.json["rule"] == "adjustment" and bonus.json["amount"] == {"amount": 2500, "currency": "USD"}
    assert bonus.json["created_by"] == "local-admin" and bonus.json["note"] == "partner of the month"
    assert bonus.json["status"] == "pending" and bonus.json["available_at"].startswith("2026-12-02")
    assert commissions.balances(ctx, pid)["USD"]["unpaid"] == 1500

    # When December is paid after its hold ended
    method = {"kind": "paypal", "reference": "ada@pay.example"}
    assert api.put(f"/admin/partners/{pid}/payout-method", json=method, headers=ADMIN).status == 200
    ctx.clock.set(datetime(2027, 1, 1, 6, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    PayoutRun(ctx, None).run("2026-12")

    # Then the payout nets them ($15) and its statement shows each with its reason
    statement = api.get(f"/admin/payouts/{pid}/2026-12/USD/statement", headers=ADMIN)
    assert statement.status == 200, statement.body
    lines = {line["amount"]: line for line in statement.json["lines"]}
    assert statement.json["total"] == 1500 and sorted(lines) == [-1000, 2500]
    assert lines[2500]["rule"] == "adjustment" and lines[2500]["note"] == "partner of the month"
    assert lines[-1000]["note"] == "October invoice counted twice"


def test_a_non_cash_reward_is_recorded_at_zero_with_its_description_and_listed_to_the_partner(
    api: ApiClient, ctx: AppContext, partner: dict[str, Any]
) -> None:
    pid = partner["partner_id"]
    # When staff record a gift without saying what it is, then with a description
    missing = adjust(api, pid, amount=0, currency="USD", reason="launch incentive")
    gift = adjust(api, pid, amount=0, currency="USD", reason="launch incentive", description="conference ticket")
    # Then the first is refused, the second stored at zero
    assert missing.status == 400 and missing.error_code == "description_required", missing.body
    assert gift.status == 201 and gift.json["description"] == "conference ticket", gift.body
    # And the partner sees it in its adjustments; another partner sees none
    own = api.get("/partner/adjustments", headers=partner_headers(given_api_key(api, pid)))
    assert own.status == 200, own.body
    assert [(a["amount"]["amount"], a["description"]) for a in own.json["items"]] == [(0, "conference ticket")]
    other = given_partner(api, email="bob@partner.example")
    theirs = api.get("/partner/adjustments", headers=partner_headers(given_api_key(api, other["partner_id"])))
    assert theirs.json["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 100, "currency": "USD"},
        {"amount": 100, "currency": "US", "reason": "x" * 5},
        {"amount": 1.5, "currency": "USD", "reason": "bonus"},
        {"amount": 10**12, "currency": "USD", "reason": "bonus"},
    ],
)
def test_a_bad_adjustment_is_a_4xx(api: ApiClient, partner: dict[str, Any], body: dict[str, Any]) -> None:
    response = adjust(api, partner["partner_id"], **body)
    assert 400 <= response.status < 500 and response.json["error"]["code"], response.body


def test_an_adjustment_for_an_unknown_partner_is_404(api: ApiClient, partner: dict[str, Any]) -> None:
    response = adjust(api, "ptr_missing", amount=100, currency="USD", reason="bonus")
    assert response.status == 404, response.body
