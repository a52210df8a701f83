"""Partners: onboarding, status, agreement, payout method, and per-partner API keys."""

from __future__ import annotations

import hmac
import secrets

from pydantic import ConfigDict, Field

from shared.context import AppContext
from shared.core import keys
from shared.core.clock import to_iso
from shared.core.email_address import EmailAddress
from shared.core.entity import Model
from shared.core.errors import Conflict, NotFound, Unauthorized
from shared.core.ids import new_id
from shared.links.service import sync_partner_status
from shared.partners import policy
from shared.partners.models import (
    PARTNER_TRANSITIONS,
    Partner,
    PartnerApiKey,
    PartnerStatus,
    PayoutMethod,
)

API_KEY_PREFIX = "rpk"


def normalize_email(email: str) -> str:
    """Lower-cased and trimmed: the form every uniqueness and dedupe check compares."""
    return email.strip().lower()


class PartnerInput(Model):
    """A new partner (POST /admin/partners)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailAddress
    company: str | None = Field(default=None, max_length=200)
    company_domain: str | None = Field(default=None, max_length=253, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
    plan_id: str | None = None
    status: PartnerStatus = PartnerStatus.ACTIVE
    payout_method: PayoutMethod = Field(default_factory=PayoutMethod)


def create_partner(ctx: AppContext, data: PartnerInput, *, partner_id: str | None = None) -> Partner:
    """Onboard a partner; its plan must exist; one partner per email."""
    if data.plan_id:
        ctx.programs.get_plan(ctx.program_id, data.plan_id)
    if data.status not in (PartnerStatus.ACTIVE, PartnerStatus.PENDING):
        raise Conflict("a new partner starts as active or pending", code="illegal_status")
    now = ctx.clock.now()
    email = normalize_email(str(data.email))
    partner = Partner(
        partner_id=partner_id or new_id("ptr"),
        program_id=ctx.program_id,
        created_at=now,
        updated_at=now,
        **{**data.model_dump(), "email": email},
    )
    ctx.partners.create(partner, email)
    return partner


def change_status(ctx: AppContext, partner_id: str, status: PartnerStatus, reason: str | None) -> Partner:
    """Move a partner to a new status if the transition is allowed (setting the same status changes nothing but
    re-copies it onto the partner's links); its links get the new status for the redirect right after."""
    partner = ctx.partners.get(partner_id)
    if partner.status is status:
        _copy_status(ctx, partner_id, status.value)  # a retry repairs copies a failed change skipped
        return partner
    if status not in PARTNER_TRANSITIONS[partner.status]:
        raise Conflict(
            f"a {partner.status.value} partner cannot become {status.value}", code="illegal_status_transition"
        )
    changed = ctx.partners.update_fields(
        partner_id,
        {"status": status.value, "status_reason": reason},
        updated_at=ctx.clock.now(),
        expected_status=partner.status,
    )
    # Then its links carry it to the redirect and its keys to the partner API (docs/status-policy.md).
    _copy_status(ctx, partner_id, status.value)
    return changed


def _copy_status(ctx: AppContext, partner_id: str, status: str) -> None:
    # Keys first: a terminated partner's credentials stop before anything else (each write idempotent).
    for api_key in ctx.partners.list_api_keys(partner_id):
        if api_key.partner_status != status:
            ctx.partners.set_api_key_partner_status(api_key.key_hash, status)
    sync_partner_status(ctx, partner_id, status)


def accept_agreement(ctx: AppContext, partner_id: str, version: str, ip: str | None = None) -> Partner:
    """Record that the partner accepted an agreement version, when, and from which IP (the portal gives it)."""
    now = ctx.clock.now()
    return ctx.partners.update_fields(
        partner_id,
        {"agreement_version": version, "agreement_accepted_at": to_iso(now), "agreement_accepted_ip": ip},
        updated_at=now,
    )


def set_language(ctx: AppContext, partner_id: str, language: str | None) -> Partner:
    """The language of the partner's portal and emails (None: follow the browser)."""
    return ctx.partners.update_fields(partner_id, {"language": language}, updated_at=ctx.clock.now())


def find_by_email(ctx: AppContext, email: str) -> Partner | None:
    """The program's partner with this email (any status), or None."""
    return ctx.partners.find_by_email(ctx.program_id, normalize_email(email))


def set_payout_method(ctx: AppContext, partner_id: str, method: PayoutMethod) -> Partner:
    """Replace the partner's payout method."""
    return ctx.partners.update_fields(
        partner_id, {"payout_method": method.model_dump(mode="json", exclude_none=True)}, updated_at=ctx.clock.now()
    )


def set_plan(ctx: AppContext, partner_id: str, plan_id: str | None) -> Partner:
    """Assign a commission plan (None: the program's default)."""
    if plan_id:
        ctx.programs.get_plan(ctx.program_id, plan_id)
    return ctx.partners.update_fields(partner_id, {"plan_id": plan_id}, updated_at=ctx.clock.now())


def set_stripe_customer_ids(ctx: AppContext, partner_id: str, customer_ids: list[str]) -> Partner:
    """Replace the partner's own Stripe customer ids (a sale to one of them waits in review as a self-purchase)."""
    unique = list(dict.fromkeys(customer_ids))
    return ctx.partners.update_fields(partner_id, {"stripe_customer_ids": unique}, updated_at=ctx.clock.now())


def set_group(ctx: AppContext, partner_id: str, group_id: str | None) -> Partner:
    """Move a partner into a group (None: no group); the caller checked the group exists. Commissions already
    earned keep the plan they were earned under; the move is kept on the partner (`group_moves`) for reports."""
    return ctx.partners.move_to_group(partner_id, group_id, at=ctx.clock.now())


# ---------------------------------------------------------------- API keys
def issue_api_key(ctx: AppContext, partner_id: str, label: str | None) -> tuple[PartnerApiKey, str]:
    """Create a partner API key; returns the stored record and the secret, which is shown only this once."""
    partner = ctx.partners.get(partner_id)
    if not policy.key_may_be_issued(partner.status):
        raise Conflict(f"a {partner.status.value} partner cannot get API keys", code="partner_terminated")
    key_id = new_id("key")
    secret = f"{API_KEY_PREFIX}_{secrets.token_urlsafe(32)}"
    api_key = PartnerApiKey(
        key_id=key_id,
        key_hash=keys.sha256_hex(secret),
        partner_id=partner_id,
        program_id=ctx.program_id,
        label=label,
        prefix=secret[:10],
        created_at=ctx.clock.now(),
        partner_status=partner.status.value,
    )
    ctx.partners.add_api_key(api_key)
    return api_key, secret


def revoke_api_key(ctx: AppContext, partner_id: str, key_id: str) -> PartnerApiKey:
    """Revoke one of the partner's keys; a key of another partner is reported as not found."""
    for api_key in ctx.partners.list_api_keys(partner_id):
        if api_key.key_id == key_id:
            return ctx.partners.revoke_api_key(api_key, ctx.clock.now())
    raise NotFound(f"partner {partner_id!r} has no API key {key_id!r}", code="api_key_not_found")


def authenticate_partner(ctx: AppContext, presented: str | None) -> str:
    """The partner id a presented API key belongs to; Unauthorized for a missing, unknown or revoked key, and
    for a key of a partner whose credentials no longer count (terminated: docs/status-policy.md)."""
    if not presented or not presented.startswith(API_KEY_PREFIX + "_") or len(presented) > 200:
        raise Unauthorized("send your partner API key as 'Authorization: Bearer rpk_...'")
    key_hash = keys.sha256_hex(presented)
    api_key = ctx.partners.find_api_key(key_hash)
    # The lookup is by hash, so the comparison below is belt and braces against a corrupted item.
    if api_key is None or api_key.revoked_at is not None or not hmac.compare_digest(api_key.key_hash, key_hash):
        raise Unauthorized("this API key is unknown or revoked; ask the program for a new one")
    if api_key.program_id != ctx.program_id:
        raise Unauthorized("this API key belongs to another program")
    status = api_key.partner_status
    if status is None:  # a key issued before the status was copied onto keys: read the partner once
        partner = ctx.partners.find(api_key.partner_id)
        status = partner.status.value if partner else None
    if not policy.credential_valid(status):
        raise Unauthorized("this partner's access to the program has ended")
    return api_key.partner_id


def authorize_admin(ctx: AppContext, headers: dict[str, str], request_context: dict[str, object]) -> None:
    """Admin access: API Gateway's IAM authorizer in AWS, or the local bearer token from `.env`."""
    authorizer = request_context.get("authorizer")
    if isinstance(authorizer, dict) and isinstance(authorizer.get("iam"), dict):
        return  # API Gateway verified the SigV4 signature before invoking us.
    expected = ctx.settings.admin_token
    presented = bearer_token(headers)
    if not expected or not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise Unauthorized("admin routes need 'Authorization: Bearer <ADMIN_TOKEN>' (IAM-signed in AWS)")


def bearer_token(headers: dict[str, str]) -> str | None:
    """The token of an `Authorization: Bearer ...` header (case-insensitive), if any."""
    for name, value in headers.items():
        if name.lower() == "authorization" and value:
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None
