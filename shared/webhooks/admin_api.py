"""Admin routes of outgoing webhooks: register, list, read, enable/disable an endpoint, rotate its secret, list
its deliveries with their attempts, replay one."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from pydantic import Field

from shared.context import get_context
from shared.core.api import json_response
from shared.core.entity import Model
from shared.core.openapi import returns
from shared.webhooks import service
from shared.webhooks.models import DeliveryStatus, EndpointStatus
from shared.webhooks.rules import MAX_EVENT_TYPES, MAX_URL_LENGTH

router = Router()
EndpointId = Annotated[str, PathParam(max_length=64)]
DeliveryId = Annotated[str, PathParam(max_length=64)]


class EndpointInput(Model):
    """A new endpoint: its URL, the event types it wants, and an optional note for staff."""

    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    events: list[str] = Field(min_length=1, max_length=MAX_EVENT_TYPES * 2)
    description: str | None = Field(default=None, max_length=200)


def _with_secret(created: service.NewSecret) -> dict[str, object]:
    return {**created.endpoint.public(), "secret": created.secret}


@router.post("/admin/webhook-endpoints", responses=returns("shared.webhooks.responses:EndpointWithSecret", 201))
def register_endpoint(endpoint: Annotated[EndpointInput, Body()]):
    created = service.register(get_context(), endpoint.url, endpoint.events, endpoint.description)
    return json_response(_with_secret(created), 201)


@router.get("/admin/webhook-endpoints", responses=returns("shared.webhooks.responses:EndpointList"))
def list_endpoints():
    return json_response({"items": [e.public() for e in service.endpoints(get_context())]})


@router.get("/admin/webhook-endpoints/<endpoint_id>", responses=returns("shared.webhooks.responses:EndpointView"))
def read_endpoint(endpoint_id: EndpointId):
    return json_response(service.endpoint(get_context(), endpoint_id).public())


@router.post(
    "/admin/webhook-endpoints/<endpoint_id>/disable", responses=returns("shared.webhooks.responses:EndpointView")
)
def disable_endpoint(endpoint_id: EndpointId):
    return json_response(service.set_status(get_context(), endpoint_id, EndpointStatus.DISABLED).public())


@router.post(
    "/admin/webhook-endpoints/<endpoint_id>/enable", responses=returns("shared.webhooks.responses:EndpointView")
)
def enable_endpoint(endpoint_id: EndpointId):
    return json_response(service.set_status(get_context(), endpoint_id, EndpointStatus.ENABLED).public())


@router.post(
    "/admin/webhook-endpoints/<endpoint_id>/rotate-secret",
    responses=returns("shared.webhooks.responses:EndpointWithSecret"),
)
def rotate_secret(endpoint_id: EndpointId):
    return json_response(_with_secret(service.rotate_secret(get_context(), endpoint_id)))


@router.get(
    "/admin/webhook-endpoints/<endpoint_id>/deliveries", responses=returns("shared.webhooks.responses:DeliveryPage")
)
def list_deliveries(
    endpoint_id: EndpointId,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    items, next_cursor = service.deliveries(get_context(), endpoint_id, limit=limit, cursor=cursor, status=status)
    return json_response({"items": [d.public(with_attempts=False) for d in items], "next_cursor": next_cursor})


@router.get(
    "/admin/webhook-endpoints/<endpoint_id>/deliveries/<delivery_id>",
    responses=returns("shared.webhooks.responses:DeliveryWithAttempts"),
)
def read_delivery(endpoint_id: EndpointId, delivery_id: DeliveryId):
    found = service.delivery(get_context(), endpoint_id, delivery_id)
    return json_response(found.public(with_attempts=True))


@router.post(
    "/admin/webhook-endpoints/<endpoint_id>/deliveries/<delivery_id>/replay",
    responses=returns("shared.webhooks.responses:DeliveryView", 202),
)
def replay_delivery(endpoint_id: EndpointId, delivery_id: DeliveryId):
    replayed = service.replay(get_context(), endpoint_id, delivery_id)
    return json_response(replayed.public(with_attempts=False), 202)
