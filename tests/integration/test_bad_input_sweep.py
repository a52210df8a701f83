"""Every admin and partner route, driven from the APIs' own OpenAPI description, answers bad input with a
4xx JSON error a person can act on: never a 500, never a stack trace. New routes are swept automatically.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

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
    schema = module.app.get_openapi_schema()
    for path, item in schema.paths.items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation = getattr(item, method)
            if operation is None:
                continue
            parameters = [(p.name, str(p.in_.value)) for p in operation.parameters or []]
            yield method.upper(), path, {"parameters": parameters, "has_body": operation.requestBody is not None}


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
