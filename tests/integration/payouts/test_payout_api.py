"""Payout routes: admin list/preview/export/mark-paid/statements, partner payouts and statements."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shared.context import AppContext
from shared.payouts.models import PayoutStatus
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from tests.helpers import ledger_factories as lf
from tests.helpers.api import ApiClient
from tests.helpers.factories import given_api_key, given_partner, given_program, partner_headers
from tests.helpers.fake_stripe import FakeStripe

PERIOD = "2026-10"


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    yield server
    server.stop()


def given_paid_partner(api: ApiClient, ctx: AppContext, email: str, method: dict[str, str]) -> tuple[str, list[str]]:
    partner = given_partner(api, email=email)
    response = api.put(f"/admin/partners/{partner['partner_id']}/payout-method", json=method, headers=lf_admin())
    assert response.status == 200, response.body
    pid = partner["partner_id"]
    sale = lf.commission(pid, 8000)
    clawback = lf.commission(pid, -1500, reverses=sale.commission_id)
    lf.given(ctx.table, sale, clawback)
    return pid, [sale.commission_id, clawback.commission_id]


def lf_admin() -> dict[str, str]:
    return {"Authorization": "Bearer test-admin-token"}


def run_october(ctx: AppContext, fake: FakeStripe) -> None:
    PayoutRun(ctx, StripeTransfers("sk_test_local", api_base=fake.url, sleep=lambda _: None)).run(PERIOD)


def test_statements_list_every_line_and_total_the_payout(
    api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe, admin_headers: dict[str, str]
) -> None:
    # Given a Connect partner with a sale and its clawback, paid in the October run
    given_program(api)
    pid, entry_ids = given_paid_partner(
        api, ctx, "ada@partner.example", {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    )
    run_october(ctx, fake_stripe)

    # When the admin lists October's payouts and reads the statement
    listing = api.get("/admin/payouts", query={"period": PERIOD}, headers=admin_headers)
    statement = api.get(f"/admin/payouts/{pid}/{PERIOD}/usd/statement", headers=admin_headers)
    as_csv = api.get(f"/admin/payouts/{pid}/{PERIOD}/USD/statement.csv", headers=admin_headers)

    # Then the payout is paid, and the statement shows both lines summing to the amount
    assert listing.status == 200
    [payout] = listing.json["items"]
    assert payout["status"] == "paid" and payout["amount"] == {"amount": 6500, "currency": "USD"}
    assert statement.status == 200
    body = statement.json
    assert body["total"] == body["amount"] == 6500
    assert sorted(line["commission_id"] for line in body["lines"]) == sorted(entry_ids)
    reversal = next(line for line in body["lines"] if line["amount"] < 0)
    assert reversal["reverses"] == entry_ids[0] and reversal["invoice_id"]
    assert as_csv.status == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.body.decode())))
    assert rows[0][0] == "commission_id" and rows[-1][:1] == ["TOTAL"] and rows[-1][4] == "6500"
    assert len(rows) == 2 + 2


def test_a_partner_sees_only_its_own_payouts(api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given two paid partners
    given_program(api)
    ada, _ = given_paid_partner(
        api, ctx, "ada@partner.example", {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    )
    bob, _ = given_paid_partner(
        api, ctx, "bob@partner.example", {"kind": "stripe_connect", "stripe_account_id": "acct_bob"}
    )
    run_october(ctx, fake_stripe)
    ada_headers = partner_headers(given_api_key(api, ada))

    # When Ada lists her payouts and reads her statement (JSON and CSV)
    own = api.get("/partner/payouts", headers=ada_headers)
    statement = api.get(f"/partner/payouts/{PERIOD}/USD/statement", headers=ada_headers)
    as_csv = api.get(f"/partner/payouts/{PERIOD}/USD/statement", query={"format": "csv"}, headers=ada_headers)

    # Then she sees her payout only, without the claim plan's internals
    assert own.status == 200
    [payout] = own.json["items"]
    assert payout["status"] == "paid" and "commission_ids" not in payout
    hers = ctx.payouts.get(ada, PERIOD, "USD")
    assert hers is not None and payout["payout_id"] == hers.payout_id and bob not in own.body.decode()
    assert statement.status == 200 and statement.json["partner_id"] == ada
    assert as_csv.status == 200 and "TOTAL" in as_csv.body.decode() and bob not in as_csv.body.decode()
    # And no route reaches a payout that is not hers: the partner id comes from her credential
    missing = api.get(f"/partner/payouts/{PERIOD}/EUR/statement", headers=ada_headers)
    assert missing.status == 404 and missing.error_code == "payout_not_found"


def test_a_partner_lists_the_payouts_of_one_period_read_by_key(
    api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given on 1 December, Ada paid in October, and in November for a commission available in November
    ctx.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    given_program(api)
    ada, _ = given_paid_partner(
        api, ctx, "ada@partner.example", {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    )
    run_october(ctx, fake_stripe)
    lf.given(ctx.table, lf.commission(ada, 9000, available_at=lf.OCTOBER.replace(month=11)))
    PayoutRun(ctx, StripeTransfers("sk_test_local", api_base=fake_stripe.url, sleep=lambda _: None)).run("2026-11")
    headers = partner_headers(given_api_key(api, ada))

    # When she asks for October's payouts only
    before = ctx.table.request_count
    october = api.get("/partner/payouts", query={"period": PERIOD}, headers=headers)
    requests = ctx.table.request_count - before

    # Then she gets October's, read with one Query on the period's key prefix (plus her API key)
    assert october.status == 200 and [p["period"] for p in october.json["items"]] == [PERIOD]
    assert requests == 2
    every = api.get("/partner/payouts", headers=headers).json["items"]
    assert [p["period"] for p in every] == [PERIOD, "2026-11"]


def test_other_partners_statement_is_not_found(api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe) -> None:
    # Given Bob was paid and Carol never was
    given_program(api)
    given_paid_partner(api, ctx, "bob@partner.example", {"kind": "stripe_connect", "stripe_account_id": "acct_bob"})
    carol = given_partner(api, email="carol@partner.example")
    run_october(ctx, fake_stripe)

    # When Carol asks for the October USD statement
    response = api.get(
        f"/partner/payouts/{PERIOD}/USD/statement", headers=partner_headers(given_api_key(api, carol["partner_id"]))
    )

    # Then it is not found: Bob's payout is never reachable with her key
    assert response.status == 404


def test_manual_payouts_are_exported_and_marked_paid_once(
    api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe, admin_headers: dict[str, str]
) -> None:
    # Given a partner paid through PayPal, and the October run done
    given_program(api)
    pid, _ = given_paid_partner(api, ctx, "ada@partner.example", {"kind": "paypal", "reference": "ada@paypal.example"})
    run_october(ctx, fake_stripe)

    # When finance exports the manual payouts and marks Ada's paid
    export = api.get("/admin/payouts/export.csv", query={"period": PERIOD}, headers=admin_headers)
    marked = api.post(
        f"/admin/payouts/{pid}/{PERIOD}/USD/mark-paid", json={"reference": "PAYPAL-TX-1"}, headers=admin_headers
    )
    again = api.post(
        f"/admin/payouts/{pid}/{PERIOD}/USD/mark-paid", json={"reference": "PAYPAL-TX-2"}, headers=admin_headers
    )
    export_after = api.get("/admin/payouts/export.csv", query={"period": PERIOD}, headers=admin_headers)

    # Then the CSV listed her payout; it is paid with the first reference, the second mark is refused
    rows = list(csv.DictReader(io.StringIO(export.body.decode())))
    assert [(r["partner_id"], r["amount"], r["method"], r["destination"]) for r in rows] == [
        (pid, "6500", "paypal", "ada@paypal.example")
    ]
    assert marked.status == 200 and marked.json["status"] == "paid" and marked.json["reference"] == "PAYPAL-TX-1"
    assert again.status == 409 and again.error_code == "payout_not_pending"
    assert len(list(csv.DictReader(io.StringIO(export_after.body.decode())))) == 0
    stored = ctx.payouts.get(pid, PERIOD, "USD")
    assert stored is not None and stored.status is PayoutStatus.PAID and fake_stripe.transfers == []


def test_preview_shows_what_would_be_paid(api: ApiClient, ctx: AppContext, admin_headers: dict[str, str]) -> None:
    given_program(api)
    pid, _ = given_paid_partner(
        api, ctx, "ada@partner.example", {"kind": "stripe_connect", "stripe_account_id": "acct_ada"}
    )
    response = api.get("/admin/payouts/preview", query={"period": PERIOD}, headers=admin_headers)
    assert response.status == 200
    assert response.json["payable_totals"] == {"USD": 6500}
    assert response.json["lines"][0]["partner_id"] == pid
    assert ctx.payouts.get(pid, PERIOD, "USD") is None


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/admin/payouts", None, "period"),
        ("GET", "/admin/payouts?period=2026-13", None, "period"),
        ("GET", "/admin/payouts/preview?period=oct", None, "period"),
        ("GET", "/admin/payouts/export.csv", None, "period"),
        ("GET", "/admin/payouts/p1/2026-10/dollars/statement", None, "currency"),
        ("GET", "/admin/payouts/p1/2026-10/USD/statement?format=xml", None, "format"),
        ("POST", "/admin/payouts/p1/2026-10/USD/mark-paid", {}, "reference"),
        ("POST", "/admin/payouts/p1/2026-10/USD/mark-paid", {"reference": ""}, "reference"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    api: ApiClient, admin_headers: dict[str, str], *, method: str, path: str, body: object, field: str
) -> None:
    route, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else None
    response = api.request(method, route, json_body=body, headers=admin_headers, query=params)
    assert 400 <= response.status < 500 and response.status != 404, response.body
    assert field in response.json["error"]["message"]


def test_unknown_payout_is_404(api: ApiClient, ctx: AppContext, admin_headers: dict[str, str]) -> None:
    response = api.post("/admin/payouts/p1/2026-10/USD/mark-paid", json={"reference": "x"}, headers=admin_headers)
    assert response.status == 404 and response.error_code == "payout_not_found"
