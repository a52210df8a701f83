"""Stripe Connect onboarding of a partner: an Express account (created once per partner) and a one-time
Account Link to Stripe's hosted form. Payouts then transfer to that account (shared.payouts.transfers).

Until the partner finishes Stripe's form, a transfer to the account is declined and the payout run retries it
next month (docs/payouts.md); the portal shows whether the account can receive payouts yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from shared.context import AppContext
from shared.core.errors import DomainError
from shared.core.lazy import lazy_module
from shared.core.secrets import get_secret
from shared.core.settings import stripe_api_base
from shared.partners import service as partners
from shared.partners.models import Partner, PayoutMethod, PayoutMethodKind

if TYPE_CHECKING:
    import stripe
else:  # loaded when Stripe is first called, not at cold start
    stripe = lazy_module("stripe")


class StripeUnavailable(DomainError):
    """Stripe did not answer or refused: nothing changed; try again later."""

    status = 503
    default_code = "stripe_unavailable"


@dataclass(frozen=True)
class AccountState:
    """What Stripe says of a connected account."""

    account_id: str
    details_submitted: bool
    payouts_enabled: bool


class ConnectClient(Protocol):
    """The three Connect calls onboarding needs (the real client, or a test double)."""

    def create_express_account(self, email: str, partner_id: str) -> str: ...
    def onboarding_url(self, account_id: str, refresh_url: str, return_url: str) -> str: ...
    def account_state(self, account_id: str) -> AccountState: ...


class StripeConnect:
    """The official client (`stripe.StripeClient`), pointed at `api_base` (tests: the local fake server)."""

    def __init__(self, api_key: str, api_base: str | None = None) -> None:
        options: dict[str, Any] = {"max_network_retries": 2}
        if api_base:
            options["base_addresses"] = {"api": api_base, "connect": api_base}
        self.client = stripe.StripeClient(api_key, **options)

    @classmethod
    def from_env(cls) -> StripeConnect:
        """API key from the secret store, base URL from STRIPE_API_BASE (empty: api.stripe.com)."""
        return cls(get_secret("STRIPE_API_KEY"), api_base=stripe_api_base())

    def create_express_account(self, email: str, partner_id: str) -> str:
        """One Express account per partner: the idempotency key makes a double click create one, not two."""
        account = self.client.v1.accounts.create(
            params={"type": "express", "email": email, "metadata": {"partner_id": partner_id}},
            options={"idempotency_key": f"connect-account-{partner_id}"},
        )
        return str(account.id)

    def onboarding_url(self, account_id: str, refresh_url: str, return_url: str) -> str:
        """A one-time link to Stripe's hosted onboarding form for the account."""
        link = self.client.v1.account_links.create(
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
        return str(link.url)

    def account_state(self, account_id: str) -> AccountState:
        """Whether the account finished onboarding and can receive payouts."""
        account = self.client.v1.accounts.retrieve(account_id)
        return AccountState(
            account_id=account_id,
            details_submitted=bool(getattr(account, "details_submitted", False)),
            payouts_enabled=bool(getattr(account, "payouts_enabled", False)),
        )


def connected_account(partner: Partner) -> str | None:
    """The partner's Connect account, if its payout method is Stripe Connect."""
    method = partner.payout_method
    return method.stripe_account_id if method.kind is PayoutMethodKind.STRIPE_CONNECT else None


def start_onboarding(
    ctx: AppContext, partner: Partner, client: ConnectClient, refresh_url: str, return_url: str
) -> str:
    """The URL of Stripe's onboarding form: the partner's account (created and made its payout method the first
    time) and a fresh Account Link to it."""
    try:
        account_id = connected_account(partner)
        if account_id is None:
            account_id = client.create_express_account(partner.email, partner.partner_id)
            method = PayoutMethod(kind=PayoutMethodKind.STRIPE_CONNECT, stripe_account_id=account_id)
            partners.set_payout_method(ctx, partner.partner_id, method)
        return client.onboarding_url(account_id, refresh_url, return_url)
    except stripe.StripeError as error:
        raise StripeUnavailable("Stripe could not start the onboarding; try again in a few minutes") from error


def onboarding_state(partner: Partner, client: ConnectClient) -> AccountState | None:
    """Stripe's word on the partner's account (None without one, or when Stripe does not answer)."""
    account_id = connected_account(partner)
    if account_id is None:
        return None
    try:
        return client.account_state(account_id)
    except stripe.StripeError:
        return None
