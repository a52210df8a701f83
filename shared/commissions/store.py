"""The commission ledger and the Stripe state it is reconciled against: attributions, sales, payments,
partner totals, parked sales, and the partner's balance aggregates.

Reads return entities. Writes go through `write(LedgerWrite)`: the store turns the change into one
TransactWriteItems (the request builders below are small module functions, so a test can read each exact
ConditionExpression), adds the balance-aggregate updates every ledger change needs, and answers with a
domain outcome - APPLIED, DUPLICATE (a dedupe record was there: already applied) or CONFLICT (a version or
state condition failed, or another transaction was in the way: read again and decide again). Anything else
(throttling, an outage) raises, so the caller's caller answers 5xx and the sender retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from shared.commissions import rules
from shared.commissions.models import (
    BalanceTotals,
    Commission,
    CommissionStatus,
    CustomerAttribution,
    EntryState,
    ParkedSale,
    PaymentRecord,
    PromotionCodeAssignment,
    ReferralTotals,
    ReleaseDay,
    SaleRecord,
    entry_state,
    ledger_index_keys,
    release_day_expiry,
)
from shared.commissions.processed_event import ProcessedWebhookEvent
from shared.core import keys
from shared.core.clock import to_iso
from shared.core.dynamo import (
    MAX_TRANSACTION_ACTIONS,
    NOT_EXISTS,
    ConditionFailed,
    Item,
    Table,
    TransactionCancelled,
    deserialize,
    put_request,
    update_request,
)
from shared.core.entity import Entity
from shared.core.errors import NotFound
from shared.events import types as event_types
from shared.events.outbox import derived_event_id, event_action
from shared.partners.models import Partner
from shared.programs.models import CommissionPlan, Program

PAYABLE_KEYS = ("gsi2pk", "gsi2sk")
UNPAID_STATUSES = (CommissionStatus.PENDING, CommissionStatus.APPROVED)


class WriteOutcome(StrEnum):
    """What a write did: applied; a duplicate (its dedupe record exists: nothing to do); or a conflict
    (something it read changed meanwhile: read again and decide again)."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"


ADJUSTMENT_ID_PREFIX = "adj"
"""Manual adjustments are `adj_<ulid>` facts: their entries `com_adj_<ulid>_adjustment` sort together."""


@dataclass
class LedgerWrite:
    """One all-or-nothing change: dedupe records (an event's), versioned state items, plain
    items, new ledger entries and state changes of stored entries (before, after). The balance aggregates
    follow the entries in the same transaction."""

    now: datetime
    records: list[dict[str, Any]] = field(default_factory=list)
    versioned: list[tuple[Entity, int]] = field(default_factory=list)
    plain: list[Entity] = field(default_factory=list)
    new_entries: list[Commission] = field(default_factory=list)
    changed_entries: list[tuple[Commission, Commission]] = field(default_factory=list)


@dataclass(frozen=True)
class SaleInputs:
    """What commissioning a sale reads first, in one request: the program, the customer's binding, the sale;
    and, when the event hinted at the partner, that partner's inputs (`prefetched`, see `sale_inputs`)."""

    program: Program | None
    binding: CustomerAttribution | None
    sale: SaleRecord | None
    prefetched: PartnerInputs | None = None


@dataclass(frozen=True)
class PartnerInputs:
    """What it reads once the partner is known, in one request: its totals, profile, the payment, and the
    plans known by then (the program's default plan, read in the same request unless already known)."""

    totals: ReferralTotals
    partner: Partner | None
    payment: PaymentRecord | None
    plans: Mapping[str, CommissionPlan]
    payment_id: str | None = None  # the payment these inputs were read for


@dataclass(frozen=True)
class PartnerHint:
    """The partner (and payment) an event names before its customer's binding is read: worth reading in the
    same request as the binding, never trusted over it."""

    partner_id: str
    payment_id: str | None = None


# Commission plans never change once created (POST /admin/plans only; no update, no delete), so a plan read
# once is kept for the container's life: (table, program, plan id) -> plan. If plans ever become editable,
# this memo must go (or expire).
_known_plans: dict[tuple[str, str, str], CommissionPlan] = {}
KNOWN_PLANS_LIMIT = 512


# ---------------------------------------------------------------- request builders (pure)
def versioned_put_condition(expected_version: int) -> tuple[str, dict[str, Any] | None]:
    """Condition for replacing an item read at `expected_version` (0: it must not exist yet)."""
    if expected_version == 0:
        return NOT_EXISTS, None
    return "version = :expected", {":expected": expected_version}


def dedupe_put(table_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """Put a dedupe record (processed event, business fact): fails if it is already there."""
    return {"Put": put_request(table_name, item, condition=NOT_EXISTS)}


def versioned_put(table_name: str, entity: Entity, expected_version: int) -> dict[str, Any]:
    """Replace a versioned item (sale, payment, attribution, referral totals) read at `expected_version`."""
    condition, values = versioned_put_condition(expected_version)
    return {"Put": put_request(table_name, entity.to_item(), condition=condition, values=values)}


def plain_put(table_name: str, entity: Entity) -> dict[str, Any]:
    """An unconditional put (idempotent items such as a parked sale)."""
    return {"Put": put_request(table_name, entity.to_item())}


def new_entry_put(table_name: str, entry: Commission) -> dict[str, Any]:
    """Append a ledger entry; its id is derived from the business fact, so a replay cannot append it twice."""
    return {"Put": put_request(table_name, entry.to_item(), condition=NOT_EXISTS)}


@dataclass(frozen=True)
class EntryUpdate:
    """A state change of a stored entry, and the state it must still be in (its condition).

    A claim by a payout sets `payout_id` (status paid) and may not know the entry's available_at (then only
    gsi3pk moves: gsi3sk keeps the available_at already in it). Every other change knows the whole entry.
    """

    partner_id: str
    commission_id: str
    status: CommissionStatus
    updated_at: datetime
    expected_statuses: tuple[CommissionStatus, ...]
    available_at: datetime | None = None
    expected_available_at: datetime | None = None
    payout_id: str | None = None
    note: str | None = None

    @classmethod
    def between(cls, before: Commission, after: Commission) -> EntryUpdate:
        """Move an unclaimed entry from `before` (as read) to `after` (hold, release, approve, void)."""
        return cls(
            partner_id=after.partner_id,
            commission_id=after.commission_id,
            status=after.status,
            updated_at=after.updated_at,
            expected_statuses=(before.status,),
            available_at=after.available_at,
            expected_available_at=before.available_at,
            note=after.note,
        )

    @classmethod
    def claim(
        cls, partner_id: str, commission_id: str, payout_id: str, now: datetime, planned_available_at: datetime | None
    ) -> EntryUpdate:
        """Claim an unpaid entry for a payout (ledger contract: only while unclaimed, pending or approved;
        with `planned_available_at`, only while it is still that: the release items count it there)."""
        return cls(
            partner_id=partner_id,
            commission_id=commission_id,
            status=CommissionStatus.PAID,
            updated_at=now,
            expected_statuses=UNPAID_STATUSES,
            expected_available_at=planned_available_at,
            payout_id=payout_id,
        )


def entry_update(table_name: str, change: EntryUpdate) -> dict[str, Any]:
    """The conditional update of an entry's mutable fields and index keys: the one place that keeps GSI2
    (payable while unpaid) and GSI3 (balance state) consistent with Commission.keys(), for single writes,
    webhook transactions and payout claims alike."""
    sets = ["#status = :status", "updated_at = :updated_at"]
    values: dict[str, Any] = {":status": change.status.value, ":updated_at": to_iso(change.updated_at)}
    removes: list[str] = []
    if change.payout_id is not None:
        sets.append("payout_id = :payout_id")
        values[":payout_id"] = change.payout_id
    if change.note is not None:
        sets.append("note = :note")
        values[":note"] = change.note
    if change.available_at is not None:
        sets.append("available_at = :available_at")
        values[":available_at"] = to_iso(change.available_at)
        index = ledger_index_keys(
            change.partner_id, change.commission_id, change.status, change.payout_id, change.available_at
        )
    else:
        state = entry_state(change.status, change.payout_id)
        index = {"gsi3pk": keys.commission_state_partition(change.partner_id, state.value)}
    for name in ("gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk"):
        if name in index:
            sets.append(f"{name} = :{name}")
            values[f":{name}"] = index[name]
    if "gsi2pk" not in index:
        removes += PAYABLE_KEYS
    if len(change.expected_statuses) == 1:
        condition = "attribute_not_exists(payout_id) AND #status = :expected"
        values[":expected"] = change.expected_statuses[0].value
    else:
        placeholders = [f":expected{i}" for i in range(len(change.expected_statuses))]
        condition = f"attribute_not_exists(payout_id) AND #status IN ({', '.join(placeholders)})"
        values.update({p: s.value for p, s in zip(placeholders, change.expected_statuses, strict=True)})
    if change.expected_available_at is not None:
        condition += " AND available_at = :expected_available_at"
        values[":expected_available_at"] = to_iso(change.expected_available_at)
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    request = update_request(
        table_name,
        keys.commission(change.partner_id, change.commission_id),
        expression,
        condition=condition,
        names={"#status": "status"},
        values=values,
    )
    return {"Update": request}


def unclaim_update(table_name: str, entry: Commission, now: datetime) -> dict[str, Any]:
    """Give a claimed entry back (a released payout): paid -> pending with its own available_at, unclaimed and
    on the payable index again, only while it is still paid and claimed by that same payout."""
    assert entry.payout_id is not None
    index = ledger_index_keys(entry.partner_id, entry.commission_id, CommissionStatus.PENDING, None, entry.available_at)
    values: dict[str, Any] = {
        ":pending": CommissionStatus.PENDING.value,
        ":paid": CommissionStatus.PAID.value,
        ":payout_id": entry.payout_id,
        ":updated_at": to_iso(now),
        **{f":{name}": value for name, value in index.items()},
    }
    sets = ["#status = :pending", "updated_at = :updated_at", *(f"{name} = :{name}" for name in index)]
    request = update_request(
        table_name,
        keys.commission(entry.partner_id, entry.commission_id),
        "SET " + ", ".join(sets) + " REMOVE payout_id",
        condition="payout_id = :payout_id AND #status = :paid",
        names={"#status": "status"},
        values=values,
    )
    return {"Update": request}


TOTALS_UPDATE = (
    "ADD unpaid :unpaid, held :held, paid :paid, voided :voided, live_entries :live_entries, "
    "in_review :in_review, version :one "
    "SET #type = :type, partner_id = :partner_id, currency = :currency"
)


def totals_update(table_name: str, partner_id: str, currency: str, delta: rules.TotalsDelta) -> dict[str, Any]:
    """ADD a write's sums to the partner's totals in one currency (created at the first entry). No
    condition: concurrent writers add up, and the version moves with every change."""
    values: dict[str, Any] = {f":{name}": getattr(delta, name) for name in BalanceTotals.SUMS}
    values.update({":one": 1, ":type": BalanceTotals.entity_type, ":partner_id": partner_id, ":currency": currency})
    request = update_request(
        table_name, keys.partner_balance(partner_id, currency), TOTALS_UPDATE, names={"#type": "type"}, values=values
    )
    return {"Update": request}


def release_day_update(
    table_name: str, partner_id: str, currency: str, day: str, minutes: Mapping[str, tuple[int, int]]
) -> dict[str, Any]:
    """ADD a write's amounts and counts to the minutes of one release day (created when first needed)."""
    adds: list[str] = []
    names = {"#type": "type", "#day": "day"}
    values: dict[str, Any] = {}
    for minute, (amount, count) in sorted(minutes.items()):
        adds += [f"#m{minute} :m{minute}", f"#n{minute} :n{minute}"]
        names.update({f"#m{minute}": f"m{minute}", f"#n{minute}": f"n{minute}"})
        values.update({f":m{minute}": amount, f":n{minute}": count})
    values.update(
        {
            ":type": ReleaseDay.entity_type,
            ":partner_id": partner_id,
            ":currency": currency,
            ":day": day,
            ":expires_at": release_day_expiry(day),
        }
    )
    expression = (
        "ADD " + ", ".join(adds) + " SET #type = :type, partner_id = :partner_id, currency = :currency, "
        "#day = :day, expires_at = :expires_at"
    )
    request = update_request(
        table_name, keys.partner_balance_release_day(partner_id, day, currency), expression, names=names, values=values
    )
    return {"Update": request}


def balance_actions(table_name: str, delta: rules.BalanceDelta) -> list[dict[str, Any]]:
    """The aggregate updates of a write: one per touched (partner, currency) and release day."""
    actions = [totals_update(table_name, p, c, sums) for (p, c), sums in sorted(delta.totals.items())]
    actions += [
        release_day_update(table_name, p, c, day, minutes) for (p, c, day), minutes in sorted(delta.releases.items())
    ]
    return actions


def ledger_actions(
    table_name: str,
    new_entries: Sequence[Commission],
    changed_entries: Sequence[tuple[Commission, Commission]],
    now: datetime,
) -> list[dict[str, Any]]:
    """Entry puts and updates plus the balance-aggregate updates that keep the sums equal to them."""
    actions = [new_entry_put(table_name, e) for e in new_entries]
    actions += [entry_update(table_name, EntryUpdate.between(before, after)) for before, after in changed_entries]
    moves: list[tuple[rules.EntryPosition | None, rules.EntryPosition]] = [
        (None, rules.position_of(e)) for e in new_entries
    ]
    moves += [(rules.position_of(before), rules.position_of(after)) for before, after in changed_entries]
    actions += balance_actions(table_name, rules.balance_delta(moves, now))
    return actions + ledger_events(table_name, new_entries, changed_entries, now)


def ledger_events(
    table_name: str,
    new_entries: Sequence[Commission],
    changed_entries: Sequence[tuple[Commission, Commission]],
    now: datetime,
) -> list[dict[str, Any]]:
    """The outbox actions of a ledger change: `commission.created` (or `.reversed` for a reversal) per new
    entry, `commission.status_changed` per entry whose status moved (docs/events.md)."""
    events = [
        commission_event(
            table_name,
            event_types.COMMISSION_REVERSED if entry.reverses else event_types.COMMISSION_CREATED,
            entry,
            None,
            now,
        )
        for entry in new_entries
    ]
    events += [
        commission_event(table_name, event_types.COMMISSION_STATUS_CHANGED, after, before.status, now)
        for before, after in changed_entries
        if after.status is not before.status
    ]
    return events


def commission_event(
    table_name: str, event_type: str, entry: Commission, previous: CommissionStatus | None, now: datetime
) -> dict[str, Any]:
    """The outbox action of one ledger entry's creation or status change."""
    data = {
        "commission_id": entry.commission_id,
        "partner_id": entry.partner_id,
        "program_id": entry.program_id,
        "amount": {"amount": entry.amount.amount, "currency": entry.amount.currency},
        "status": entry.status.value,
        "previous_status": previous.value if previous is not None else None,
        "rule": entry.rule,
        "reverses": entry.reverses,
        "available_at": to_iso(entry.available_at),
        "note": entry.note,
    }
    return event_action(table_name, type=event_type, partner_id=entry.partner_id, data=data, now=now)


def attribution_events(table_name: str, change: LedgerWrite) -> list[dict[str, Any]]:
    """`customer.attributed` for each customer binding this write makes (a first binding, or one whose
    `attributed_at` is the write's time: a new touch or staff moved it); paid-history updates emit nothing."""
    return [
        event_action(
            table_name,
            type=event_types.CUSTOMER_ATTRIBUTED,
            partner_id=entity.partner_id,
            data={
                "stripe_customer_id": entity.stripe_customer_id,
                "partner_id": entity.partner_id,
                "program_id": entity.program_id,
                "source": entity.source.value,
                "lead_id": entity.lead_id,
                "link_code": entity.link_code,
                "previous_partner_id": entity.previous_partner_id,
            },
            now=change.now,
            # One binding, one event: a paid-history update written in the same instant repeats the id.
            event_id=derived_event_id(entity.stripe_customer_id, entity.partner_id, to_iso(entity.attributed_at)),
        )
        for entity, expected_version in change.versioned
        if isinstance(entity, CustomerAttribution) and (expected_version == 0 or entity.attributed_at == change.now)
    ]


# ---------------------------------------------------------------- the repository
class CommissionRepository:
    """Ledger entries, balance aggregates and the webhook's state items."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------ webhook reads
    def find_attribution(self, stripe_customer_id: str) -> CustomerAttribution | None:
        """The partner a Stripe customer is bound to, with the customer's paid history."""
        item = self.table.get(keys.customer_attribution(stripe_customer_id), consistent=True)
        return CustomerAttribution.from_item(item) if item else None

    def list_customers(
        self, partner_id: str, *, limit: int, start_key: Mapping[str, Any] | None = None
    ) -> tuple[list[CustomerAttribution], dict[str, Any] | None]:
        """A page of a partner's referred customers, most recently attributed first (GSI1)."""
        items, last = self.table.query(
            "gsi1pk = :pk",
            {":pk": keys.customer_partner_partition(partner_id)},
            index=keys.GSI1,
            forward=False,
            limit=limit,
            start_key=start_key,
        )
        return [CustomerAttribution.from_item(i) for i in items], last

    def set_customer_listing(self, binding: CustomerAttribution) -> int:
        """Give a stored attribution the GSI1 keys of its partner's customer list while it is still at the
        version read (the backfill of attributions written before the list existed): 1 if set, else 0."""
        listing = {k: v for k, v in binding.keys().items() if k.startswith("gsi1")}
        try:
            self.table.update(
                keys.customer_attribution(binding.stripe_customer_id),
                "SET gsi1pk = :gsi1pk, gsi1sk = :gsi1sk",
                condition="version = :version",
                values={":gsi1pk": listing["gsi1pk"], ":gsi1sk": listing["gsi1sk"], ":version": binding.version},
                return_values="NONE",
            )
        except ConditionFailed:
            return 0
        return 1

    def unlisted_attributions(self) -> Iterable[CustomerAttribution]:
        """Every attribution without the GSI1 keys of its partner's customer list: a Scan, for the one-off
        backfill (python -m shared.commissions.customers), never a request path."""
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self.table.name,
                "FilterExpression": "#type = :type AND attribute_not_exists(gsi1pk)",
                "ExpressionAttributeNames": {"#type": "type"},
                "ExpressionAttributeValues": {":type": {"S": CustomerAttribution.entity_type}},
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            self.table.request_count += 1
            page = self.table.client.scan(**kwargs)
            yield from (CustomerAttribution.from_item(deserialize(i)) for i in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def find_sale(self, sale_id: str) -> SaleRecord | None:
        """A sale (paid, or only linked to its payment so far)."""
        item = self.table.get(keys.commission_sale(sale_id), consistent=True)
        return SaleRecord.from_item(item) if item else None

    def find_payment(self, payment_id: str) -> PaymentRecord | None:
        """What is known of a payment's refunds and disputes."""
        item = self.table.get(keys.stripe_payment(payment_id), consistent=True)
        return PaymentRecord.from_item(item) if item else None

    def totals(self, partner_id: str) -> ReferralTotals:
        """The partner's referral totals (zero before its first referred sale)."""
        item = self.table.get(keys.partner_referral_totals(partner_id), consistent=True)
        return ReferralTotals.from_item(item) if item else ReferralTotals(partner_id=partner_id)

    def sale_inputs(
        self, program_id: str, stripe_customer_id: str, sale_id: str, *, hint: PartnerHint | None = None
    ) -> SaleInputs:
        """Program, customer binding and sale in one consistent BatchGetItem.

        With a `hint` (the partner and payment the event itself names, e.g. the click token a subscription
        carries), the same request also reads that partner's inputs, so a sale whose binding names that
        partner needs no second, dependent read. The binding stays the authority: `partner_inputs` uses the
        prefetched inputs only when they are the bound partner's, for the same payment."""
        wanted = {
            "program": keys.program(program_id),
            "binding": keys.customer_attribution(stripe_customer_id),
            "sale": keys.commission_sale(sale_id),
        }
        if hint is not None:
            wanted |= self._partner_keys(hint.partner_id, hint.payment_id)
        found = self._batch_by_name(wanted)
        program = Program.from_item(found["program"]) if "program" in found else None
        prefetched = None
        if hint is not None and program is not None and self._default_plan_known(program):
            prefetched = self._partner_inputs_from(found, hint.partner_id, hint.payment_id, program)
        return SaleInputs(
            program=program,
            binding=CustomerAttribution.from_item(found["binding"]) if "binding" in found else None,
            sale=SaleRecord.from_item(found["sale"]) if "sale" in found else None,
            prefetched=prefetched,
        )

    def partner_inputs(
        self, partner_id: str, payment_id: str | None, program: Program, prefetched: PartnerInputs | None = None
    ) -> PartnerInputs:
        """The partner's referral totals and profile, the payment's record and (unless known already) the
        program's default plan, in one consistent BatchGetItem; with every plan this container knows. No read
        when `prefetched` (sale_inputs) holds them already for this partner and payment."""
        if prefetched is not None and (prefetched.totals.partner_id, prefetched.payment_id) == (partner_id, payment_id):
            return prefetched
        wanted = self._partner_keys(partner_id, payment_id)
        if not self._default_plan_known(program):
            wanted["plan"] = keys.commission_plan(program.program_id, str(program.default_plan_id))
        found = self._batch_by_name(wanted)
        if "plan" in found:
            self.remember_plan(CommissionPlan.from_item(found["plan"]))
        return self._partner_inputs_from(found, partner_id, payment_id, program)

    @staticmethod
    def _partner_keys(partner_id: str, payment_id: str | None) -> dict[str, keys.Key]:
        wanted = {"totals": keys.partner_referral_totals(partner_id), "partner": keys.partner(partner_id)}
        if payment_id:
            wanted["payment"] = keys.stripe_payment(payment_id)
        return wanted

    def _default_plan_known(self, program: Program) -> bool:
        default = program.default_plan_id
        return not default or (self.table.name, program.program_id, default) in _known_plans

    def _partner_inputs_from(
        self, found: Mapping[str, Item], partner_id: str, payment_id: str | None, program: Program
    ) -> PartnerInputs:
        return PartnerInputs(
            totals=ReferralTotals.from_item(found["totals"])
            if "totals" in found
            else ReferralTotals(partner_id=partner_id),
            partner=Partner.from_item(found["partner"]) if "partner" in found else None,
            payment=PaymentRecord.from_item(found["payment"]) if "payment" in found else None,
            plans={
                plan_id: plan
                for (table, program_id, plan_id), plan in list(_known_plans.items())
                if table == self.table.name and program_id == program.program_id
            },
            payment_id=payment_id,
        )

    def remember_plan(self, plan: CommissionPlan) -> None:
        """Keep a plan read from this table for the container's life (plans never change once created)."""
        if len(_known_plans) >= KNOWN_PLANS_LIMIT:
            _known_plans.clear()
        _known_plans[(self.table.name, plan.program_id, plan.plan_id)] = plan

    def _batch_by_name(self, wanted: Mapping[str, Mapping[str, str]]) -> dict[str, Item]:
        by_key = {(k["pk"], k["sk"]): name for name, k in wanted.items()}
        return {by_key[(i["pk"], i["sk"])]: i for i in self.table.batch_get(list(wanted.values()), consistent=True)}

    def sale_entries(self, partner_id: str, sale_id: str) -> list[Commission]:
        """Every ledger entry of one sale: its commissions and their reversals (one consistent Query)."""
        pk, prefix = keys.sale_commissions_prefix(partner_id, sale_id)
        return self._entries(pk, prefix)

    def adjustments(self, partner_id: str) -> list[Commission]:
        """Every manual adjustment of a partner, oldest first (their ids share a prefix: one Query)."""
        pk, prefix = keys.sale_commissions_prefix(partner_id, ADJUSTMENT_ID_PREFIX)
        return self._entries(pk, prefix)

    # ------------------------------------------------------------ promotion codes
    def assign_promotion_code(self, assignment: PromotionCodeAssignment) -> PromotionCodeAssignment:
        """Store the assignment by code and under its partner in one transaction (attribute_not_exists):
        the stored assignment, which is another partner's when the code was assigned before."""
        partner_copy = {
            **assignment.to_item(),
            **keys.partner_promotion_code(assignment.partner_id, assignment.code),
        }
        try:
            self.table.transact_write(
                [
                    self.table.put_action(assignment.to_item(), condition=NOT_EXISTS),
                    self.table.put_action(partner_copy),
                ]
            )
        except TransactionCancelled:
            stored = self.find_promotion_code(assignment.program_id, assignment.code)
            if stored is None:
                raise
            return stored
        return assignment

    def find_promotion_code(self, program_id: str, code: str) -> PromotionCodeAssignment | None:
        """The partner assignment of one promotion code key, or None."""
        item = self.table.get(keys.promotion_code_assignment(program_id, code), consistent=True)
        return PromotionCodeAssignment.from_item(item) if item else None

    def partner_promotion_codes(self, partner_id: str) -> list[PromotionCodeAssignment]:
        """A partner's promotion codes (one Query of its copies)."""
        pk, prefix = keys.partner_promotion_codes_prefix(partner_id)
        low, high = keys.prefix_range(prefix)
        items = self.table.query_all(
            "pk = :pk AND sk BETWEEN :low AND :high", {":pk": pk, ":low": low, ":high": high}, consistent=True
        )
        return [PromotionCodeAssignment.from_item(item) for item in items]

    def parked_sales(self, stripe_customer_id: str) -> list[ParkedSale]:
        """Paid invoices waiting for this customer's binding."""
        pk, prefix = keys.parked_sales_prefix(stripe_customer_id)
        low, high = keys.prefix_range(prefix)
        items = self.table.query_all(
            "pk = :pk AND sk BETWEEN :low AND :high", {":pk": pk, ":low": low, ":high": high}, consistent=True
        )
        return [ParkedSale.from_item(item) for item in items]

    # ------------------------------------------------------------ ledger reads
    def get(self, partner_id: str, commission_id: str) -> Commission:
        """One ledger entry, or NotFound."""
        item = self.table.get(keys.commission(partner_id, commission_id), consistent=True)
        if item is None:
            raise NotFound(f"commission {commission_id!r} does not exist", code="commission_not_found")
        return Commission.from_item(item)

    def with_reversals(self, partner_id: str, commission_id: str) -> tuple[Commission | None, list[Commission]]:
        """One entry and its reversals (their ids extend its id: one consistent Query of that key range)."""
        pk, prefix = keys.commission_with_reversals_prefix(partner_id, commission_id)
        found = self._entries(pk, prefix)
        entry = next((e for e in found if e.commission_id == commission_id), None)
        return entry, [e for e in found if e.reverses == commission_id]

    def _entries(self, pk: str, prefix: str) -> list[Commission]:
        return [Commission.from_item(item) for item in self._entry_items(pk, prefix)]

    def _entry_items(self, pk: str, prefix: str) -> list[Item]:
        low, high = keys.prefix_range(prefix)
        return list(
            self.table.query_all(
                "pk = :pk AND sk BETWEEN :low AND :high", {":pk": pk, ":low": low, ":high": high}, consistent=True
            )
        )

    def list_for_partner(
        self, partner_id: str, *, limit: int, start_key: Mapping[str, Any] | None = None
    ) -> tuple[list[Commission], dict[str, Any] | None]:
        """A page of a partner's ledger, in id order."""
        pk, prefix = keys.commissions_prefix(partner_id)
        low, high = keys.prefix_range(prefix)
        items, last = self.table.query(
            "pk = :pk AND sk BETWEEN :low AND :high",
            {":pk": pk, ":low": low, ":high": high},
            limit=limit,
            start_key=start_key,
        )
        return [Commission.from_item(i) for i in items], last

    def list_in_state(
        self,
        partner_id: str,
        state: EntryState,
        *,
        limit: int,
        start_key: Mapping[str, Any] | None = None,
        available_after: datetime | None = None,
        available_until: datetime | None = None,
    ) -> tuple[list[Commission], dict[str, Any] | None]:
        """A page of a partner's entries in one balance state, by available_at (GSI3); unpaid ones may be
        narrowed to those available after a moment (pending) or up to it (approved) by the key condition."""
        condition = "gsi3pk = :pk"
        values: dict[str, Any] = {":pk": keys.commission_state_partition(partner_id, state.value)}
        if available_after is not None:
            condition += " AND gsi3sk > :bound"
            values[":bound"] = keys.commission_state_bound(to_iso(available_after))
        elif available_until is not None:
            condition += " AND gsi3sk < :bound"
            values[":bound"] = keys.commission_state_bound(to_iso(available_until))
        items, last = self.table.query(condition, values, index=keys.GSI3, limit=limit, start_key=start_key)
        return [Commission.from_item(i) for i in items], last

    def all_for_partner(self, partner_id: str) -> list[Commission]:
        """The partner's whole ledger (the rebuild and tests; the routes read aggregates and pages)."""
        pk, prefix = keys.commissions_prefix(partner_id)
        return self._entries(pk, prefix)

    def list_for_program(
        self, program_id: str, *, limit: int, start_key: Mapping[str, Any] | None = None
    ) -> tuple[list[Commission], dict[str, Any] | None]:
        """A page of every commission of the program, oldest first (GSI1)."""
        items, last = self.table.query(
            "gsi1pk = :pk",
            {":pk": keys.commission_program_partition(program_id)},
            index=keys.GSI1,
            limit=limit,
            start_key=start_key,
        )
        return [Commission.from_item(i) for i in items], last

    # ------------------------------------------------------------ balance reads
    def balance_items(
        self, partner_id: str, first_day: str, *, consistent: bool = False
    ) -> tuple[list[BalanceTotals], list[ReleaseDay]]:
        """The partner's balance totals (every currency) and release days from `first_day` on: one Query."""
        pk, low, high = keys.partner_balance_range(partner_id, first_day)
        items = self.table.query_all(
            "pk = :pk AND sk BETWEEN :low AND :high", {":pk": pk, ":low": low, ":high": high}, consistent=consistent
        )
        totals, days = [], []
        for item in items:
            if item.get("type") == BalanceTotals.entity_type:
                totals.append(BalanceTotals.from_item(item))
            elif item.get("type") == ReleaseDay.entity_type:
                days.append(ReleaseDay.from_item(item))
        return totals, days

    def pending_in_minute(self, partner_id: str, now: datetime) -> dict[str, int]:
        """Per currency, the unpaid entries available after `now` but within its minute (GSI3, a few items)."""
        minute_end = rules.release_minute(now) + timedelta(minutes=1)
        items = self.table.query_all(
            "gsi3pk = :pk AND gsi3sk BETWEEN :after AND :end",
            {
                ":pk": keys.commission_state_partition(partner_id, EntryState.UNPAID.value),
                ":after": keys.commission_state_bound(to_iso(now)),
                ":end": to_iso(minute_end),
            },
            index=keys.GSI3,
        )
        pending: dict[str, int] = {}
        for item in items:
            amount = item["amount"]
            pending[amount["currency"]] = pending.get(amount["currency"], 0) + int(amount["amount"])
        return pending

    # ------------------------------------------------------------ writes
    def write(self, change: LedgerWrite) -> WriteOutcome:
        """Apply one LedgerWrite in one transaction and say how it went (see WriteOutcome)."""
        name = self.table.name
        actions = [dedupe_put(name, item) for item in change.records]
        actions += [versioned_put(name, entity, version) for entity, version in change.versioned]
        actions += [plain_put(name, entity) for entity in change.plain]
        actions += ledger_actions(name, change.new_entries, change.changed_entries, change.now)
        actions += attribution_events(name, change)
        if len(actions) > MAX_TRANSACTION_ACTIONS:
            raise ValueError(f"a ledger change of {len(actions)} writes does not fit one transaction")
        try:
            self.table.transact_write(actions)
        except TransactionCancelled as error:
            return outcome_of(error, dedupe_positions=len(change.records))
        return WriteOutcome.APPLIED

    def new_entry_actions(self, entry: Commission) -> list[dict[str, Any]]:
        """The transaction actions that add one new entry with its balance aggregates, for a transaction
        another slice writes (the lead bounty): the entry's created_at is the writer's now."""
        return ledger_actions(self.table.name, [entry], [], entry.created_at)

    def claim_actions(
        self,
        partner_id: str,
        payout_id: str,
        currency: str,
        claims: Sequence[tuple[str, int, datetime | None]],
        now: datetime,
        *,
        with_balances: bool = True,
    ) -> list[dict[str, Any]]:
        """A payout's claim of entries (commission id, amount, available_at when the plan may still count it
        in the release items, else None): one update per entry, in order, then the aggregate updates
        (`with_balances` False: a payout planned before the aggregates existed, see rebuild_balances)."""
        actions = [
            entry_update(self.table.name, EntryUpdate.claim(partner_id, cid, payout_id, now, planned))
            for cid, _, planned in claims
        ]
        if not with_balances:
            return actions
        moves = [
            (
                rules.EntryPosition(partner_id, currency, amount, EntryState.UNPAID, planned),
                rules.EntryPosition(partner_id, currency, amount, EntryState.PAID, planned),
            )
            for _, amount, planned in claims
        ]
        return actions + balance_actions(self.table.name, rules.balance_delta(moves, now))

    def unclaim_actions(self, entries: Sequence[Commission], now: datetime) -> list[dict[str, Any]]:
        """Give claimed entries back to payable (a released payout): one conditional update per entry, in order,
        then the aggregate updates that move their amounts from paid back to unpaid."""
        actions = [unclaim_update(self.table.name, e, now) for e in entries]
        moves = [
            (
                rules.position_of(e),
                rules.position_of(e.model_copy(update={"status": CommissionStatus.PENDING, "payout_id": None})),
            )
            for e in entries
        ]
        return actions + balance_actions(self.table.name, rules.balance_delta(moves, now))

    def record_event(self, event: ProcessedWebhookEvent) -> bool:
        """Record an event id on its own; False when it was already recorded."""
        try:
            self.table.put(event.to_item(), condition=NOT_EXISTS)
        except ConditionFailed:
            return False
        return True

    def mark_customer_email(self, program_id: str, email_hash: str, customer_id: str, at: datetime) -> None:
        """Mark an email (hash) as a paying customer's; the first payment's marker stays."""
        item = {
            **keys.customer_email(program_id, email_hash),
            "type": "customer_email",
            "stripe_customer_id": customer_id,
            "created_at": to_iso(at),
        }
        try:
            self.table.put(item, condition=NOT_EXISTS)
        except ConditionFailed:
            return

    # ------------------------------------------------------------ rebuilding the aggregates
    def rebuild_balances(self, partner_id: str, now: datetime) -> tuple[WriteOutcome, int]:
        """Recompute a partner's balance aggregates from its ledger and replace them, and give every entry
        the GSI3 keys of its state (entries written before the aggregates existed have none).

        Safe while the partner's ledger changes: the totals are read (consistently) before the ledger, and
        replaced only if their version has not moved since (every ledger change moves it); CONFLICT means
        someone wrote meanwhile, so run it again. Returns (outcome, entries whose index keys were set).
        """
        today = rules.release_minute(now).strftime("%Y-%m-%d")
        stored_totals, stored_days = self.balance_items(partner_id, today, consistent=True)
        items = self._entry_items(*keys.commissions_prefix(partner_id))
        entries = [Commission.from_item(item) for item in items]
        indexed = self._backfill_state_keys(partner_id, zip(entries, items, strict=True))
        totals, days = rules.aggregates_of(entries, now)
        versions = {t.currency: t.version for t in stored_totals}
        # Every stored currency and future day is replaced, also when the ledger no longer has it.
        by_currency = {t.currency: t for t in totals}
        for stored in stored_totals:
            by_currency.setdefault(stored.currency, BalanceTotals(partner_id, stored.currency))
        by_day = {(d.currency, d.day): d for d in days}
        for stored_day in stored_days:
            by_day.setdefault(
                (stored_day.currency, stored_day.day), ReleaseDay(partner_id, stored_day.currency, stored_day.day, {})
            )
        puts = [{"Put": put_request(self.table.name, d.to_item())} for d in by_day.values()]
        guards, first = [], []
        for currency, total in sorted(by_currency.items()):
            expected = versions.get(currency, 0)
            replaced = BalanceTotals(**{**vars(total), "version": expected + 1})
            condition, values = versioned_put_condition(expected)
            first.append({"Put": put_request(self.table.name, replaced.to_item(), condition=condition, values=values)})
            guards.append(
                self.table.condition_action(
                    keys.partner_balance(partner_id, currency),
                    "version = :expected",
                    values={":expected": expected + 1},
                )
            )
        # The totals first (with as many days as fit); more days follow in transactions that check the
        # totals still carry the rebuilt version (a writer in between moves it: CONFLICT, run again).
        room = MAX_TRANSACTION_ACTIONS - len(first)
        batches = [first + puts[:room]]
        rest = puts[room:]
        step = MAX_TRANSACTION_ACTIONS - len(guards)
        batches += [guards + rest[i : i + step] for i in range(0, len(rest), step)]
        for batch in batches:
            try:
                self.table.transact_write(batch)
            except TransactionCancelled as error:
                return outcome_of(error, dedupe_positions=0), indexed
        return WriteOutcome.APPLIED, indexed

    def _backfill_state_keys(self, partner_id: str, stored: Iterable[tuple[Commission, Item]]) -> int:
        """Set the GSI3 keys of entries that lack them (or carry stale ones), each only while it is still
        in the state it was read in (a concurrent change sets them itself)."""
        set_count = 0
        for entry, item in stored:
            wanted = ledger_index_keys(
                partner_id, entry.commission_id, entry.status, entry.payout_id, entry.available_at
            )
            if item.get("gsi3pk") == wanted["gsi3pk"] and item.get("gsi3sk") == wanted["gsi3sk"]:
                continue
            condition = "#status = :status AND available_at = :available_at AND "
            condition += "payout_id = :payout_id" if entry.payout_id else "attribute_not_exists(payout_id)"
            values = {
                ":status": entry.status.value,
                ":available_at": to_iso(entry.available_at),
                ":gsi3pk": wanted["gsi3pk"],
                ":gsi3sk": wanted["gsi3sk"],
            }
            if entry.payout_id:
                values[":payout_id"] = entry.payout_id
            try:
                self.table.update(
                    keys.commission(partner_id, entry.commission_id),
                    "SET gsi3pk = :gsi3pk, gsi3sk = :gsi3sk",
                    condition=condition,
                    names={"#status": "status"},
                    values=values,
                    return_values="NONE",
                )
            except ConditionFailed:
                continue
            set_count += 1
        return set_count

    def import_entries(self, entries: Sequence[Commission]) -> int:
        """Store entries with BatchWriteItem, unconditionally and without aggregates (seeding, imports):
        follow with rebuild_balances. Returns the number of requests."""
        return self.table.batch_put([e.to_item() for e in entries])


def outcome_of(error: TransactionCancelled, *, dedupe_positions: int) -> WriteOutcome:
    """A refused transaction as a domain outcome: a dedupe record among the first `dedupe_positions` actions
    failed -> DUPLICATE; another condition failed, or a concurrent transaction was in the way -> CONFLICT.
    Anything else (throttling, validation) is not an outcome: it raises."""
    failed = error.failed_conditions
    if any(i < dedupe_positions for i in failed):
        return WriteOutcome.DUPLICATE
    if failed or error.conflicted:
        return WriteOutcome.CONFLICT
    raise error
