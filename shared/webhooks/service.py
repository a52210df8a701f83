"""Outgoing webhooks: register and manage endpoints, fan an event out into deliveries, make one attempt of a
delivery, replay one. Reads through the store, decides with the rules, sends through the transport."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from shared.context import AppContext
from shared.core.clock import epoch_seconds
from shared.core.errors import BadRequest, Conflict, NotFound
from shared.core.ids import new_id
from shared.core.observability import logger, metrics
from shared.core.settings import in_lambda
from shared.webhooks import rules, sealing, transport
from shared.webhooks.models import (
    MAX_LOGGED_ATTEMPTS,
    Attempt,
    DeliveryStatus,
    EndpointStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from shared.webhooks.queue import SQS_MAX_DELAY_SECONDS, DeliveryQueue, delivery_queue
from shared.webhooks.store import WebhookRepository, endpoint_is_enabled

LEASE = timedelta(seconds=30)
"""How long a worker holds a delivery while it attempts it (the worker's timeout is shorter)."""


def repository(ctx: AppContext) -> WebhookRepository:
    """The webhooks store over the context's table."""
    return WebhookRepository(ctx.table)


def loopback_allowed() -> bool:
    """True on the local stack and in tests (not in Lambda): `http://127.0.0.1:<port>/...` endpoints accepted."""
    return not in_lambda()


def queue_of(ctx: AppContext) -> DeliveryQueue:
    """The wake-up queue of this context's environment (SQS in AWS, in-process locally)."""
    return delivery_queue(ctx.settings.webhook_queue_url)


# ---------------------------------------------------------------- endpoints
@dataclass(frozen=True)
class NewSecret:
    """An endpoint and the secret that signs its deliveries (shown once, at registration or rotation)."""

    endpoint: WebhookEndpoint
    secret: str


def _check_url(url: str) -> str:
    try:
        return rules.check_url(url.strip(), allow_loopback=loopback_allowed()).url
    except rules.UrlRefused as error:
        raise BadRequest(str(error), code="url_refused") from error


def _check_host_resolves(url: str, resolve: transport.Resolve) -> None:
    checked = rules.check_url(url, allow_loopback=loopback_allowed())
    if checked.loopback or rules.is_address(checked.host):
        return
    try:
        rules.check_resolved(checked.host, resolve(checked.host, checked.port))
    except OSError as error:
        raise BadRequest(
            f"the URL's host {checked.host} does not resolve; check the name", code="url_refused"
        ) from error
    except rules.UrlRefused as error:
        raise BadRequest(str(error), code="url_refused") from error


def register(
    ctx: AppContext,
    url: str,
    events: list[str],
    description: str | None = None,
    *,
    resolve: transport.Resolve = transport.system_resolve,
) -> NewSecret:
    """A new enabled endpoint for these event types, with a new secret; 400 names a refused URL (not public
    HTTPS, or resolving to a private, loopback, link-local, multicast or reserved address) or unknown types."""
    checked_url = _check_url(url)
    try:
        subscribed = rules.check_event_types(events)
    except ValueError as error:
        raise BadRequest(str(error), code="unknown_event_type") from error
    _check_host_resolves(checked_url, resolve)
    now = ctx.clock.now()
    endpoint_id = new_id("whe")
    secret = rules.new_secret()
    endpoint = WebhookEndpoint(
        endpoint_id=endpoint_id,
        program_id=ctx.program_id,
        url=checked_url,
        events=subscribed,
        description=(description or "").strip()[:200] or None,
        secret_sealed=sealing.seal(secret, endpoint_id, ctx.settings.webhook_kms_key_id),
        created_at=now,
        updated_at=now,
    )
    repository(ctx).add_endpoint(endpoint)
    logger.info("webhook endpoint registered", extra={"endpoint_id": endpoint_id, "events": subscribed})
    return NewSecret(endpoint, secret)


def endpoints(ctx: AppContext) -> list[WebhookEndpoint]:
    """Every endpoint of the program, oldest first."""
    return repository(ctx).endpoints(ctx.program_id)


def endpoint(ctx: AppContext, endpoint_id: str) -> WebhookEndpoint:
    """An endpoint of the program, else 404."""
    found = repository(ctx).endpoint(ctx.program_id, endpoint_id)
    if found is None:
        raise NotFound(
            f"no webhook endpoint {endpoint_id}; list them with GET /admin/webhook-endpoints", code="endpoint_not_found"
        )
    return found


def _save(ctx: AppContext, before: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    after = before.model_copy(update={**changes, "updated_at": ctx.clock.now()})
    if after.updated_at == before.updated_at:
        after = after.model_copy(update={"updated_at": before.updated_at + timedelta(microseconds=1)})
    if not repository(ctx).save_endpoint(after, expected_updated_at=before.updated_at):
        raise Conflict("the endpoint was changed at the same moment; read it again and retry", code="endpoint_changed")
    return after


def set_status(ctx: AppContext, endpoint_id: str, status: EndpointStatus) -> WebhookEndpoint:
    """Enable or disable an endpoint (idempotent). A disabled endpoint gets nothing: new events make no
    delivery for it and its pending deliveries are cancelled when next due."""
    current = endpoint(ctx, endpoint_id)
    if current.status is status:
        return current
    return _save(ctx, current, status=status)


def rotate_secret(ctx: AppContext, endpoint_id: str) -> NewSecret:
    """A new secret for the endpoint; the old one keeps signing too (a second `v1`) for the grace period, so
    the receiver can switch without losing a delivery."""
    current = endpoint(ctx, endpoint_id)
    secret = rules.new_secret()
    now = ctx.clock.now()
    rotated = _save(
        ctx,
        current,
        secret_sealed=sealing.seal(secret, endpoint_id, ctx.settings.webhook_kms_key_id),
        previous_secret_sealed=current.secret_sealed,
        previous_secret_until=now + timedelta(seconds=rules.ROTATION_GRACE_SECONDS),
    )
    logger.info("webhook secret rotated", extra={"endpoint_id": endpoint_id})
    return NewSecret(rotated, secret)


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, then the previous one during its grace period."""
    found = [sealing.unseal(endpoint.secret_sealed, endpoint.endpoint_id)]
    if endpoint.previous_secret_sealed and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        found.append(sealing.unseal(endpoint.previous_secret_sealed, endpoint.endpoint_id))
    return found


# ---------------------------------------------------------------- deliveries
def deliveries(
    ctx: AppContext, endpoint_id: str, *, limit: int, cursor: str | None, status: DeliveryStatus | None = None
) -> tuple[list[WebhookDelivery], str | None]:
    """One page of an endpoint's deliveries, newest first (404 for an unknown endpoint)."""
    endpoint(ctx, endpoint_id)
    return repository(ctx).deliveries_page(endpoint_id, limit=limit, cursor=cursor, status=status)


def delivery(ctx: AppContext, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    """A delivery of the endpoint with its attempts, else 404."""
    found = repository(ctx).delivery(delivery_id)
    if found is None or found.endpoint_id != endpoint_id or found.program_id != ctx.program_id:
        raise NotFound(f"no delivery {delivery_id} to webhook endpoint {endpoint_id}", code="delivery_not_found")
    return found


def replay(ctx: AppContext, endpoint_id: str, delivery_id: str, queue: DeliveryQueue | None = None) -> WebhookDelivery:
    """Send a delivery again now, same id and body: a finished one with a fresh round of retries, a pending one
    without waiting for its back-off (behind an older delivery of its partner it still waits its turn); 409 when
    the endpoint is disabled."""
    current = delivery(ctx, endpoint_id, delivery_id)
    if not endpoint_is_enabled(repository(ctx).endpoint(ctx.program_id, endpoint_id)):
        raise Conflict("the endpoint is disabled; enable it before replaying its deliveries", code="endpoint_disabled")
    now = ctx.clock.now()
    queue = queue or queue_of(ctx)
    if current.status is DeliveryStatus.PENDING:
        if not repository(ctx).make_due(delivery_id, now):
            raise Conflict("the delivery changed at the same moment; read it again", code="delivery_changed")
        queue.wake(delivery_id, 0, now)
        return current.model_copy(update={"next_attempt_at": now, "updated_at": now})
    replayed = current.model_copy(
        update={
            "status": DeliveryStatus.PENDING,
            "round_start": current.attempt_count,
            "replays": current.replays + 1,
            "next_attempt_at": now,
            "updated_at": now,
        }
    )
    if not repository(ctx).replace(replayed, expected_status=current.status, expected_attempts=current.attempt_count):
        raise Conflict("the delivery changed at the same moment; read it again", code="delivery_changed")
    queue.wake(delivery_id, 0, now)
    logger.info("webhook delivery replayed", extra={"delivery_id": delivery_id, "endpoint_id": endpoint_id})
    return replayed


def fan_out(ctx: AppContext, event: dict[str, Any], queue: DeliveryQueue | None = None) -> list[str]:
    """One delivery per enabled endpoint subscribed to the event's type (registered before the event was
    created), made once per (event, endpoint) however often the bus brings the event; the ids."""
    queue = queue or queue_of(ctx)
    store = repository(ctx)
    now = ctx.clock.now()
    body = rules.delivery_body(event)
    made = []
    for target in store.endpoints(ctx.program_id):
        if target.status is not EndpointStatus.ENABLED or event["type"] not in target.events:
            continue
        if int(event["created"]) < epoch_seconds(target.created_at):
            continue
        candidate = WebhookDelivery(
            delivery_id=rules.delivery_id(target.endpoint_id, str(event["id"])),
            endpoint_id=target.endpoint_id,
            program_id=ctx.program_id,
            event_id=str(event["id"]),
            event_type=str(event["type"]),
            partner_id=event.get("partner_id"),
            event_created=int(event["created"]),
            body=body,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        stored = store.create_delivery(candidate)
        if stored.status is DeliveryStatus.PENDING:
            # Also for a redelivered event: the first run may have stopped between the write and the wake-up.
            queue.wake(stored.delivery_id, 0, now)
        made.append(stored.delivery_id)
    return made


def _seconds_until(moment: datetime | None, now: datetime) -> int:
    return 0 if moment is None else max(0, math.ceil((moment - now).total_seconds()))


def _wake_next_in_line(ctx: AppContext, finished: WebhookDelivery, queue: DeliveryQueue) -> None:
    following = repository(ctx).first_in_line(finished.endpoint_id, finished.partner_id)
    if following is not None and following.delivery_id != finished.delivery_id:
        queue.wake(following.delivery_id, 0, ctx.clock.now())


def _held_behind(ctx: AppContext, pending: WebhookDelivery) -> WebhookDelivery | None:
    """The older unfinished delivery of the same partner to the same endpoint this one waits for, if any."""
    store = repository(ctx)
    first = store.first_in_line(pending.endpoint_id, pending.partner_id)
    if first is None or first.delivery_id == pending.delivery_id:
        return None
    if (first.event_created, first.event_id) > (pending.event_created, pending.event_id):
        return None
    current = store.delivery(first.delivery_id)  # the index may lag: ask the item itself
    return current if current is not None and current.status is DeliveryStatus.PENDING else None


def attempt(
    ctx: AppContext,
    delivery_id: str,
    queue: DeliveryQueue | None = None,
    *,
    resolve: transport.Resolve = transport.system_resolve,
) -> str:
    """Look at a delivery on a wake-up and do what its state says: attempt it when due (signed, logged, the next
    retry scheduled), wait, cancel it for a disabled endpoint, or nothing. Returns what happened."""
    queue = queue or queue_of(ctx)
    store = repository(ctx)
    current = store.delivery(delivery_id)
    now = ctx.clock.now()
    if current is None or current.status is not DeliveryStatus.PENDING:
        return "finished"
    if current.next_attempt_at is not None and current.next_attempt_at > now:
        queue.wake(delivery_id, _seconds_until(current.next_attempt_at, now), now)
        return "not_due"
    target = store.endpoint(current.program_id, current.endpoint_id)
    if target is None or not endpoint_is_enabled(target):
        cancelled = current.model_copy(
            update={"status": DeliveryStatus.CANCELLED, "next_attempt_at": None, "updated_at": now}
        )
        if store.replace(cancelled, expected_status=DeliveryStatus.PENDING, expected_attempts=current.attempt_count):
            _wake_next_in_line(ctx, current, queue)
        return "cancelled"
    # Order is checked before a round's first attempt: a delivery already under way keeps its place.
    blocker = _held_behind(ctx, current) if current.attempt_count == current.round_start else None
    if blocker is not None:
        wait = max(1, _seconds_until(blocker.next_attempt_at, now) + 1)
        queue.wake(delivery_id, min(wait, SQS_MAX_DELAY_SECONDS), now)
        return "held"
    if not store.claim(current, now, now + LEASE):
        return "busy"
    return _attempt_claimed(ctx, current, target, queue, resolve)


def _attempt_claimed(
    ctx: AppContext,
    current: WebhookDelivery,
    target: WebhookEndpoint,
    queue: DeliveryQueue,
    resolve: transport.Resolve,
) -> str:
    sent_at = ctx.clock.now()
    body = current.body.encode()
    try:
        url = rules.check_url(target.url, allow_loopback=loopback_allowed())
    except rules.UrlRefused as error:
        answer = transport.Answer(None, 0, f"refused: {error}")
    else:
        header = rules.signature_header(signing_secrets(target, sent_at), epoch_seconds(sent_at), body)
        answer = transport.post(url, body, {rules.SIGNATURE_HEADER: header}, resolve=resolve)
    now = ctx.clock.now()
    number = current.attempt_count + 1
    logged = Attempt(
        number=number,
        at=sent_at,
        status_code=answer.status_code,
        duration_ms=answer.duration_ms,
        error=answer.error,
        response_excerpt=rules.excerpt(answer.body_start) if answer.body_start else None,
    )
    delay = (
        None
        if rules.succeeded(answer.status_code)
        else rules.retry_delay(number - current.round_start, current.delivery_id)
    )
    if rules.succeeded(answer.status_code):
        status = DeliveryStatus.SUCCEEDED
    else:
        status = DeliveryStatus.PENDING if delay is not None else DeliveryStatus.FAILED
    after = current.model_copy(
        update={
            "status": status,
            "attempt_count": number,
            "attempts": [*current.attempts, logged][-MAX_LOGGED_ATTEMPTS:],
            "next_attempt_at": now + timedelta(seconds=delay) if delay is not None else None,
            "lease_until": None,
            "updated_at": now,
        }
    )
    if not repository(ctx).replace(
        after, expected_status=DeliveryStatus.PENDING, expected_attempts=current.attempt_count
    ):
        return "busy"  # our lease ran out and another worker moved it: its record stands
    _record_metrics(after, logged)
    if delay is not None:
        queue.wake(current.delivery_id, delay, now)
    else:
        _wake_next_in_line(ctx, current, queue)
    return status.value


def _record_metrics(after: WebhookDelivery, logged: Attempt) -> None:
    metrics.add_metric(name="WebhookAttempts", unit=MetricUnit.Count, value=1)
    if after.status is DeliveryStatus.SUCCEEDED:
        metrics.add_metric(name="WebhookDeliveriesSucceeded", unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name="WebhookAttemptsFailed", unit=MetricUnit.Count, value=1)
    if after.status is DeliveryStatus.FAILED:
        metrics.add_metric(name="WebhookDeliveriesFailed", unit=MetricUnit.Count, value=1)
    logger.info(
        "webhook attempt",
        extra={
            "delivery_id": after.delivery_id,
            "endpoint_id": after.endpoint_id,
            "event_id": after.event_id,
            "attempt": logged.number,
            "status_code": logged.status_code,
            "duration_ms": logged.duration_ms,
            "error": logged.error,
            "outcome": after.status.value,
        },
    )
