"""Payout fixtures: one fake Stripe API server per test module, a clean Stripe account for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.fake_stripe import FakeStripe


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def fake_stripe(stripe_server: FakeStripe) -> FakeStripe:
    return stripe_server.reset()
