"""The Stripe transfer client against the fake Stripe server: idempotency, backoff, classification."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from shared.core.money import Money
from shared.partners.models import PayoutMethodKind
from shared.payouts.models import Payout, PayoutStatus
from shared.payouts.transfers import StripeTransfers, TransferStatus
from tests.helpers.fake_stripe import FakeStripe

NOW = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    yield server
    server.stop()


def payout(**changes: object) -> Payout:
    base = Payout(
        payout_id="po_abc",
        partner_id="p1",
        program_id="default",
        period="2026-10",
        amount=Money.of(6500, "EUR"),
        status=PayoutStatus.PENDING,
        method=PayoutMethodKind.STRIPE_CONNECT,
        destination="acct_1",
        created_at=NOW,
        updated_at=NOW,
    )
    return base.model_copy(update=changes)


def client(fake: FakeStripe, delays: list[float]) -> StripeTransfers:
    return StripeTransfers("sk_test_local", api_base=fake.url, max_attempts=3, sleep=delays.append)


def test_the_same_key_never_makes_a_second_transfer(fake: FakeStripe) -> None:
    stripe = client(fake, [])
    first, second = stripe.transfer(payout()), stripe.transfer(payout())
    assert first.status is second.status is TransferStatus.TRANSFERRED
    assert first.transfer_id == second.transfer_id and len(fake.transfers) == 1
    [made] = fake.transfers
    assert (made.amount, made.currency, made.destination, made.transfer_group) == (6500, "eur", "acct_1", "2026-10")
    assert made.metadata["payout_id"] == "po_abc"


def test_rate_limits_back_off_exponentially_and_give_up_bounded(fake: FakeStripe) -> None:
    delays: list[float] = []
    fake.rate_limit_next = 10
    result = client(fake, delays).transfer(payout())
    assert result.status is TransferStatus.RETRY_LATER and fake.transfers == []
    assert delays == [0.5, 1.0] and fake.requests == 3


def test_the_same_key_with_another_amount_is_refused_not_paid(fake: FakeStripe) -> None:
    stripe = client(fake, [])
    stripe.transfer(payout())
    changed = stripe.transfer(payout(amount=Money.of(9999, "EUR")))
    assert changed.status is TransferStatus.RETRY_LATER and "idempotency" in (changed.reason or "")
    assert len(fake.transfers) == 1


def test_a_decline_is_replayed_for_its_key_so_the_next_attempt_needs_a_new_one(fake: FakeStripe) -> None:
    stripe = client(fake, [])
    fake.accounts_not_ready = {"acct_1"}
    declined = stripe.transfer(payout())
    fake.accounts_not_ready = set()
    replayed = stripe.transfer(payout())
    next_attempt = stripe.transfer(payout(transfer_attempt=2))
    assert declined.status is replayed.status is TransferStatus.DECLINED
    assert next_attempt.status is TransferStatus.TRANSFERRED and len(fake.transfers) == 1
