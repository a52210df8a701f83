"""The success answers the fuzzer rarely reaches (they need state: a payout, a voided entry, a webhook endpoint,
a partner of the month...) match the bodies the published documents declare: a short story through the real
handlers, each 2xx answer validated against its operation's schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from shared.context import AppContext
from tests.helpers import ledger_factories as lf
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.factories import (
    ADMIN,
    PROGRAM,
    given_api_key,
    given_partner,
    given_plan,
    given_program,
    partner_headers,
)
from tests.helpers.fake_stripe import FakeStripe

pytestmark = pytest.mark.integration
PERIOD = "2026-10"


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    monkeypatch.delenv("PAYOUTS_FUNCTION_NAME", raising=False)
    yield server
    server.stop()


class Checked:
    """Calls routes and holds each 2xx answer to the schema its operation declares for that status."""

    def __init__(self, api: ApiClient, document: dict[str, Any], headers: dict[str, str]) -> None:
        self.api, self.document, self.headers = api, document, headers
        self.operations: set[str] = set()

    def __call__(self, method: str, path: str, json: Any = None, **kwargs: Any) -> ApiResponse:
        response = self.api.request(method, path, json_body=json, headers=self.headers, **kwargs)
        assert 200 <= response.status < 300, (method, path, response.status, response.body[:300])
        template, operation = self._operation(method, path)
        content = operation["responses"][str(response.status)]["content"]
        if response.headers.get("content-type", "").startswith("text/csv"):
            assert "text/csv" in content, (method, template)
        else:
            schema = {**content["application/json"]["schema"], "components": self.document["components"]}
            errors = [
                f"{e.instance_path}: {e.message}"
                for e in jsonschema_rs.validator_for(schema).iter_errors(response.json)
            ]
            assert errors == [], (method, template, errors[:5])
        self.operations.add(f"{method} {template}")
        return response

    def _operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        """The document's operation for a concrete path: the template whose literal segments match it best."""
        parts = path.split("/")
        candidates = []
        for template, item in self.document["paths"].items():
            segments = template.split("/")
            if method.lower() not in item or len(segments) != len(parts):
                continue
            if all(s.startswith("{") or s == p for s, p in zip(segments, parts, strict=True)):
                candidates.append((sum(not s.startswith("{") for s in segments), template))
        assert candidates, f"{method} {path} is not in the document"
        template = max(candidates)[1]
        return template, self.document["paths"][template][method.lower()]


def test_stateful_answers_match_their_documented_bodies(
    api: ApiClient, ctx: AppContext, fake_stripe: FakeStripe
) -> None:
    # Given a program, a plan and a partner paid by PayPal, with a key
    given_program(api)
    plan = given_plan(api)
    pid = given_partner(api)["partner_id"]
    admin = Checked(api, api.get("/admin/openapi.json", headers=ADMIN).json, ADMIN)
    key = given_api_key(api, pid)
    partner = Checked(api, api.get("/partner/openapi.json", headers=partner_headers(key)).json, partner_headers(key))

    # When staff work through the partner's record, links, keys, codes and customers
    admin("PUT", f"/admin/partners/{pid}/plan", {"plan_id": plan["plan_id"]})
    admin("PUT", f"/admin/partners/{pid}/payout-method", {"kind": "paypal", "reference": "ada@pay.example"})
    admin("PATCH", f"/admin/partners/{pid}", {"stripe_customer_ids": ["cus_adaown"]})
    issued = admin("POST", f"/admin/partners/{pid}/api-keys", {"label": "second"})
    admin("DELETE", f"/admin/partners/{pid}/api-keys/{issued.json['key_id']}")
    admin("POST", f"/admin/partners/{pid}/links", {"code": "ada-news"})
    admin("GET", "/admin/links/ada-news/clicks")
    partner("GET", "/partner/links/ada-news/clicks")
    admin("POST", f"/admin/partners/{pid}/promotion-codes", {"code": "ADA20"})
    admin("POST", "/admin/customers/cus_sales/attribution", {"partner_id": pid, "reason": "closed by sales"})
    admin("PUT", "/admin/program", {**PROGRAM, "name": "Acme partners"})

    # And the ledger: an entry approved early, one voided twice, October paid by hand and its statement read
    bonus = admin("POST", f"/admin/partners/{pid}/adjustments", {"amount": 9000, "currency": "USD", "reason": "bonus"})
    admin("GET", f"/admin/commissions/{pid}/{bonus.json['commission_id']}")
    admin("POST", f"/admin/commissions/{pid}/{bonus.json['commission_id']}/approve")
    mistake = admin("POST", f"/admin/partners/{pid}/adjustments", {"amount": 100, "currency": "USD", "reason": "oops"})
    for _ in range(2):
        admin("POST", f"/admin/commissions/{pid}/{mistake.json['commission_id']}/void", {"reason": "a mistake"})
    lf.given(ctx.table, lf.commission(pid, 8000))
    admin("POST", "/admin/payouts/run", {"period": PERIOD, "dry_run": True})
    admin("POST", "/admin/payouts/run", {"period": PERIOD})
    admin("GET", f"/admin/payouts/{pid}/{PERIOD}/USD/statement")
    admin("GET", f"/admin/payouts/{pid}/{PERIOD}/USD/statement", query={"format": "csv"})
    admin("GET", f"/admin/payouts/{pid}/{PERIOD}/USD/statement.csv")
    partner("GET", f"/partner/payouts/{PERIOD}/USD/statement")
    partner("GET", f"/partner/payouts/{PERIOD}/USD/statement.csv")
    admin("POST", f"/admin/payouts/{pid}/{PERIOD}/USD/mark-paid", {"reference": "paypal-1"})
    partner("GET", "/partner/payouts")

    # And recognition and outgoing webhooks
    admin("PUT", f"/admin/reports/partner-of-the-month/{PERIOD}", {"partner_id": pid, "note": "great month"})
    admin("GET", f"/admin/reports/partner-of-the-month/{PERIOD}")
    admin("GET", "/admin/reports/partners", query={"format": "csv"})
    endpoint = admin("POST", "/admin/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks", "events": ["payout.paid"]})
    eid = endpoint.json["endpoint_id"]
    for action in ("disable", "enable", "rotate-secret"):
        admin("POST", f"/admin/webhook-endpoints/{eid}/{action}")
    admin("GET", f"/admin/webhook-endpoints/{eid}")
    admin("GET", f"/admin/webhook-endpoints/{eid}/deliveries")

    # Then every answer matched its documented body
    assert len(admin.operations) >= 25 and len(partner.operations) == 4
