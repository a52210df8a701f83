"""Every admin and partner route, driven from the APIs' own OpenAPI description, answers bad input with a
4xx JSON error a person can act on: never a 500, never a stack trace. New routes are swept automatically.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from shared.core.http import published_openapi
from tests.helpers import stripe_payloads
from tests.helpers.api import ApiClient, ApiResponse
from tests.helpers.factories import ADMIN, given_api_key, given_link, given_partner, given_plan, given_program

pytestmark = pytest.mark.integration

BAD_BODIES: list[tuple[str, bytes]] = [
    ("malformed JSON", b'{"name": '),
    ("a JSON array", b"[1, 2]"),
    ("a JSON string", b'"hello"'),
    ("an empty object", b"{}"),
    ("wrong types everywhere", json.dumps({"name": 7, "email": [], "amount": "1.5", "status": {"x": 1}}).encode()),
    ("a float amount", json.dumps({"amount": 10.5, "currency": "USD"}).encode()),
    ("an unknown field", json.dumps({"definitely_not_a_field": True}).encode()),
    ("not JSON at all", b"\xff\xfe\x00garbage"),
]
BAD_PATH_VALUES = ["does-not-exist", "x" * 300, "..%2F..%2Fetc", "%00", "ptr_'\"<script>"]
BAD_QUERY_VALUES = ["-1", "0", "99999999999999999999", "not-a-number", "x" * 2000, "%ZZ"]


def _operations(module_name: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    module = __import__(module_name, fromlist=["app"])
    document = published_openapi(module.app)  # the document as published, walked as JSON
    for path, item in document["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [(p["name"], p["in"]) for p in operation.get("parameters", [])]
            yield method.upper(), path, {"parameters": parameters, "has_body": "requestBody" in operation}


def _assert_actionable(response: ApiResponse, context: str) -> None:
    assert response.status < 500, f"{context}: {response.status} {response.body[:300]!r}"
    if response.status >= 400:
        error = response.json.get("error", {})
        assert isinstance(error.get("code"), str) and error["code"], context
        assert isinstance(error.get("message"), str) and error["message"], context
        assert b"Traceback" not in response.body, context


def _fill(path: str, value: str, known: dict[str, str]) -> str:
    result = path
    while "{" in result:
        start, end = result.index("{"), result.index("}")
        name = result[start + 1 : end]
        result = result[:start] + (known.get(name, value) if value == "@known" else value) + result[end + 1 :]
    return result


def _sweep(api: ApiClient, module_name: str, headers: dict[str, str], known: dict[str, str]) -> int:
    checked = 0
    for method, template, spec in _operations(module_name):
        for path_value in ["@known", *BAD_PATH_VALUES]:
            path = _fill(template, path_value, known)
            if spec["has_body"]:
                for label, body in BAD_BODIES:
                    response = api.request(
                        method, path, body=body, headers={**headers, "content-type": "application/json"}
                    )
                    _assert_actionable(response, f"{method} {path} with {label}")
                    if label == "malformed JSON" and path_value == "@known":
                        assert response.status == 400, f"{method} {path}: {response.status}"
                    checked += 1
            else:
                _assert_actionable(api.request(method, path, headers=headers), f"{method} {path}")
                checked += 1
            for name, where in spec["parameters"]:
                if where != "query":
                    continue
                for value in BAD_QUERY_VALUES:
                    response = api.request(method, path, headers=headers, query={name: value})
                    _assert_actionable(response, f"{method} {path}?{name}={value[:20]}")
                    checked += 1
    return checked


def test_no_admin_route_answers_bad_input_with_a_5xx(api: ApiClient) -> None:
    # Given a program, a plan, a partner with a key and a link
    given_program(api)
    plan = given_plan(api)
    partner = given_partner(api)
    key = given_api_key(api, partner["partner_id"])
    link = given_link(api, partner["partner_id"], code="sweep-link")
    keys = api.get(f"/admin/partners/{partner['partner_id']}/api-keys", headers=ADMIN).json["items"]
    known = {
        "partner_id": partner["partner_id"],
        "plan_id": plan["plan_id"],
        "code": link["code"],
        "key_id": keys[0]["key_id"],
    }
    assert key
    # When every admin operation gets bad path values, bad bodies and bad query values
    checked = _sweep(api, "functions.admin_api.app", ADMIN, known)
    # Then each answered < 500 with an actionable JSON error
    assert checked > 50


def test_no_partner_route_answers_bad_input_with_a_5xx(api: ApiClient) -> None:
    # Given a partner with a key and a link
    given_program(api)
    partner = given_partner(api)
    key = given_api_key(api, partner["partner_id"])
    link = given_link(api, partner["partner_id"], code="sweep-link")
    known = {"partner_id": partner["partner_id"], "code": link["code"]}
    # When every partner operation gets bad input
    checked = _sweep(api, "functions.partner_api.app", {"Authorization": f"Bearer {key}"}, known)
    # Then each answered < 500 with an actionable JSON error
    assert checked >= 1


HOSTILE_BODIES: list[tuple[str, str, bytes, int]] = [
    ("text/plain", "text/plain", b"hello", 415),
    ("XML", "application/xml", b"<lead><email>a@b.example</email></lead>", 415),
    ("boundary-less multipart", "multipart/form-data", b"--x\r\nContent-Disposition: form-data\r\n\r\n1\r\n--x--", 415),
    ("JSON nested 1,000 levels", "application/json", b"[" * 1000 + b"]" * 1000, 400),
    ("an integer of 4,300 digits", "application/json", b'{"amount": ' + b"9" * 4300 + b"}", 400),
    ("a body over 64 KiB", "application/json", b'{"name": "' + b"x" * 70_000 + b'"}', 413),
]


def _body_operations(module_name: str, known: dict[str, str]) -> Iterator[tuple[str, str]]:
    for method, template, spec in _operations(module_name):
        if spec["has_body"]:
            yield method, _fill(template, "@known", known)


@pytest.mark.parametrize("module_name", ["functions.admin_api.app", "functions.partner_api.app"])
def test_without_a_credential_every_route_answers_401_before_reading_the_body(api: ApiClient, module_name: str) -> None:
    # Given a program with a partner (so paths name something real)
    given_program(api)
    partner = given_partner(api)
    known = {"partner_id": partner["partner_id"], "code": "sweep-link", "plan_id": "plan_x", "key_id": "key_x"}
    checked = 0
    for method, template, _ in _operations(module_name):
        path = _fill(template, "@known", known)
        for label, content_type, body, _status in [*HOSTILE_BODIES, ("invalid fields", "application/json", b"{}", 0)]:
            # When a caller without a credential sends any body
            response = api.request(method, path, body=body, headers={"content-type": content_type})
            # Then it learns nothing but 401: no 415, no 422 with field names, no 500
            assert response.status == 401, f"{method} {path} with {label}: {response.status} {response.body[:200]!r}"
            assert "fields" not in str(response.json)
            checked += 1
    assert checked > 10


@pytest.mark.parametrize("module_name", ["functions.admin_api.app", "functions.partner_api.app"])
def test_with_a_credential_hostile_bodies_get_a_4xx_never_a_500(api: ApiClient, module_name: str) -> None:
    # Given a program, a partner with a key and a link
    given_program(api)
    partner = given_partner(api)
    key = given_api_key(api, partner["partner_id"])
    link = given_link(api, partner["partner_id"], code="sweep-link")
    known = {"partner_id": partner["partner_id"], "code": link["code"], "plan_id": "plan_x", "key_id": "key_x"}
    headers = ADMIN if "admin" in module_name else {"Authorization": f"Bearer {key}"}
    operations = list(_body_operations(module_name, known))
    assert operations
    for method, path in operations:
        for label, content_type, body, status in HOSTILE_BODIES:
            # When an authenticated caller sends a body no route may read
            response = api.request(method, path, body=body, headers={**headers, "content-type": content_type})
            # Then the answer is the bound's 4xx, as JSON
            assert response.status == status, f"{method} {path} with {label}: {response.status} {response.body[:200]!r}"
            _assert_actionable(response, f"{method} {path} with {label}")


@pytest.mark.parametrize(("label", "content_type", "body", "status"), HOSTILE_BODIES)
def test_the_public_lead_form_bounds_its_body_too(
    api: ApiClient, label: str, content_type: str, body: bytes, status: int
) -> None:
    # Given the landing page's program
    given_program(api)
    # When a hostile body is posted to /leads
    response = api.request("POST", "/leads", body=body, headers={"content-type": content_type})
    # Then a 4xx JSON error, never a 500
    assert response.status == status, f"{label}: {response.status} {response.body[:200]!r}"
    _assert_actionable(response, label)


@pytest.mark.parametrize(
    ("label", "raw"),
    [
        ("a JSON array", "[1, 2]"),
        ("JSON nested 1,000 levels", "[" * 1000 + "]" * 1000),
        ("an object nested 1,000 levels", '{"a":' * 1000 + "1" + "}" * 1000),
        ("an integer of 4,300 digits", '{"id": "evt_1", "type": "invoice.paid", "n": ' + "9" * 4300 + "}"),
        ("not JSON", "id=evt_1&type=invoice.paid"),
    ],
)
def test_a_correctly_signed_webhook_body_that_is_no_event_is_a_400(api: ApiClient, label: str, raw: str) -> None:
    # Given a body Stripe's signature covers, but that is no Stripe event
    header = stripe.WebhookSignature.generate_signature_header(raw, stripe_payloads.SECRET, timestamp=int(time.time()))
    # When it is delivered
    response = api.request(
        "POST", "/webhooks/stripe", body=raw, headers={"stripe-signature": header, "content-type": "application/json"}
    )
    # Then 400 (Stripe stops retrying a body that can never apply), never a 500
    assert response.status == 400, f"{label}: {response.status} {response.body[:200]!r}"
    _assert_actionable(response, label)
