"""The portal's one read of its own: the signed-in partner together with a page's other items, in one
BatchGetItem, so a page costs the session, this read and at most two more requests (docs/portal.md).

The keys come from `shared.core.keys` (named by the owning slice's service); the items go back to the owning
slice to be read (`Partner.from_item`, `reports.dashboard_of`...). Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.core import keys
from shared.core.dynamo import Item, Table

PARTNER = "partner"


def read_with_partner(table: Table, partner_id: str, wanted: Mapping[str, Mapping[str, str]]) -> dict[str, Item]:
    """The partner's profile (named PARTNER) and the `wanted` items (by name) that exist: one BatchGetItem
    for up to 99 others."""
    named = {PARTNER: keys.partner(partner_id), **wanted}
    by_key = {(k["pk"], k["sk"]): name for name, k in named.items()}
    return {by_key[(i["pk"], i["sk"])]: i for i in table.batch_get(list(named.values()))}
