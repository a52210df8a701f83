"""Attribution rules shared by leads and Stripe checkouts: verifying a click token against the program's
window, and deciding which partner owns a prospect when two touched it (first or last touch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.core.secrets import MissingSecret, get_secret
from shared.links import click_token
from shared.programs.models import AttributionPolicy, Program


def click_token_secrets() -> tuple[str, ...]:
    """The secrets a click token may be signed with (current first; `CLICK_TOKEN_SECRET_PREVIOUS` after rotation)."""
    current = get_secret("CLICK_TOKEN_SECRET")
    try:
        previous = get_secret("CLICK_TOKEN_SECRET_PREVIOUS")
    except MissingSecret:  # a previous secret is optional
        previous = ""
    return tuple(s for s in (current, previous) if s)


def verify_click(token: str, program: Program, now: datetime) -> click_token.ClickClaim:
    """The claim of a genuine click token younger than the program's attribution window.

    Raises click_token.InvalidClickToken when it is forged, tampered with or expired.
    """
    return click_token.verify(
        token,
        click_token_secrets(),
        now=int(now.timestamp()),
        max_age_seconds=program.attribution_window_days * 86400,
    )


def partner_named_by(token: str | None) -> str | None:
    """The partner a genuine click token names, however old (a subscription keeps its checkout's token for
    life): a hint of which partner's records to read, never an attribution. None for no or a forged token, or
    when no click token secret is configured (a hint never fails an event)."""
    if not token:
        return None
    try:
        return click_token.genuine_claim(token, click_token_secrets()).partner_id
    except (click_token.InvalidClickToken, MissingSecret):
        return None


@dataclass(frozen=True)
class Touch:
    """A partner's claim on a prospect: who, and when the prospect was touched (click or submission)."""

    partner_id: str
    touched_at: datetime


def decide_owner(
    policy: AttributionPolicy, held: Touch | None, incoming: Touch, window_days: int, now: datetime
) -> Touch:
    """Which touch owns the prospect: the held one unless it is outside the window, or the policy is last
    touch and the incoming touch is newer. Pure; both leads and checkout attribution use it.
    """
    if held is None or held.partner_id == incoming.partner_id:
        return held if held is not None and policy is AttributionPolicy.FIRST_TOUCH else incoming
    if now - held.touched_at > timedelta(days=window_days):
        return incoming
    if policy is AttributionPolicy.LAST_TOUCH and incoming.touched_at >= held.touched_at:
        return incoming
    return held
