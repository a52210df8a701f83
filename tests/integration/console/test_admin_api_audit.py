"""Every successful admin JSON API write is in the audit trail with who (the IAM caller, else the local admin)
and when, once for all routes; reads and refused requests are not; the console lists them per program and per
partner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.audit import service as audit
from shared.commissions.adjustments import LOCAL_ADMIN
from shared.context import AppContext
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.browser_client import PageClient
from tests.helpers.factories import ADMIN, given_partner, given_plan, given_program

from .conftest import STAFF

OPS = "arn:aws:iam::123456789012:user/ops"


def _trail(ctx: AppContext) -> list[tuple[str, str, str | None, str | None]]:
    return [(e.actor, e.action, e.partner_id, e.detail) for e in reversed(audit.program_trail(ctx))]


def test_each_successful_admin_write_is_recorded_with_who_what_and_which_partner(
    api: ApiClient, ctx: AppContext
) -> None:
    # When the local admin sets up a program, a plan and a partner, then pauses the partner
    given_program(api)
    given_plan(api, plan_id="gold")
    partner = given_partner(api)
    pid = partner["partner_id"]
    paused = api.post(f"/admin/partners/{pid}/status", json={"status": "paused", "reason": "Audit"}, headers=ADMIN)
    assert paused.status == 200, paused.body
    # Then each write is in the program's trail, in order, the partner's ones with its id
    assert _trail(ctx) == [
        (LOCAL_ADMIN, "admin_api.PUT", None, "PUT /admin/program -> 200"),
        (LOCAL_ADMIN, "admin_api.POST", None, "POST /admin/plans -> 201"),
        (LOCAL_ADMIN, "admin_api.POST", pid, "POST /admin/partners -> 201"),
        (LOCAL_ADMIN, "admin_api.POST", pid, f"POST /admin/partners/{pid}/status -> 200"),
    ]
    assert [e.detail for e in audit.partner_trail(ctx, pid)] == [
        f"POST /admin/partners/{pid}/status -> 200",
        "POST /admin/partners -> 201",
    ]
    assert all(e.at == ctx.clock.now() for e in audit.program_trail(ctx))


def test_reads_and_refused_writes_are_not_recorded(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    before = len(audit.program_trail(ctx))
    assert api.get("/admin/partners", headers=ADMIN).status == 200
    assert api.post("/admin/partners", json={"name": ""}, headers=ADMIN).status == 422
    assert api.post("/admin/partners/ptr_nope/status", json={"status": "paused"}, headers=ADMIN).status in (404, 422)
    assert api.post("/admin/plans", json={"name": "x"}).status == 401
    assert len(audit.program_trail(ctx)) == before


def test_an_iam_callers_write_is_recorded_under_its_arn(api: ApiClient, ctx: AppContext) -> None:
    given_program(api)
    body = json.dumps({"name": "Gold", "sale_rate": "0.3", "plan_id": "gold"})
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "ANY /admin/{proxy+}",
        "rawPath": "/admin/plans",
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "body": body,
        "requestContext": {
            "http": {"method": "POST", "path": "/admin/plans", "sourceIp": "1.2.3.4", "userAgent": "x"},
            "authorizer": {"iam": {"accountId": "123456789012", "userArn": OPS}},
            "requestId": "r1",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    assert lambdas().invoke("admin_api", event)["statusCode"] == 201
    assert _trail(ctx)[-1] == (OPS, "admin_api.POST", None, "POST /admin/plans -> 201")


def test_the_console_shows_admin_api_writes_per_program_and_per_partner(
    api: ApiClient, ctx: AppContext, mail_dir: Path
) -> None:
    given_program(api)
    partner = given_partner(api)
    client = PageClient(api, ip="198.51.100.22")
    assert client.sign_in(STAFF, mail_dir, area="/console").status == 303
    client.get("/console/audit")
    assert "admin_api.POST" in client.text and "POST /admin/partners -> 201" in client.text
    client.get(f"/console/partners/{partner['partner_id']}")
    assert LOCAL_ADMIN in client.text and "POST /admin/partners -> 201" in client.text
