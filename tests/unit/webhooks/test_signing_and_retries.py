"""Signatures a receiver verifies with its own HMAC code, the delivery body, and the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
import json

from shared.webhooks.rules import (
    RETRY_DELAYS_SECONDS,
    delivery_body,
    delivery_id,
    excerpt,
    new_secret,
    retry_delay,
    signature_header,
    succeeded,
    verify_signature,
)


def _receiver_verifies(secret: str, header: str, body: bytes) -> bool:
    # A receiver's own code, written from the contract (as it would be for Stripe): t=..., v1=...
    parts = dict(p.split("=", 1) for p in header.split(",") if not p.startswith("v1="))
    signed = [p[3:] for p in header.split(",") if p.startswith("v1=")]
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signed)


def test_a_signature_verifies_with_the_receivers_own_hmac_and_not_with_another_secret() -> None:
    # Given a secret and a body
    secret, body = new_secret(), b'{"id":"evt_1","type":"lead.created","created":1,"data":{}}'
    # When the body is signed at t
    header = signature_header([secret], 1_790_000_000, body)
    # Then the header is t=<unix>,v1=<hex>, which the receiver's HMAC verifies
    assert header.startswith("t=1790000000,v1=")
    assert _receiver_verifies(secret, header, body)
    assert verify_signature(secret, header, body, now=1_790_000_100)
    # And another secret, another body or a stale timestamp do not verify
    assert not _receiver_verifies(new_secret(), header, body)
    assert not verify_signature(secret, header, body + b" ", now=1_790_000_000)
    assert not verify_signature(secret, header, body, now=1_790_001_000)


def test_during_a_rotation_both_the_new_and_the_old_secret_verify() -> None:
    new, old, body = new_secret(), new_secret(), b"{}"
    header = signature_header([new, old], 1_790_000_000, body)
    assert header.count("v1=") == 2
    assert _receiver_verifies(new, header, body)
    assert _receiver_verifies(old, header, body)


def test_secrets_are_prefixed_random_and_long() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and len(first) >= 40 and first != second


def test_the_body_is_the_contracts_four_fields_and_the_same_bytes_each_time() -> None:
    event = {
        "id": "evt_1",
        "type": "lead.status_changed",
        "created": 1790000000,
        "partner_id": "ptr_1",
        "data": {"a": 1},
    }
    body = delivery_body(event)
    assert json.loads(body) == {"id": "evt_1", "type": "lead.status_changed", "created": 1790000000, "data": {"a": 1}}
    assert list(json.loads(body)) == ["id", "type", "created", "data"]
    assert delivery_body(dict(event)) == body


def test_a_delivery_id_is_the_same_for_the_same_event_and_endpoint_only() -> None:
    assert delivery_id("whe_1", "evt_1") == delivery_id("whe_1", "evt_1")
    assert delivery_id("whe_1", "evt_1") != delivery_id("whe_2", "evt_1")
    assert delivery_id("whe_1", "evt_1").startswith("whd_")


def test_retries_back_off_for_more_than_a_day_and_the_first_two_come_within_a_minute() -> None:
    # Given the delays after each failed attempt of a delivery
    delays = [retry_delay(n, "whd_x") for n in range(1, len(RETRY_DELAYS_SECONDS) + 2)]
    waits = [d for d in delays if d is not None]
    # Then they grow (up to 8 h), the first two retries come within 60 s, and the last attempt is over 24 h
    # after the first
    assert list(RETRY_DELAYS_SECONDS) == sorted(RETRY_DELAYS_SECONDS)
    assert waits[0] + waits[1] < 60
    assert sum(waits) >= 24 * 3600
    # And after the last retry the delivery is given up
    assert delays[-1] is None
    # And the jitter is at most 10 % and the same each time for a delivery
    assert all(base <= wait <= base * 1.1 for base, wait in zip(RETRY_DELAYS_SECONDS, waits, strict=True))
    assert retry_delay(3, "whd_x") == retry_delay(3, "whd_x")


def test_only_a_2xx_answer_ends_a_delivery() -> None:
    assert [succeeded(s) for s in (200, 204, 299)] == [True, True, True]
    assert [succeeded(s) for s in (None, 199, 301, 400, 410, 500)] == [False] * 6


def test_only_a_short_excerpt_of_an_answer_is_kept() -> None:
    assert len(excerpt(("é" * 5000).encode())) == 200
    assert excerpt(b"\xff\xfeok").endswith("ok")
