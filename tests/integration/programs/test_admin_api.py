"""Admin API: set up a program without touching DynamoDB; bad input gets an actionable 4xx."""

from __future__ import annotations

import pytest

from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_link, given_partner, given_plan, given_program

pytestmark = pytest.mark.integration


def test_admin_routes_need_the_admin_token(api: ApiClient) -> None:
    # Given no token, then a wrong one
    missing = api.get("/admin/partners")
    wrong = api.get("/admin/partners", headers={"Authorization": "Bearer nope"})
    # Then both are 401 with the error shape
    assert (missing.status, missing.error_code) == (401, "unauthorized")
    assert (wrong.status, wrong.error_code) == (401, "unauthorized")
    assert api.get("/admin/partners", headers=ADMIN).status == 200


def test_an_iam_authorized_request_needs_no_token(api: ApiClient) -> None:
    # API Gateway's IAM authorizer puts the caller in requestContext.authorizer.iam: the handler trusts it.
    from tests.helpers.api import lambdas

    event = {
        "version": "2.0",
        "routeKey": "ANY /admin/{proxy+}",
        "rawPath": "/admin/partners",
        "rawQueryString": "",
        "headers": {},
        "requestContext": {
            "http": {"method": "GET", "path": "/admin/partners", "sourceIp": "1.2.3.4", "userAgent": "x"},
            "authorizer": {"iam": {"accountId": "123456789012", "userArn": "arn:aws:iam::123456789012:user/ops"}},
            "requestId": "r1",
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }
    result = lambdas().invoke("admin_api", event)
    assert result["statusCode"] == 200


def test_set_up_a_program_end_to_end(api: ApiClient) -> None:
    # Given a program, a plan, a partner and a link created through the admin API
    given_program(api)
    plan = given_plan(api, plan_id="gold", lead_bounty={"amount": 5000, "currency": "usd"})
    partner = given_partner(api, plan_id="gold")
    link = given_link(api, partner["partner_id"], code="ada-2026", destination="https://www.acme.example/pricing")

    # When the admin reads them back
    listed = api.get("/admin/partners", headers=ADMIN).json
    read = api.get(f"/admin/partners/{partner['partner_id']}", headers=ADMIN).json
    links = api.get(f"/admin/partners/{partner['partner_id']}/links", headers=ADMIN).json

    # Then everything is there, money as integer minor units with an upper-case ISO code
    assert plan["lead_bounty"] == {"amount": 5000, "currency": "USD"}
    assert [p["partner_id"] for p in listed["items"]] == [partner["partner_id"]]
    assert read["email"] == "ada@partner.example" and read["status"] == "active"
    assert [item["code"] for item in links["items"]] == [link["code"]]


def test_partner_status_transitions(api: ApiClient) -> None:
    given_program(api)
    partner = given_partner(api)
    path = f"/admin/partners/{partner['partner_id']}/status"
    paused = api.post(path, json={"status": "paused", "reason": "review"}, headers=ADMIN)
    assert (paused.status, paused.json["status"]) == (200, "paused")
    terminated = api.post(path, json={"status": "terminated"}, headers=ADMIN)
    assert terminated.json["status"] == "terminated"
    # Terminated is final
    back = api.post(path, json={"status": "active"}, headers=ADMIN)
    assert (back.status, back.error_code) == (409, "illegal_status_transition")


def test_agreement_acceptance_is_recorded_with_its_time(api: ApiClient) -> None:
    given_program(api)
    partner = given_partner(api)
    accepted = api.post(
        f"/admin/partners/{partner['partner_id']}/agreement", json={"version": "2026-11"}, headers=ADMIN
    )
    assert accepted.json["agreement_version"] == "2026-11"
    assert accepted.json["agreement_accepted_at"].startswith("2026-11-02T10:00:00")


def test_duplicate_email_and_duplicate_link_code_are_conflicts(api: ApiClient) -> None:
    given_program(api)
    partner = given_partner(api, email="Ada@Partner.example")
    again = api.post("/admin/partners", json={"name": "Ada 2", "email": "ada@partner.example"}, headers=ADMIN)
    assert (again.status, again.error_code) == (409, "partner_email_taken")
    given_link(api, partner["partner_id"], code="taken")
    duplicate = api.post(f"/admin/partners/{partner['partner_id']}/links", json={"code": "taken"}, headers=ADMIN)
    assert (duplicate.status, duplicate.error_code) == (409, "link_code_taken")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "field"),
    [
        ("POST", "/admin/partners", {"name": "x"}, 422, "validation_error", "email"),
        ("POST", "/admin/partners", {"name": "x", "email": "not-an-email"}, 422, "validation_error", "email"),
        (
            "POST",
            "/admin/partners",
            {"name": "x", "email": "a@b.example", "bogus": 1},
            422,
            "validation_error",
            "bogus",
        ),
        ("POST", "/admin/partners", "{not json", 400, "malformed_json", None),
        ("POST", "/admin/partners", [], 422, "validation_error", None),
        ("POST", "/admin/plans", {"name": "p", "sale_rate": "1.5"}, 422, "validation_error", "sale_rate"),
        (
            "POST",
            "/admin/plans",
            {"name": "p", "lead_bounty": {"amount": 1.5, "currency": "USD"}},
            422,
            "validation_error",
            "lead_bounty.amount",
        ),
        (
            "POST",
            "/admin/plans",
            {"name": "p", "lead_bounty": {"amount": 100, "currency": "dollars"}},
            422,
            "validation_error",
            "lead_bounty.currency",
        ),
        ("POST", "/admin/plans", {"name": "p", "recurring_scope": "months"}, 400, "invalid_plan", None),
        ("PUT", "/admin/program", {"name": "p"}, 422, "validation_error", "allowed_destination_domains"),
        ("GET", "/admin/partners/ptr_missing", None, 404, "partner_not_found", None),
        ("GET", "/admin/partners?limit=0", None, 422, "validation_error", "limit"),
        ("GET", "/admin/partners?cursor=garbage", None, 400, "invalid_cursor", None),
        ("POST", "/admin/partners/ptr_missing/status", {"status": "flying"}, 422, "validation_error", "status"),
        ("POST", "/admin/partners/ptr_missing/links", {"code": "a b"}, 422, "validation_error", "code"),
        ("GET", "/admin/nothing-here", None, 404, "route_not_found", None),
    ],
)
def test_bad_input_gets_an_actionable_4xx(  # noqa: PLR0917 - parametrized cases
    api: ApiClient, method: str, path: str, body: object, status: int, code: str, field: str | None
) -> None:
    given_program(api)
    route, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else None
    if isinstance(body, str):
        response = api.request(method, route, body=body, headers={**ADMIN, "content-type": "application/json"})
    else:
        response = api.request(method, route, json_body=body, headers=ADMIN, query=params)
    assert response.status == status, response.body
    assert response.error_code == code
    assert response.json["error"]["message"]
    if field:
        assert field in [f["field"] for f in response.json["error"]["details"]["fields"]]


def test_link_destination_must_be_within_allowed_domains(api: ApiClient) -> None:
    given_program(api)
    partner = given_partner(api)
    response = api.post(
        f"/admin/partners/{partner['partner_id']}/links",
        json={"destination": "https://acme.example.evil.example/"},
        headers=ADMIN,
    )
    assert (response.status, response.error_code) == (400, "destination_not_allowed")


def test_partner_list_paginates(api: ApiClient) -> None:
    # Given five partners
    given_program(api)
    for i in range(5):
        given_partner(api, email=f"p{i}@partner.example")
    # When staff page through them two at a time
    first = api.get("/admin/partners", headers=ADMIN, query={"limit": "2"}).json
    second = api.get("/admin/partners", headers=ADMIN, query={"limit": "2", "cursor": first["next_cursor"]}).json
    third = api.get("/admin/partners", headers=ADMIN, query={"limit": "2", "cursor": second["next_cursor"]}).json
    # Then every partner is listed once, and the last page says there is no further page
    ids = [p["partner_id"] for page in (first, second, third) for p in page["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert [len(page["items"]) for page in (first, second, third)] == [2, 2, 1]
    assert third["next_cursor"] is None
