"""Registering and managing endpoints through the admin API: the secret shown once, URLs refused with a reason
(SSRF), secrets rotated with a grace period during which both verify, 4xx a person can act on."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.errors import BadRequest
from shared.webhooks import service
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN
from tests.integration.webhooks.conftest import Receiver, deliver, publish_to_webhooks, register
from tests.integration.webhooks.test_webhook_deliveries import an_event, receiver_verifies

pytestmark = pytest.mark.integration


def test_the_secret_is_shown_at_registration_only(api: ApiClient, ctx: AppContext, receiver: Receiver) -> None:
    # When staff register an endpoint
    created = register(api, receiver.url, ["lead.created", "payout.paid", "lead.created"])
    # Then the answer holds its id, its secret and its subscriptions (deduplicated)
    assert created["endpoint_id"].startswith("whe_")
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["lead.created", "payout.paid"]
    assert created["status"] == "enabled"
    # And neither the list nor the endpoint's page shows the secret again
    listed = api.get("/admin/webhook-endpoints", headers=ADMIN)
    shown = api.get(f"/admin/webhook-endpoints/{created['endpoint_id']}", headers=ADMIN)
    assert listed.status == shown.status == 200
    assert [e["endpoint_id"] for e in listed.json["items"]] == [created["endpoint_id"]]
    for body in (listed.body, shown.body):
        assert created["secret"].encode() not in body
        assert b"secret_sealed" not in body


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://10.0.0.12/hooks", "private"),
        ("https://[::ffff:169.254.169.254]/latest", "link-local"),
        ("http://hooks.example.com/in", "https://"),
        ("https://user:pass@hooks.example.com/in", "user name"),
        ("javascript:alert(1)", "https://"),
    ],
)
def test_a_url_that_is_not_public_https_is_refused_with_a_reason(
    api: ApiClient, ctx: AppContext, url: str, message: str
) -> None:
    response = api.post("/admin/webhook-endpoints", json={"url": url, "events": ["lead.created"]}, headers=ADMIN)
    assert (response.status, response.error_code) == (400, "url_refused")
    assert message in response.json["error"]["message"]
    assert api.get("/admin/webhook-endpoints", headers=ADMIN).json["items"] == []


def test_a_name_resolving_to_a_private_address_is_refused_at_registration(ctx: AppContext) -> None:
    # Given a public-looking name whose DNS answers with an internal address
    def internal(host: str, port: int) -> list[str]:
        return ["192.168.10.4"]

    # When it is registered, then it is refused naming the address
    with pytest.raises(BadRequest) as refused:
        service.register(ctx, "https://hooks.partner.example/in", ["lead.created"], resolve=internal)
    assert refused.value.code == "url_refused"
    assert "192.168.10.4" in refused.value.message


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "http://127.0.0.1:9/x", "events": ["lead.exploded"]}, 400, "unknown_event_type"),
        ({"url": "http://127.0.0.1:9/x", "events": []}, 422, "validation_error"),
        ({"url": "http://127.0.0.1:9/x"}, 422, "validation_error"),
        ({"url": 42, "events": ["lead.created"]}, 422, "validation_error"),
        ({"url": "x" * 3000, "events": ["lead.created"]}, 422, "validation_error"),
    ],
)
def test_a_bad_registration_gets_an_actionable_4xx(
    api: ApiClient, ctx: AppContext, body: dict, status: int, code: str
) -> None:
    response = api.post("/admin/webhook-endpoints", json=body, headers=ADMIN)
    assert (response.status, response.error_code) == (status, code)
    assert response.json["error"]["message"]


def test_unknown_endpoints_and_deliveries_are_404(api: ApiClient, ctx: AppContext, receiver: Receiver) -> None:
    created = register(api, receiver.url, ["lead.created"])
    for method, path in (
        ("GET", "/admin/webhook-endpoints/whe_nope"),
        ("POST", "/admin/webhook-endpoints/whe_nope/disable"),
        ("POST", "/admin/webhook-endpoints/whe_nope/rotate-secret"),
        ("GET", "/admin/webhook-endpoints/whe_nope/deliveries"),
        ("GET", f"/admin/webhook-endpoints/{created['endpoint_id']}/deliveries/whd_nope"),
        ("POST", f"/admin/webhook-endpoints/{created['endpoint_id']}/deliveries/whd_nope/replay"),
    ):
        response = api.request(method, path, headers=ADMIN)
        assert response.status == 404, (method, path, response.body)
        assert response.json["error"]["message"]
    assert api.get("/admin/webhook-endpoints", headers={}).status == 401


def test_after_a_rotation_both_secrets_verify_for_a_day_then_only_the_new_one(
    api: ApiClient, ctx: AppContext, clock: FixedClock, receiver: Receiver
) -> None:
    # Given an endpoint whose secret staff rotate
    created = register(api, receiver.url, ["commission.created"])
    rotated = api.post(f"/admin/webhook-endpoints/{created['endpoint_id']}/rotate-secret", headers=ADMIN)
    assert rotated.status == 200
    new_secret = rotated.json["secret"]
    assert new_secret != created["secret"] and rotated.json["previous_secret_until"]

    # When an event is delivered within the grace period
    publish_to_webhooks(ctx, [an_event(number=1)])
    deliver(ctx)
    # Then the receiver verifies it with the old secret and with the new one
    first = receiver.received[-1]
    assert receiver_verifies(created["secret"], first.headers["referral-signature"], first.body)
    assert receiver_verifies(new_secret, first.headers["referral-signature"], first.body)

    # And after the grace period only the new secret verifies
    clock.advance(hours=25)
    publish_to_webhooks(ctx, [an_event(number=2) | {"created": int(clock.now().timestamp())}])
    deliver(ctx)
    later = receiver.received[-1]
    assert receiver_verifies(new_secret, later.headers["referral-signature"], later.body)
    assert not receiver_verifies(created["secret"], later.headers["referral-signature"], later.body)


def test_the_stored_endpoint_never_holds_the_secret_in_aws(
    api: ApiClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the functions run in Lambda with the stack's KMS key (a stand-in KMS that records what it sealed)
    from shared.webhooks import sealing

    class StandInKms:
        def encrypt(self, KeyId: str, Plaintext: bytes, EncryptionContext: dict) -> dict:
            assert EncryptionContext["purpose"] == "webhook-signing-secret"
            return {"CiphertextBlob": b"sealed:" + Plaintext[::-1]}

    monkeypatch.setattr(sealing, "_kms", StandInKms)
    monkeypatch.setattr(ctx, "settings", replace(ctx.settings, webhook_kms_key_id="arn:aws:kms:us-east-1:1:key/test"))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "admin")
    # When an endpoint is registered
    created = service.register(ctx, "https://93.184.215.14/in", ["lead.created"])
    # Then the item holds KMS ciphertext only
    item = ctx.table.get(keys.webhook_endpoint(ctx.program_id, created.endpoint.endpoint_id))
    assert item is not None
    assert item["secret_sealed"].startswith("kms:")
    assert created.secret not in str(item)
    # And without a key, in Lambda, nothing is stored in plain text
    monkeypatch.setattr(ctx, "settings", replace(ctx.settings, webhook_kms_key_id=None))
    with pytest.raises(RuntimeError, match="never stored in plain text"):
        service.register(ctx, "https://93.184.215.14/in", ["lead.created"])
