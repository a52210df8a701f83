"""Stripe Connect transfers for payouts: one Transfer per payout attempt, with an Idempotency-Key, and
bounded exponential backoff when Stripe rate-limits.

Outcomes are three: transferred (Stripe answered with a transfer: new, or the one it already made for this
key), declined (Stripe refused for good: account not ready, balance insufficient; no transfer exists) and
retry_later (we do not know: network, 5xx, rate limit that outlasted the backoff; the payout stays pending
and the next run retries with the SAME key).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from shared.core.lazy import lazy_module
from shared.core.secrets import get_secret
from shared.core.settings import stripe_api_base
from shared.payouts.models import Payout

if TYPE_CHECKING:
    import stripe
else:  # loaded when Stripe is first called, not at cold start
    stripe = lazy_module("stripe")


class TransferStatus(StrEnum):
    """How a transfer attempt ended."""

    TRANSFERRED = "transferred"
    DECLINED = "declined"
    RETRY_LATER = "retry_later"


@dataclass(frozen=True)
class TransferResult:
    """The outcome of one transfer attempt."""

    status: TransferStatus
    transfer_id: str | None = None
    reason: str | None = None


class TransferGateway(Protocol):
    """What the payout run needs from Stripe (a fake or the real client)."""

    def transfer(self, payout: Payout, *, look_up_first: bool = False) -> TransferResult:
        """Pay the payout to its Connect account once (idempotent per payout attempt); with `look_up_first`,
        return the transfer an earlier attempt already made, if any."""
        ...


class StripeTransfers:
    """The real Stripe client (`stripe.StripeClient`), pointed at `api_base` (tests: a local fake server)."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str | None = None,
        max_attempts: int = 5,
        base_delay_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        options: dict[str, Any] = {"max_network_retries": 0}  # retries are ours: bounded, same key
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(api_key, **options)
        self.max_attempts = max_attempts
        self.base_delay_seconds = base_delay_seconds
        self.sleep = sleep

    @classmethod
    def from_env(cls) -> StripeTransfers:
        """API key from the secret store, base URL from STRIPE_API_BASE (empty: api.stripe.com)."""
        return cls(get_secret("STRIPE_API_KEY"), api_base=stripe_api_base())

    def transfer(self, payout: Payout, *, look_up_first: bool = False) -> TransferResult:
        """Create the Transfer for this payout attempt; back off on 429 (bounded), classify failures.

        `look_up_first`: an earlier attempt may have reached Stripe without us learning the outcome, and
        Stripe forgets idempotency keys after 24 hours; so first look for a transfer of the period to this
        account whose metadata names this payout, and take it instead of creating a second one.
        """
        if look_up_first:
            # The period's transfers to this account (a handful: one per currency), matched by payout id.
            query = {"transfer_group": payout.period, "destination": payout.destination or "", "limit": 100}
            try:
                found = self.client.v1.transfers.list(params=query)  # type: ignore[arg-type]
            except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as error:
                return TransferResult(TransferStatus.RETRY_LATER, reason=f"Stripe unavailable: {error}")
            for made in found.data:
                if made.to_dict().get("metadata", {}).get("payout_id") == payout.payout_id:
                    return TransferResult(TransferStatus.TRANSFERRED, transfer_id=made.id)
        params: dict[str, Any] = {
            "amount": payout.amount.amount,
            "currency": payout.amount.currency.lower(),
            "destination": payout.destination,
            "transfer_group": payout.period,
            "description": f"Partner payout {payout.period}",
            "metadata": {"payout_id": payout.payout_id, "partner_id": payout.partner_id, "period": payout.period},
        }
        for attempt in range(1, self.max_attempts + 1):
            try:
                transfer = self.client.v1.transfers.create(
                    params=params,  # type: ignore[arg-type]
                    options={"idempotency_key": payout.idempotency_key},
                )
                return TransferResult(TransferStatus.TRANSFERRED, transfer_id=transfer.id)
            except stripe.RateLimitError:
                if attempt == self.max_attempts:
                    return TransferResult(TransferStatus.RETRY_LATER, reason="Stripe rate limit outlasted the backoff")
                self.sleep(self.base_delay_seconds * 2 ** (attempt - 1))
            except stripe.IdempotencyError as error:
                # Same key, different parameters: a bug or a changed payout; never risk a second transfer.
                return TransferResult(TransferStatus.RETRY_LATER, reason=f"idempotency conflict: {error.user_message}")
            except (stripe.InvalidRequestError, stripe.PermissionError, stripe.CardError) as error:
                code = error.code or "declined"
                return TransferResult(TransferStatus.DECLINED, reason=f"{code}: {error.user_message or error}")
            except (stripe.APIConnectionError, stripe.APIError) as error:
                # Unknown whether Stripe made the transfer: only the same key may try again.
                return TransferResult(
                    TransferStatus.RETRY_LATER, reason=f"Stripe unavailable: {error.user_message or error}"
                )
        return TransferResult(TransferStatus.RETRY_LATER, reason="no attempt made")  # pragma: no cover
