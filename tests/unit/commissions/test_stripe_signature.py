"""The webhook's own Stripe-Signature check (shared.commissions.stripe_signature) decides every header exactly as
stripe-python's `WebhookSignature.verify_header` does, without importing stripe."""

from __future__ import annotations

import time

import pytest
import stripe

from shared.commissions.stripe_signature import SignatureVerificationError, verify_header

SECRET = "whsec_unit_secret"
BODY = '{"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1", "note": "caf\\u00e9 \u00e9"}}}'
NOW = int(time.time())


def _v1(body: str, secret: str, at: int) -> str:
    return stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=at).split(",")[1]


GOOD = f"t={NOW},{_v1(BODY, SECRET, NOW)}"
HEADERS = {
    "valid": GOOD,
    "valid among rolled secrets": f"t={NOW},v1={'0' * 64},{_v1(BODY, SECRET, NOW)}",
    "valid with a v0 too": f"t={NOW},v0=abc,{_v1(BODY, SECRET, NOW)}",
    "other secret": f"t={NOW},{_v1(BODY, 'whsec_other', NOW)}",
    "other body": f"t={NOW},{_v1(BODY + ' ', SECRET, NOW)}",
    "timestamp changed": f"t={NOW + 1},{_v1(BODY, SECRET, NOW)}",
    "too old": f"t={NOW - 301},{_v1(BODY, SECRET, NOW - 301)}",
    "just inside the tolerance": f"t={NOW - 280},{_v1(BODY, SECRET, NOW - 280)}",
    "in the future": f"t={NOW + 3600},{_v1(BODY, SECRET, NOW + 3600)}",
    "no timestamp": _v1(BODY, SECRET, NOW),
    "timestamp not a number": f"t=soon,{_v1(BODY, SECRET, NOW)}",
    "no v1": f"t={NOW},v0={'0' * 64}",
    "garbage": "garbage",
    "empty parts": ",,,",
    "empty": "",
    "upper-case hex": f"t={NOW},{_v1(BODY, SECRET, NOW).upper().replace('V1=', 'v1=')}",
    "v1 without a value": f"t={NOW},v1",
}


def _stripe_accepts(body: str, header: str, secret: str, tolerance: int | None) -> bool:
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance)
    except stripe.SignatureVerificationError:
        return False
    return True


def _ours_accepts(body: str | bytes, header: str, secret: str, tolerance: int | None) -> bool:
    try:
        verify_header(body, header, secret, tolerance, now=lambda: NOW)
    except SignatureVerificationError:
        return False
    return True


@pytest.mark.parametrize("case", sorted(HEADERS))
@pytest.mark.parametrize("tolerance", [300, None])
def test_every_header_is_decided_as_stripe_python_decides_it(case: str, tolerance: int | None) -> None:
    # Given a delivery's body and a Stripe-Signature header
    header = HEADERS[case]
    # When both checks read it (ours with the clock stripe-python reads)
    expected = _stripe_accepts(BODY, header, SECRET, tolerance)
    # Then they agree, also on the raw bytes of the body
    assert _ours_accepts(BODY, header, SECRET, tolerance) is expected
    assert _ours_accepts(BODY.encode(), header, SECRET, tolerance) is expected


def test_a_genuine_delivery_passes_and_a_forged_or_stale_one_does_not() -> None:
    # Given a signed body
    # Then the genuine header passes, any other secret, body or an old timestamp does not
    assert _ours_accepts(BODY, GOOD, SECRET, 300)
    assert not _ours_accepts(BODY, HEADERS["other secret"], SECRET, 300)
    assert not _ours_accepts(BODY.replace("in_1", "in_2"), GOOD, SECRET, 300)
    assert not _ours_accepts(BODY, HEADERS["too old"], SECRET, 300)


@pytest.mark.parametrize("secret", ["", "  \n", None])
def test_a_missing_secret_refuses_every_delivery(secret: str | None) -> None:
    # Given no configured secret, Then even a header signed with an empty key is refused
    with pytest.raises(SignatureVerificationError):
        verify_header(BODY, f"t={NOW},{_v1(BODY, secret or ' ', NOW)}", secret, 300)


def test_a_non_ascii_signature_is_a_mismatch_not_a_crash() -> None:
    # Given a header whose v1 value is not ASCII (stripe-python's compare_digest raises TypeError on it)
    header = f"t={NOW},v1=\u00e9{'0' * 63}"
    # Then it is refused as a mismatch
    with pytest.raises(SignatureVerificationError):
        verify_header(BODY, header, SECRET, 300, now=lambda: NOW)
