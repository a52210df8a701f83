"""POST /leads: the referral landing page's lead form (JSON from a script, or a plain HTML form post).

Parse the body, apply the honeypot and the per-IP rate limit, hand the form to lead intake, shape the answer
(201 JSON, or 303 to the thank-you page for a form post), and add CORS headers for the program's allowed
origins to every answer, errors included (OPTIONS /leads answers the preflight).
"""

from __future__ import annotations

from contextvars import ContextVar
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from shared.context import get_context
from shared.core.api import json_response
from shared.core.body import FORM_MEDIA_TYPE, JSON_MEDIA_TYPE
from shared.core.errors import Forbidden
from shared.core.http import domain_error_response, make_resolver
from shared.core.ids import new_id
from shared.core.observability import metrics
from shared.core.rate_limit import RateLimited
from shared.leads import form_http, intake
from shared.leads.forms import VisitorLeadForm
from shared.links import click_token
from shared.programs.models import Program

app = make_resolver(media_types=(JSON_MEDIA_TYPE, FORM_MEDIA_TYPE))  # a plain HTML form posts too
# The program of the request being answered, so CORS headers go on every answer, errors included.
_request_program: ContextVar[Program | None] = ContextVar("request_program", default=None)


def resolve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer one API Gateway (HTTP API v2) event, with CORS headers when its origin is allowed."""
    token = _request_program.set(None)
    try:
        result = app.resolve(event, context)
        origin = (event.get("headers") or {}).get("origin")
        cors = form_http.cors_headers(origin, _request_program.get())
        if cors:
            result.setdefault("headers", {}).update(cors)
        return result
    finally:
        _request_program.reset(token)


@app.exception_handler(RateLimited)
def _rate_limited(error: RateLimited) -> Response:
    metrics.add_metric(name="LeadRateLimited", unit=MetricUnit.Count, value=1)
    return domain_error_response(error)


def _program_for_origin() -> Program:
    ctx = get_context()
    program = ctx.programs.get(ctx.program_id)
    _request_program.set(program)
    origin = app.current_event.headers.get("origin")
    if not form_http.origin_allowed(origin, program):
        raise Forbidden("this origin may not post the lead form", code="origin_not_allowed")
    return program


@app.route("/leads", method="OPTIONS")
def preflight():
    """The CORS preflight: 204 for an allowed origin (its headers are added by `resolve`), else 403."""
    _program_for_origin()
    return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Cache-Control": "no-store"})


@app.post("/leads")
def submit_lead():
    """A visitor's lead: 201 JSON, or a 303 to the thank-you page for a plain form post."""
    event = app.current_event
    program = _program_for_origin()
    content_type = event.headers.get("content-type")
    data = form_http.parse_lead_body(event.decoded_body or "", content_type)
    cookie_token = _cookie(event.cookies or [], click_token.COOKIE_NAME)
    data = form_http.with_attribution(data, event.query_string_parameters or {}, cookie_token)
    form_post = form_http.media_type(content_type) == form_http.FORM_CONTENT_TYPE
    if form_http.is_honeypot_filled(data):
        # Answer a bot as if it succeeded (so it learns nothing) and store nothing.
        metrics.add_metric(name="LeadHoneypot", unit=MetricUnit.Count, value=1)
        return _accepted(program, new_id("lead"), form_post)
    ctx = get_context()
    intake.enforce_visitor_rate_limit(ctx, program, event.request_context.http.source_ip)
    form = VisitorLeadForm.model_validate(data)
    submission = intake.submit_visitor_lead(ctx, program, form)
    metrics.add_metric(name="LeadCreated" if submission.created else "LeadRepeat", unit=MetricUnit.Count, value=1)
    return _accepted(program, submission.lead_id, form_post)


def _accepted(program: Program, lead_id: str, form_post: bool) -> Response:
    if form_post:
        location = form_http.thank_you_location(program, lead_id)
        return Response(status_code=HTTPStatus.SEE_OTHER, headers={"Location": location, "Cache-Control": "no-store"})
    # 201 for a repeat too: a stranger must not learn whether an email is already a lead (or a customer).
    return json_response({"lead_id": lead_id, "status": "received"}, HTTPStatus.CREATED)


def _cookie(cookies: list[str], name: str) -> str | None:
    for cookie in cookies:
        key, _, value = cookie.strip().partition("=")
        if key == name and value:
            return value
    return None
