"""POST /admin/payouts/run: staff start a period's run from the admin API (in-process locally; in AWS the
admin function invokes the payout function asynchronously). Running it twice pays nobody twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shared.context import AppContext
from tests.helpers import ledger_factories as lf
from tests.helpers.api import ApiClient
from tests.helpers.factories import given_partner, given_program
from tests.helpers.fake_stripe import FakeStripe

pytestmark = pytest.mark.integration
PERIOD = "2026-10"
HOLD_ENDS = datetime(2026, 12, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    monkeypatch.delenv("PAYOUTS_FUNCTION_NAME", raising=False)
    yield server
    server.stop()


def test_an_admin_runs_the_period_and_a_second_run_pays_nobody_twice(
    api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe, admin_headers: dict[str, str]
) -> None:
    # Given a Connect partner with an approved October commission of $80
    given_program(api)
    partner = given_partner(api)
    pid = partner["partner_id"]
    method = {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    assert api.put(f"/admin/partners/{pid}/payout-method", json=method, headers=admin_headers).status == 200
    lf.given(ctx.table, lf.commission(pid, 8000))

    # When staff run October twice
    first = api.post("/admin/payouts/run", json={"period": PERIOD}, headers=admin_headers)
    second = api.post("/admin/payouts/run", json={"period": PERIOD}, headers=admin_headers)

    # Then the first run paid $80 by one transfer and the second found nothing left to pay
    assert first.status == 200 and first.json["status"] == "done", first.body
    assert second.status == 200, second.body
    assert [(t.amount, t.destination) for t in fake_stripe.transfers] == [(8000, "acct_ada")]
    [payout] = api.get("/admin/payouts", query={"period": PERIOD}, headers=admin_headers).json["items"]
    assert payout["status"] == "paid" and payout["amount"] == {"amount": 8000, "currency": "USD"}


@pytest.mark.parametrize("body", [{}, {"period": "2026-13"}, {"period": "October"}, {"period": "2026-10", "x": 1}])
def test_a_run_needs_a_valid_period(api: ApiClient, ctx: AppContext, admin_headers: dict[str, str], body: dict) -> None:
    # Given a program; When staff start a run with a bad period
    given_program(api)
    response = api.post("/admin/payouts/run", json=body, headers=admin_headers)
    # Then a 422 names the field
    assert response.status == 422 and response.error_code == "validation_error", response.body


def test_a_run_needs_the_admin_credential(api: ApiClient) -> None:
    response = api.post("/admin/payouts/run", json={"period": PERIOD})
    assert response.status == 401


def test_a_run_of_a_period_that_has_not_ended_is_refused_and_pays_nothing_in_its_hold(
    api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe, admin_headers: dict[str, str]
) -> None:
    # Given on 2026-11-23 a Connect partner with a $80 commission payable since October and a $50 one whose
    # hold ends on 2026-12-23
    given_program(api)
    pid = given_partner(api)["partner_id"]
    method = {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    assert api.put(f"/admin/partners/{pid}/payout-method", json=method, headers=admin_headers).status == 200
    lf.given(ctx.table, lf.commission(pid, 8000), lf.commission(pid, 5000, available_at=HOLD_ENDS))
    ctx.clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    # When staff run December, and November, both months that have not ended
    december = api.post("/admin/payouts/run", json={"period": "2026-12"}, headers=admin_headers)
    november = api.post("/admin/payouts/run", json={"period": "2026-11"}, headers=admin_headers)

    # Then both are refused with a clear 409 and nobody was paid
    for refused in (december, november):
        assert refused.status == 409 and refused.error_code == "period_not_ended", refused.body
        assert "2026-12-01" in refused.json["error"]["message"] or "2027-01-01" in refused.json["error"]["message"]
    assert fake_stripe.transfers == []
    assert api.get("/admin/payouts", query={"period": "2026-12"}, headers=admin_headers).json["items"] == []

    # When they ask for December as a dry run
    dry = api.post("/admin/payouts/run", json={"period": "2026-12", "dry_run": True}, headers=admin_headers)

    # Then it shows only what is payable now: the $80, not the $50 still in its hold
    assert dry.status == 200 and dry.json["dry_run"] is True, dry.body
    assert dry.json["payable_totals"] == {"USD": 8000}
    assert fake_stripe.transfers == []
