"""Partners, their payout method and their API keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, model_validator

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity, Model


class PartnerStatus(StrEnum):
    """A partner's standing in the program."""

    PENDING = "pending"
    ACTIVE = "active"
    PAUSED = "paused"
    TERMINATED = "terminated"


# Which status changes an admin may make. Terminated is final: commissions stop, payouts are withheld.
PARTNER_TRANSITIONS: dict[PartnerStatus, frozenset[PartnerStatus]] = {
    PartnerStatus.PENDING: frozenset({PartnerStatus.ACTIVE, PartnerStatus.TERMINATED}),
    PartnerStatus.ACTIVE: frozenset({PartnerStatus.PAUSED, PartnerStatus.TERMINATED}),
    PartnerStatus.PAUSED: frozenset({PartnerStatus.ACTIVE, PartnerStatus.TERMINATED}),
    PartnerStatus.TERMINATED: frozenset(),
}


class PayoutMethodKind(StrEnum):
    """How a partner is paid: a Stripe Connect transfer, or a manual payout finance makes elsewhere."""

    NONE = "none"
    STRIPE_CONNECT = "stripe_connect"
    PAYPAL = "paypal"
    WISE = "wise"
    BANK_TRANSFER = "bank_transfer"


class PayoutMethod(Model):
    """The partner's payout method; `stripe_account_id` for Connect, `reference` (e.g. PayPal email) otherwise."""

    model_config = ConfigDict(extra="forbid")

    kind: PayoutMethodKind = PayoutMethodKind.NONE
    stripe_account_id: str | None = Field(default=None, pattern=r"^acct_[A-Za-z0-9]+$")
    reference: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _consistent(self) -> PayoutMethod:
        if self.kind is PayoutMethodKind.STRIPE_CONNECT and not self.stripe_account_id:
            raise ValueError("a stripe_connect payout method needs stripe_account_id (acct_...)")
        if self.kind not in (PayoutMethodKind.STRIPE_CONNECT, PayoutMethodKind.NONE) and not self.reference:
            raise ValueError(f"a {self.kind.value} payout method needs a reference (account or email)")
        return self

    @property
    def can_receive(self) -> bool:
        """True when a payout has somewhere to go."""
        return self.kind is not PayoutMethodKind.NONE


class Partner(Entity):
    """A referral partner: status, agreement accepted, commission plan, payout method."""

    entity_type: ClassVar[str] = "partner"

    partner_id: str
    program_id: str
    name: str
    email: str
    company: str | None = None
    company_domain: str | None = None
    status: PartnerStatus = PartnerStatus.ACTIVE
    plan_id: str | None = None
    group_id: str | None = None  # the partner's group (shared.groups): its default plan applies without plan_id
    agreement_version: str | None = None
    agreement_accepted_at: datetime | None = None
    agreement_accepted_ip: str | None = None
    payout_method: PayoutMethod = Field(default_factory=PayoutMethod)
    status_reason: str | None = None
    language: str | None = None  # the portal's and emails' language ("en", "pt_BR"); None: the browser's
    # The partner's own Stripe customers (set by staff): a sale to one of them is a self-purchase, sent to review.
    stripe_customer_ids: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """Profile item in the partner's partition, listed per program on GSI1."""
        return {
            **keys.partner(self.partner_id),
            **keys.partner_listing(self.program_id, to_iso(self.created_at), self.partner_id),
        }


class PartnerApiKey(Entity):
    """A partner credential, stored only as the SHA-256 of the secret; the secret is shown once."""

    entity_type: ClassVar[str] = "partner_api_key"

    key_id: str
    key_hash: str
    partner_id: str
    program_id: str
    label: str | None = None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
    # The partner's status, copied onto each of its keys so that authenticating stays one GetItem
    # (docs/status-policy.md); stored, never shown.
    partner_status: str | None = Field(default=None, exclude=True)

    def to_item(self) -> dict[str, Any]:
        """The stored item, with the denormalised `partner_status` the authentication reads."""
        item = super().to_item()
        if self.partner_status:
            item["partner_status"] = self.partner_status
        return item

    def keys(self) -> dict[str, str]:
        """Addressed by hash (one GetItem per request), listed per partner on GSI1."""
        return {**keys.partner_api_key(self.key_hash), **keys.partner_api_key_listing(self.partner_id, self.key_id)}
