"""Given-steps for payouts: the program, partners and ledger entries written straight as entity items
(Commission(...).to_item()), so payout tests do not depend on the webhook's code paths.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from shared.commissions.models import Commission, CommissionSource, CommissionStatus
from shared.core.dynamo import Table, serialize
from shared.core.money import Money
from shared.partners.models import Partner, PartnerStatus, PayoutMethod, PayoutMethodKind
from shared.programs.models import Program

OCTOBER = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
CREATED = datetime(2026, 9, 1, tzinfo=UTC)
_ids = itertools.count(1)


def program(**overrides: Any) -> Program:
    """The program, with a 50.00 minimum payout in USD and EUR."""
    fields: dict[str, Any] = {
        "program_id": "default",
        "name": "Acme referral program",
        "landing_url": "https://www.acme.example/",
        "fallback_url": "https://www.acme.example/partners",
        "minimum_payouts": {"USD": 5000, "EUR": 5000},
        "created_at": CREATED,
        "updated_at": CREATED,
        **overrides,
    }
    return Program(**fields)


def partner(
    partner_id: str,
    *,
    method: PayoutMethodKind = PayoutMethodKind.STRIPE_CONNECT,
    status: PartnerStatus = PartnerStatus.ACTIVE,
    account: str | None = None,
) -> Partner:
    """An active partner paid through Stripe Connect (acct_<id>) unless told otherwise."""
    if method is PayoutMethodKind.STRIPE_CONNECT:
        payout_method = PayoutMethod(kind=method, stripe_account_id=account or f"acct_{partner_id.replace('_', '')}")
    elif method is PayoutMethodKind.NONE:
        payout_method = PayoutMethod()
    else:
        payout_method = PayoutMethod(kind=method, reference=f"{partner_id}@pay.example")
    return Partner(
        partner_id=partner_id,
        program_id="default",
        name=f"Partner {partner_id}",
        email=f"{partner_id}@partner.example",
        status=status,
        payout_method=payout_method,
        created_at=CREATED,
        updated_at=CREATED,
    )


def commission(
    partner_id: str,
    amount: int,
    currency: str = "USD",
    *,
    available_at: datetime = OCTOBER,
    commission_id: str | None = None,
    reverses: str | None = None,
    status: CommissionStatus = CommissionStatus.APPROVED,
    rule: str | None = None,
) -> Commission:
    """One ledger entry (negative with `reverses` for a clawback), from a made-up invoice."""
    number = next(_ids)
    cid = commission_id or f"cm_{number:06d}"
    return Commission(
        commission_id=cid,
        partner_id=partner_id,
        program_id="default",
        amount=Money.of(amount, currency),
        status=status,
        rule=rule or ("refund_reversal" if reverses else "sale_rate"),
        source=CommissionSource(customer_id=f"cus_{partner_id}", invoice_id=f"in_{number:06d}"),
        reverses=reverses,
        available_at=available_at,
        created_at=available_at,
        updated_at=available_at,
    )


def given(table: Table, *entities: Program | Partner | Commission) -> None:
    """Store entities one PutItem each (tests)."""
    for entity in entities:
        table.put(entity.to_item())


def batch_write(client: Any, table_name: str, items: Iterable[dict[str, Any]]) -> int:
    """Store items with BatchWriteItem (25 a request, unprocessed ones resent); returns requests made."""
    requests = 0
    batch: list[dict[str, Any]] = []

    def flush(chunk: list[dict[str, Any]]) -> int:
        sent = 0
        pending: dict[str, Any] = {table_name: [{"PutRequest": {"Item": serialize(i)}} for i in chunk]}
        while pending:
            sent += 1
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return sent

    for item in items:
        batch.append(item)
        if len(batch) == 25:
            requests += flush(batch)
            batch = []
    if batch:
        requests += flush(batch)
    return requests
