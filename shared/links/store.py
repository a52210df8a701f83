"""Referral links."""

from __future__ import annotations

from shared.core import keys
from shared.core.dynamo import EXISTS, NOT_EXISTS, ConditionFailed, Table
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import query_partition
from shared.links.models import LinkStatus, ReferralLink


class LinkRepository:
    """Reads and writes referral links; a code is unique because its item is created with a condition."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, link: ReferralLink) -> None:
        """Store a new link; a code already taken is a Conflict."""
        try:
            self.table.put(link.to_item(), condition=NOT_EXISTS)
        except ConditionFailed as error:
            raise Conflict(f"referral code {link.code!r} is already taken", code="link_code_taken") from error

    def get(self, code: str) -> ReferralLink:
        """A link, or NotFound."""
        link = self.find(code)
        if link is None:
            raise NotFound(f"referral link {code!r} does not exist", code="link_not_found")
        return link

    def find(self, code: str) -> ReferralLink | None:
        """A link, or None."""
        item = self.table.get(keys.referral_link(code))
        return ReferralLink.from_item(item) if item else None

    def list_for_partner(self, partner_id: str) -> list[ReferralLink]:
        """Every link of a partner."""
        items = query_partition(self.table, keys.referral_links_partition(partner_id), index=keys.GSI1)
        return [ReferralLink.from_item(i) for i in items]

    def set_status(self, code: str, status: LinkStatus) -> ReferralLink:
        """Change a link's status; an expired link stays expired (Conflict), a missing one is NotFound."""
        condition, values = EXISTS, {":status": status.value}
        if status is not LinkStatus.EXPIRED:
            # The condition, not a read before the write, guards the rule: no race with a concurrent expiry.
            condition, values = f"{EXISTS} AND #status <> :expired", {**values, ":expired": LinkStatus.EXPIRED.value}
        try:
            item = self.table.update(
                keys.referral_link(code),
                "SET #status = :status",
                condition=condition,
                names={"#status": "status"},
                values=values,
            )
        except ConditionFailed as error:
            if error.item is not None:
                raise Conflict(
                    f"referral link {code!r} has expired and cannot be reactivated", code="link_expired"
                ) from error
            raise NotFound(f"referral link {code!r} does not exist", code="link_not_found") from error
        assert item is not None
        return ReferralLink.from_item(item)

    def set_partner_status(self, code: str, partner_status: str) -> bool:
        """Copy the partner's status onto one of its links (idempotent); False when the link no longer exists."""
        return self.table.set_if_exists(keys.referral_link(code), "partner_status", partner_status)
