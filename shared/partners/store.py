"""Partners and their API keys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import EXISTS, NOT_EXISTS, ConditionFailed, Table, TransactionCancelled
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import query_page, query_partition
from shared.partners.models import Partner, PartnerApiKey, PartnerStatus


class PartnerRepository:
    """Reads and writes partners; uniqueness of a partner's email is a claim item in the same transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def create(self, partner: Partner, email_normalized: str) -> None:
        """Store a new partner and its email claim together; an email already used is a Conflict."""
        claim = {
            **keys.partner_email_claim(partner.program_id, email_normalized),
            "type": "partner_email_claim",
            "partner_id": partner.partner_id,
        }
        try:
            self.table.transact_write(
                [
                    self.table.put_action(partner.to_item(), condition=NOT_EXISTS),
                    self.table.put_action(claim, condition=NOT_EXISTS),
                ]
            )
        except TransactionCancelled as error:
            if 1 in error.failed_conditions:
                raise Conflict("a partner with this email already exists", code="partner_email_taken") from error
            raise Conflict("this partner id already exists", code="partner_exists") from error

    def get(self, partner_id: str) -> Partner:
        """A partner, or NotFound."""
        partner = self.find(partner_id)
        if partner is None:
            raise NotFound(f"partner {partner_id!r} does not exist", code="partner_not_found")
        return partner

    def find(self, partner_id: str) -> Partner | None:
        """A partner, or None."""
        item = self.table.get(keys.partner(partner_id))
        return Partner.from_item(item) if item else None

    def find_many(self, partner_ids: Iterable[str]) -> dict[str, Partner]:
        """The partners that exist among these ids, by id (BatchGetItem, 100 keys a request)."""
        found = self.table.batch_get([keys.partner(i) for i in set(partner_ids)])
        return {p.partner_id: p for p in map(Partner.from_item, found)}

    def find_by_email(self, program_id: str, email_normalized: str) -> Partner | None:
        """The partner holding this email's claim, or None (two GetItems: the claim, then the partner)."""
        claim = self.table.get(keys.partner_email_claim(program_id, email_normalized))
        return self.find(str(claim["partner_id"])) if claim and claim.get("partner_id") else None

    def list_page(self, program_id: str, *, limit: int, cursor: str | None) -> tuple[list[Partner], str | None]:
        """One page of the program's partners, oldest first, and the cursor of the next page."""
        items, next_cursor = query_page(
            self.table, keys.partner_listing_partition(program_id), index=keys.GSI1, limit=limit, cursor=cursor
        )
        return [Partner.from_item(i) for i in items], next_cursor

    def update_fields(
        self,
        partner_id: str,
        fields: dict[str, Any],
        *,
        updated_at: datetime,
        expected_status: PartnerStatus | None = None,
    ) -> Partner:
        """Set attributes of an existing partner, optionally only if its status is still `expected_status`."""
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: dict[str, Any] = {f":v{i}": v for i, v in enumerate(fields.values()) if v is not None}
        assignments = [f"#f{i} = :v{i}" for i, v in enumerate(fields.values()) if v is not None]
        removals = [f"#f{i}" for i, v in enumerate(fields.values()) if v is None]
        names["#updated_at"] = "updated_at"
        values[":updated_at"] = to_iso(updated_at)
        assignments.append("#updated_at = :updated_at")
        condition = EXISTS
        if expected_status is not None:
            names["#status"] = "status"
            values[":expected"] = expected_status.value
            condition += " AND #status = :expected"
        try:
            item = self.table.update(
                keys.partner(partner_id),
                "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else ""),
                condition=condition,
                names=names,
                values=values,
            )
        except ConditionFailed as error:
            if error.item is None:
                raise NotFound(f"partner {partner_id!r} does not exist", code="partner_not_found") from error
            raise Conflict(
                "the partner changed while this request ran; read it again and retry", code="partner_changed"
            ) from error
        assert item is not None
        return Partner.from_item(item)

    def move_to_group(self, partner_id: str, group_id: str | None, *, at: datetime) -> Partner:
        """Set the partner's group and append the move {at, from, to} to its `group_moves`, in one update
        conditional on the group read first (the reports attribute each figure to the group of its time)."""
        current = self.get(partner_id)
        if current.group_id == group_id:
            return self.update_fields(partner_id, {"group_id": group_id}, updated_at=at)
        names = {"#group": "group_id", "#moves": "group_moves", "#updated_at": "updated_at"}
        values: dict[str, Any] = {
            ":move": [{"at": to_iso(at), **_present(current.group_id, "from"), **_present(group_id, "to")}],
            ":none": [],
            ":updated_at": to_iso(at),
        }
        update = "SET #moves = list_append(if_not_exists(#moves, :none), :move), #updated_at = :updated_at"
        if group_id is None:
            update += " REMOVE #group"
        else:
            values[":group"] = group_id
            update = update.replace("SET ", "SET #group = :group, ", 1)
        condition = (
            EXISTS + " AND " + ("attribute_not_exists(#group)" if current.group_id is None else "#group = :from")
        )
        if current.group_id is not None:
            values[":from"] = current.group_id
        try:
            item = self.table.update(keys.partner(partner_id), update, condition=condition, names=names, values=values)
        except ConditionFailed as error:
            raise Conflict(
                "the partner changed while this request ran; read it again and retry", code="partner_changed"
            ) from error
        assert item is not None
        return Partner.from_item(item)

    # ------------------------------------------------------------ API keys
    def add_api_key(self, api_key: PartnerApiKey) -> None:
        """Store a new API key (its hash only)."""
        self.table.put(api_key.to_item(), condition=NOT_EXISTS)

    def find_api_key(self, key_hash: str) -> PartnerApiKey | None:
        """The API key with this hash, or None."""
        item = self.table.get(keys.partner_api_key(key_hash))
        return PartnerApiKey.from_item(item) if item else None

    def list_api_keys(self, partner_id: str) -> list[PartnerApiKey]:
        """Every API key of a partner, revoked ones included."""
        items = query_partition(self.table, keys.partner_api_keys_partition(partner_id), index=keys.GSI1)
        return [PartnerApiKey.from_item(i) for i in items]

    def revoke_api_key(self, api_key: PartnerApiKey, revoked_at: datetime) -> PartnerApiKey:
        """Mark a key revoked (idempotent: revoking twice keeps the first time)."""
        item = self.table.update(
            keys.partner_api_key(api_key.key_hash),
            "SET revoked_at = if_not_exists(revoked_at, :at)",
            condition=EXISTS,
            values={":at": to_iso(revoked_at)},
        )
        assert item is not None
        return PartnerApiKey.from_item(item)

    def set_api_key_partner_status(self, key_hash: str, partner_status: str) -> bool:
        """Copy the partner's status onto one of its keys (idempotent); False when the key no longer exists."""
        return self.table.set_if_exists(keys.partner_api_key(key_hash), "partner_status", partner_status)


def _present(group_id: str | None, name: str) -> dict[str, str]:
    """{name: group_id}, or nothing for no group (a move's map never stores a null)."""
    return {name: group_id} if group_id else {}
