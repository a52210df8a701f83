"""Sign-in links: single use, 15 minutes; sessions: 12 hours, one area each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.identity.models import Audience, SignInLink, WebSession
from shared.identity.rules import SESSION_LIFETIME, SIGN_IN_LINK_LIFETIME, LinkState, link_state, session_active

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _link(**changes: object) -> SignInLink:
    link = SignInLink(
        token_hash="h",
        audience=Audience.PORTAL,
        principal_id="ptr_1",
        email="a@example.com",
        program_id="default",
        created_at=NOW,
        valid_until=NOW + SIGN_IN_LINK_LIFETIME,
        expires_at=0,
    )
    return link.model_copy(update=changes)


def test_a_link_works_for_fifteen_minutes_once() -> None:
    assert timedelta(minutes=15) == SIGN_IN_LINK_LIFETIME
    assert link_state(_link(), NOW + timedelta(minutes=14, seconds=59)) is LinkState.USABLE
    assert link_state(_link(), NOW + timedelta(minutes=15)) is LinkState.EXPIRED
    assert link_state(_link(used_at=NOW), NOW) is LinkState.USED
    assert link_state(None, NOW) is LinkState.UNKNOWN


def test_a_session_opens_only_its_own_area_until_it_runs_out() -> None:
    session = WebSession(
        session_hash="s",
        audience=Audience.PORTAL,
        principal_id="ptr_1",
        email="a@example.com",
        program_id="default",
        created_at=NOW,
        valid_until=NOW + SESSION_LIFETIME,
        expires_at=0,
    )
    assert session_active(session, NOW, "portal")
    assert not session_active(session, NOW, "console")
    assert not session_active(session, NOW + SESSION_LIFETIME, "portal")
    assert not session_active(None, NOW, "portal")
