"""Sign-in links and sessions in DynamoDB: a link is consumed by one conditional update, so it signs in once."""

from __future__ import annotations

from datetime import datetime

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import NOT_EXISTS, ConditionFailed, Table
from shared.identity.models import SignInLink, WebSession

# Single use and not expired, checked by DynamoDB in the write itself (two tabs clicking at once: one wins).
CONSUME_CONDITION = "attribute_exists(pk) AND attribute_not_exists(used_at) AND valid_until > :now"


class IdentityRepository:
    """Reads and writes sign-in links and web sessions."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add_link(self, link: SignInLink) -> None:
        """Store a new link (by the hash of its token)."""
        self.table.put(link.to_item(), condition=NOT_EXISTS)

    def find_link(self, token_hash: str) -> SignInLink | None:
        """A link by its token's hash, or None."""
        item = self.table.get(keys.sign_in_link(token_hash))
        return SignInLink.from_item(item) if item else None

    def consume_link(self, token_hash: str, now: datetime) -> SignInLink | None:
        """Mark the link used and return it; None when it is unknown, used or expired."""
        try:
            item = self.table.update(
                keys.sign_in_link(token_hash),
                "SET used_at = :now",
                condition=CONSUME_CONDITION,
                values={":now": to_iso(now)},
            )
        except ConditionFailed:
            return None
        return SignInLink.from_item(item) if item else None

    def add_session(self, session: WebSession) -> None:
        """Store a new session."""
        self.table.put(session.to_item(), condition=NOT_EXISTS)

    def find_session(self, session_hash: str) -> WebSession | None:
        """A session by the hash of its id, or None."""
        item = self.table.get(keys.web_session(session_hash))
        return WebSession.from_item(item) if item else None

    def delete_session(self, session_hash: str) -> None:
        """Remove a session (signing out twice is fine)."""
        self.table.delete(keys.web_session(session_hash))
