"""Lead capture: latency of POST /leads through the real handler, and DynamoDB requests per operation.

Floor: one raw PutItem of a lead-sized item on the same DynamoDB Local (what a lead costs at the very least).
Figures: a new lead (JSON), a repeat of the same email (idempotent), a form post (303), and qualifying a lead
(status + bounty in one transaction).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
from typing import Any
from urllib.parse import urlencode

from bench.harness import BenchContext, RequestCounter, percentiles, row, time_calls
from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response
from shared import context as deps
from shared.context import AppContext
from shared.core.money import Money
from shared.leads import intake, lifecycle
from shared.leads.models import AttributionMethod, LeadSource, LeadStatus
from shared.programs import service as programs

ITERATIONS = 300


def _context(bench: BenchContext) -> AppContext:
    plan = programs.PlanInput(plan_id="leads", name="Leads", lead_bounty=Money.of(5000, "USD"))
    ctx, _ = bench.program_context(
        "leads", plan, thank_you_url="https://www.acme.example/thanks", lead_rate_limit_per_ip=10_000
    )
    return ctx


def run(bench: BenchContext) -> None:
    """Print latency percentiles against the raw PutItem floor, and requests per operation."""
    os.environ.setdefault("CLICK_TOKEN_SECRET", "bench-click-token-secret")
    ctx = _context(bench)
    deps.set_context(ctx)
    counter = RequestCounter()
    counter.attach(bench.client)
    lambdas = LocalLambdas()
    numbers = itertools.count()

    def post(body: bytes, content_type: str, ip: str = "203.0.113.7") -> int:
        found = lambdas.find_route("POST", "/leads")
        assert found is not None
        event = http_event(
            route=found[0],
            method="POST",
            path="/leads",
            headers={"content-type": content_type, "origin": "https://www.acme.example"},
            body=body,
            source_ip=ip,
        )
        # The handler flushes its EMF metrics to stdout; keep them out of the report.
        with contextlib.redirect_stdout(io.StringIO()):
            return to_http_response(lambdas.invoke(found[0].function, event)).status

    def new_lead() -> None:
        body = json.dumps({"email": f"p{next(numbers)}@prospect.example", "ref": "bench-link"}).encode()
        assert post(body, "application/json") == 201

    def repeat_lead() -> None:
        assert post(json.dumps({"email": "same@prospect.example"}).encode(), "application/json") == 201

    def form_lead() -> None:
        body = urlencode({"email": f"f{next(numbers)}@prospect.example", "consent_to_contact": "on"}).encode()
        assert post(body, "application/x-www-form-urlencoded") == 303

    def raw_put() -> None:
        n = next(numbers)
        item: dict[str, Any] = {
            "pk": {"S": f"BENCH#{n}"},
            "sk": {"S": "LEAD"},
            "email": {"S": f"p{n}@prospect.example"},
            "status": {"S": "new"},
        }
        bench.client.put_item(TableName=ctx.table.name, Item=item)

    floor = percentiles(time_calls(raw_put, ITERATIONS))
    print(row("floor: raw PutItem", floor))
    for label, call in (
        ("POST /leads JSON, new lead", new_lead),
        ("POST /leads JSON, repeat email", repeat_lead),
        ("POST /leads form, new lead (303)", form_lead),
    ):
        figures = percentiles(time_calls(call, ITERATIONS))
        counter.reset()
        call()
        print(row(label, figures, floor) + f"   dynamodb requests={counter.count} {counter.by_operation}")

    lead_ids = [intake.submit_lead(ctx, ctx.programs.get("default"), *_referred(ctx, n)).lead_id for n in range(200)]
    pending = iter(lead_ids)

    def qualify() -> None:
        lifecycle.change_status(ctx, next(pending), LeadStatus.QUALIFIED)

    figures = percentiles(time_calls(qualify, 150, warmup=20))
    counter.reset()
    qualify()
    print(row("qualify (status + bounty, 1 transaction)", figures, floor) + f"   dynamodb requests={counter.count}")
    deps.set_context(None)


def _referred(ctx: AppContext, n: int) -> tuple[intake.Prospect, intake.Claimant]:
    link = ctx.links.get("bench-link")
    partner = ctx.partners.get(link.partner_id)
    prospect = intake.Prospect.of(f"q{n}@prospect.example", {}, False, LeadSource.PARTNER_SUBMITTED)
    claimant = intake.Claimant(partner, AttributionMethod.PARTNER_SUBMITTED, ctx.clock.now())
    return prospect, claimant
