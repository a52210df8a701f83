"""The portal's Customers page: a partner's referred customers (masked email, first and last payment, status),
kept by the same webhook transactions that record payments, refunds and cancellations; only its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.commissions import customers
from shared.commissions.models import AttributionSource, CustomerAttribution
from shared.context import AppContext
from shared.core import keys
from shared.links import click_token
from shared.partners.models import Partner
from tests.helpers import stripe_payloads as sp
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import ADMIN
from tests.helpers.webhooks import deliver

NOV_1 = 1793523600  # 2026-11-01 09:00 UTC
NOV_2 = 1793613600  # 2026-11-02 10:00 UTC


def signed_in(api: ApiClient, mail_dir: Path, email: str, ip: str) -> PageClient:
    browser = PageClient(api, ip=ip)
    assert browser.sign_in(email, mail_dir).status == 303
    return browser


def customer_through_link(api: ApiClient, partner: Partner, code: str, customer: str, email: str) -> None:
    """A visitor clicks the partner's link and subscribes at the Checkout (the click token binds it)."""
    token = click_token.issue("test-click-token-secret", code, partner.partner_id, NOV_1)
    session = sp.checkout_session(
        customer=customer, client_reference_id=token, subscription=f"sub_{customer}", email=email
    )
    assert deliver(api, sp.event("checkout.session.completed", session)).status == 200


def pays(api: ApiClient, customer: str, email: str, pi: str, paid_at: int) -> dict[str, Any]:
    """The customer's invoice is paid, then linked to its payment."""
    invoice = sp.invoice(customer=customer, subscription=f"sub_{customer}", amount_paid=10000, paid_at=paid_at)
    invoice["customer_email"] = email
    assert deliver(api, sp.event("invoice.paid", invoice)).status == 200
    linked = sp.invoice_payment(invoice_id=invoice["id"], payment_intent=pi, amount=10000)
    assert deliver(api, sp.event("invoice_payment.paid", linked)).status == 200
    return invoice


def rows_of(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>", maxsplit=1)[0]
    return [row for row in body.split("<tr>")[1:]]


def test_a_partner_sees_its_customers_with_masked_email_payments_and_status(
    api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    # Given three customers who came through Ada's link: one paying, one who cancelled, one refunded in full
    customer_through_link(api, ada, "ada-link", "cus_paying", "paula@customer.example")
    pays(api, "cus_paying", "paula@customer.example", "pi_paying_1", NOV_1)
    pays(api, "cus_paying", "paula@customer.example", "pi_paying_2", NOV_2)
    customer_through_link(api, ada, "ada-link", "cus_gone", "carl@customer.example")
    pays(api, "cus_gone", "carl@customer.example", "pi_gone", NOV_1)
    ended = sp.subscription_deleted(subscription="sub_cus_gone", customer="cus_gone")
    assert deliver(api, sp.event("customer.subscription.deleted", ended)).status == 200
    customer_through_link(api, ada, "ada-link", "cus_back", "rita@customer.example")
    pays(api, "cus_back", "rita@customer.example", "pi_back", NOV_1)
    assert deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_back", amount=10000))).status == 200

    # When Ada opens her Customers page
    browser = signed_in(api, mail_dir, "ada@partners.example", "198.51.100.40")
    response = browser.get("/portal/customers")

    # Then she sees each customer masked, with its payments and status, and never the address or Stripe id
    assert response.status == 200
    page = browser.text
    by_email = {row.split("<br>")[0].split(">")[-1]: row for row in rows_of(page)}
    assert set(by_email) == {"p***@customer.example", "c***@customer.example", "r***@customer.example"}
    assert "Active" in by_email["p***@customer.example"] and "Nov 1, 2026" in by_email["p***@customer.example"]
    assert "Nov 2, 2026" in by_email["p***@customer.example"]  # the last payment
    assert "Cancelled" in by_email["c***@customer.example"]
    assert "Refunded" in by_email["r***@customer.example"]
    assert "ada-link" in by_email["p***@customer.example"]  # a link-driven sale is visible
    assert "paula@" not in page and "cus_paying" not in page

    # And Bob, signed in, sees none of them
    bob_browser = signed_in(api, mail_dir, "bob@partners.example", "198.51.100.41")
    assert bob_browser.get("/portal/customers").status == 200
    assert "customer.example" not in bob_browser.text and "No customers yet" in bob_browser.text


def test_a_refund_taken_back_and_a_later_payment_make_the_customer_active_again(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    # Given a customer refunded in full
    customer_through_link(api, ada, "ada-link", "cus_again", "gil@customer.example")
    pays(api, "cus_again", "gil@customer.example", "pi_again_1", NOV_1)
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_again_1", amount=10000, refund_id="re_x")))
    binding = ctx.commissions.find_attribution("cus_again")
    assert binding is not None and customers.status_of(binding).value == "refunded"
    # When the same refund event is delivered again, and then the customer pays again
    deliver(api, sp.event("refund.created", sp.refund(payment_intent="pi_again_1", amount=10000, refund_id="re_x")))
    pays(api, "cus_again", "gil@customer.example", "pi_again_2", NOV_2)
    # Then the customer is active again, paid twice, its last payment the newer one
    binding = ctx.commissions.find_attribution("cus_again")
    assert binding is not None
    assert customers.status_of(binding).value == "active"
    assert binding.paid_sales == 2 and binding.last_paid_at == datetime.fromtimestamp(NOV_2, tz=UTC)


def test_the_customers_page_pages_with_a_cursor_and_moves_with_a_reattribution(
    api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    # Given 3 customers of Ada's link, shown 2 per page
    for n, name in enumerate(("xena", "yuri", "zoe")):
        customer_through_link(api, ada, "ada-link", f"cus_page{n}", f"{name}@customer.example")
    first, cursor = customers.partner_customers(ctx, ada.partner_id, limit=2, cursor=None)
    second, last = customers.partner_customers(ctx, ada.partner_id, limit=2, cursor=cursor)
    assert len(first) == 2 and len(second) == 1 and cursor and last is None
    # When staff move one of them to Bob
    moved = api.post(
        "/admin/customers/cus_page0/attribution",
        json={"partner_id": bob.partner_id, "reason": "Bob closed the deal", "reattribute": True},
        headers=ADMIN,
    )
    # Then it leaves Ada's list and joins Bob's (the listing key moves with the attribution)
    assert moved.status == 200
    ada_list, _ = customers.partner_customers(ctx, ada.partner_id, limit=10, cursor=None)
    bob_list, _ = customers.partner_customers(ctx, bob.partner_id, limit=10, cursor=None)
    assert [c["email_masked"] for c in bob_list] == ["x***@customer.example"]
    assert sorted(c["email_masked"] for c in ada_list) == ["y***@customer.example", "z***@customer.example"]
    stored = ctx.table.get(keys.customer_attribution("cus_page1"))
    assert stored is not None and stored["gsi1pk"] == keys.customer_partner_partition(ada.partner_id)
    # And a cursor that was tampered with is a 400, not a 500
    browser = signed_in(api, mail_dir, "ada@partners.example", "198.51.100.42")
    assert browser.get("/portal/customers?cursor=garbage!").status == 400
    # and so is Bob's cursor in Ada's browser (it names Bob's list)
    customer_through_link(api, bob, "bob-link", "cus_bob2", "quinn@customer.example")
    bob_cursor = customers.partner_customers(ctx, bob.partner_id, limit=1, cursor=None)[1]
    assert bob_cursor is not None
    assert browser.get(f"/portal/customers?cursor={bob_cursor}").status == 400


def test_attributions_stored_before_the_list_existed_are_backfilled_once(ctx: AppContext, ada: Partner) -> None:
    # Given an attribution written before the Customers page (no GSI1 keys)
    binding = CustomerAttribution(
        stripe_customer_id="cus_old", partner_id=ada.partner_id, program_id=ctx.program_id,
        source=AttributionSource.REF_CODE, touched_at=datetime(2026, 1, 5, tzinfo=UTC),
        attributed_at=datetime(2026, 1, 5, tzinfo=UTC), version=3,
    )  # fmt: skip
    ctx.table.put({k: v for k, v in binding.to_item().items() if not k.startswith("gsi1")})
    assert customers.partner_customers(ctx, ada.partner_id, limit=10, cursor=None)[0] == []
    # When the backfill runs, twice
    assert customers.backfill_listing(ctx) == 1
    assert customers.backfill_listing(ctx) == 0
    # Then Ada's list shows the customer
    listed, _ = customers.partner_customers(ctx, ada.partner_id, limit=10, cursor=None)
    assert [c["status"] for c in listed] == ["active"]
