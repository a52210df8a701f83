"""Schemathesis over the published OpenAPI documents of the admin and partner APIs, on a local HTTP stack:
no 5xx, every response matching its documented schema (the error body on every 4xx), and no 2xx without a
credential. Bounded: FUZZ_EXAMPLES cases per operation (default 30: about 2,000 in all, ~3 min on 2 cores), generation only
(no shrinking), derandomized so a run is repeatable."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from devstack.dynamodb_local import free_port
from devstack.gateway import make_server
from devstack.lambda_runtime import LocalLambdas
from shared.context import AppContext
from tests.helpers.api import ApiClient
from tests.helpers.factories import (
    ADMIN,
    given_api_key,
    given_link,
    given_partner,
    given_plan,
    given_program,
    partner_headers,
)

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
MIN_OPERATIONS_WITH_2XX = {"admin": 30, "partner": 10}  # measured: 36 and 12


@pytest.fixture
def stack(api: ApiClient, ctx: AppContext) -> Iterator[dict[str, Any]]:
    """A program with a plan, a partner with a key, a link, a lead and an adjustment, served over HTTP on a free
    port; their ids are the explicit examples of the path parameters, so every operation is also called once on
    things that exist and its 2xx answer is held to its schema."""
    given_program(api)
    plan = given_plan(api)
    partner = given_partner(api)
    key = given_api_key(api, partner["partner_id"])
    given_link(api, partner["partner_id"], code="fuzz-link")
    lead = api.post("/partner/leads", json={"email": "grace@prospect.example"}, headers=partner_headers(key)).json
    adjustment = api.post(
        f"/admin/partners/{partner['partner_id']}/adjustments",
        json={"amount": 2500, "currency": "USD", "reason": "launch bonus"},
        headers=ADMIN,
    ).json
    port = free_port()
    server = make_server("127.0.0.1", port, LocalLambdas(), quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "base_url": f"http://127.0.0.1:{port}",
        "admin": dict(ADMIN),
        "partner": {"Authorization": f"Bearer {key}"},
        "examples": {
            "partner_id": partner["partner_id"],
            "plan_id": plan["plan_id"],
            "code": "fuzz-link",
            "lead_id": lead["lead_id"],
            "commission_id": adjustment["commission_id"],
            "period": "2026-10",
            "month": "2026-10",
            "currency": "USD",
        },
    }
    server.shutdown()
    server.server_close()


def with_examples(document: dict[str, Any], examples: dict[str, str]) -> dict[str, Any]:
    """The document with real ids as the examples of its path parameters (the explicit phase calls each
    operation once with them)."""
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["name"] in examples:
                    parameter["example"] = examples[parameter["name"]]
    return document


def fuzz(
    base_url: str, document_path: str, credential: dict[str, str], examples: dict[str, str]
) -> tuple[int, list[str], dict[str, int]]:
    """Run every operation of the document: (cases sent, failures, 2xx answers checked per operation)."""
    session = requests.Session()
    published = session.get(base_url + document_path, headers=credential, timeout=30)
    assert published.status_code == 200, published.text[:300]
    assert session.get(base_url + document_path, timeout=30).status_code == 401  # the document needs the credential
    schema = schemathesis.openapi.from_dict(with_examples(published.json(), examples))
    failures: list[str] = []
    succeeded: dict[str, int] = {}
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal sent
            label = case.operation.label
            sent += 1
            response = case.call(base_url=base_url, session=session, headers=credential, timeout=30)
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except (AssertionError, BaseExceptionGroup) as failure:  # collected: one run reports every operation
                lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
                failures.append(f"{label}: {response.status_code} {' | '.join(lines[1:4])[:300]}")
            if 200 <= response.status_code < 300:
                succeeded[label] = succeeded.get(label, 0) + 1
                anonymous = case.call(base_url=base_url, session=session, headers={"Authorization": ""}, timeout=30)
                if anonymous.status_code != 401:
                    failures.append(f"{label}: {anonymous.status_code} without a credential")

        run()
    return sent, failures, succeeded


@pytest.mark.parametrize(
    ("who", "document_path"), [("admin", "/admin/openapi.json"), ("partner", "/partner/openapi.json")]
)
def test_the_api_survives_fuzzing_within_its_documented_schema(
    stack: dict[str, Any], who: str, document_path: str
) -> None:
    # Given the API's published OpenAPI document and a valid credential
    # When Schemathesis sends generated requests to every operation
    sent, failures, succeeded = fuzz(stack["base_url"], document_path, stack[who], stack["examples"])
    # Then no 5xx, no response outside its schema (2xx bodies included), no 2xx without a credential
    assert sent >= EXAMPLES
    assert failures == [], "\n".join(sorted(set(failures))[:40])
    # And most operations answered 2xx at least once, so their success bodies were held to their schemas
    print(f"{who}: {sent} cases, 2xx checked on {len(succeeded)} operations: {sorted(succeeded)}")
    assert len(succeeded) >= MIN_OPERATIONS_WITH_2XX[who]
