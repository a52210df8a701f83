"""The sample events under events/leads_*.json replay against the real handlers with the documented answers."""

from __future__ import annotations

import json
import pathlib

import pytest

from devstack.lambda_runtime import to_http_response
from shared.context import AppContext
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import given_link, given_partner, given_program

pytestmark = pytest.mark.integration

EVENTS = pathlib.Path(__file__).resolve().parents[3] / "events"
ORIGIN = "https://www.example.com"  # the demo site's landing page, where the samples' forms are posted from


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("leads_json", 201),
        ("leads_form", 303),
        ("leads_honeypot", 303),
        ("leads_invalid", 422),
        ("leads_preflight", 204),
    ],
)
def test_public_lead_events(api: ApiClient, ctx: AppContext, name: str, status: int) -> None:
    # Given the demo program (its site on example.com, as `make dev` seeds it), partner and link the events refer to
    given_program(api, lead_form_origins=[ORIGIN])
    partner = given_partner(api)
    given_link(api, partner["partner_id"], code="demo")
    event = json.loads((EVENTS / f"{name}.json").read_text())
    found = lambdas().find_route(event["requestContext"]["http"]["method"], event["rawPath"])
    assert found is not None
    # When the event is replayed
    response = to_http_response(lambdas().invoke(found[0].function, event))
    # Then the answer is the documented one, with CORS for the landing page's origin
    assert response.status == status, response.body
    assert ("Access-Control-Allow-Origin", ORIGIN) in response.headers
