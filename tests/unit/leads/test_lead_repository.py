"""The exact DynamoDB requests the lead repository sends: the conditions that make dedupe, the version
check and the one-time bounty hold, and the listings' queries, read without a database.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.commissions.models import Commission
from shared.commissions.store import CommissionRepository
from shared.core.dynamo import Table
from shared.core.errors import BadRequest
from shared.core.money import Money
from shared.core.pagination import encode_cursor
from shared.core.rate_limit_store import RateLimitRepository
from shared.events.outbox import is_outbox_action
from shared.leads.models import LeadEmailClaim, LeadStatus
from shared.leads.store import LeadRepository
from tests.unit.leads.builders import NOW, a_lead


class RecordingClient:
    """A boto3 stand-in that records each request and answers success."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def transact_write_items(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("transact_write_items", request))
        return {}

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("update_item", request))
        return {}

    def query(self, **request: Any) -> dict[str, Any]:
        # One page that is not the last: the listing must hand back a cursor for it.
        self.calls.append(("query", request))
        return {"Items": [], "LastEvaluatedKey": {"pk": {"S": "LEAD#lead_9"}, "sk": {"S": "LEAD"}}}


def test_a_new_lead_and_its_claim_are_one_transaction_both_conditioned_on_absence() -> None:
    client = RecordingClient()
    LeadRepository(Table(client=client, name="t")).create(
        a_lead(), LeadEmailClaim(program_id="default", email_hash="abc", lead_id="lead_1", created_at=NOW)
    )
    [(operation, request)] = client.calls
    # (and the lead.created outbox event: shared.events)
    lead_put, claim_put = (action["Put"] for action in request["TransactItems"] if not is_outbox_action(action))
    assert sum(map(is_outbox_action, request["TransactItems"])) == 1
    assert operation == "transact_write_items"
    assert lead_put["ConditionExpression"] == claim_put["ConditionExpression"] == "attribute_not_exists(pk)"
    assert claim_put["Item"]["pk"] == {"S": "PROGRAM#default#LEAD_EMAIL#abc"}
    assert claim_put["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"  # names the existing lead
    assert "email" not in claim_put["Item"]


def test_a_status_change_is_version_checked_and_the_bounty_put_only_if_absent() -> None:
    client = RecordingClient()
    lead = a_lead(status=LeadStatus.QUALIFIED, version=4)
    bounty = Commission(
        commission_id="com_lead_lead_1",
        partner_id="ptr_ada",
        program_id="default",
        amount=Money.of(5000, "USD"),
        rule="lead_bounty",
        available_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )
    table = Table(client=client, name="t")
    ledger = CommissionRepository(table).new_entry_actions(bounty)
    LeadRepository(table).save(lead, expected_version=3, ledger_actions=ledger)
    [(_, request)] = client.calls
    # The ledger may add its own updates (balance aggregates) to the transaction: the two puts are checked.
    lead_put, bounty_put = (
        action["Put"] for action in request["TransactItems"] if "Put" in action and not is_outbox_action(action)
    )
    assert lead_put["ConditionExpression"] == "#version = :expected_version"
    assert lead_put["ExpressionAttributeValues"] == {":expected_version": {"N": "3"}}
    assert lead_put["Item"]["gsi2pk"] == {"S": "PROGRAM#default#LEADS#qualified"}
    assert bounty_put["ConditionExpression"] == "attribute_not_exists(pk)"
    assert bounty_put["Item"]["sk"] == {"S": "COMMISSION#com_lead_lead_1"}
    assert bounty_put["Item"]["gsi2pk"]["S"].startswith("PAYABLE#")


def test_a_rate_limit_hit_is_one_conditional_counter_update_with_ttl() -> None:
    client = RecordingClient()
    allowed = RateLimitRepository(Table(client=client, name="t")).hit("ip", "h", "3600s0", limit=20, expires_at=7200)
    [(operation, request)] = client.calls
    assert allowed and operation == "update_item"
    assert request["Key"] == {"pk": {"S": "RATE#ip#h#3600s0"}, "sk": {"S": "RATE"}}
    assert request["ConditionExpression"] == "attribute_not_exists(#hits) OR #hits < :limit"
    assert request["ExpressionAttributeNames"]["#expires"] == "expires_at"


def test_the_admin_listing_of_one_partners_leads_in_one_status_is_a_filtered_query_of_its_partition() -> None:
    client = RecordingClient()
    cursor = encode_cursor({"gsi1pk": {"S": "PARTNER#ptr_ada#LEADS"}, "gsi1sk": {"S": "x"}})
    leads, next_cursor = LeadRepository(Table(client=client, name="t")).list_page(
        "default", status="qualified", partner_id="ptr_ada", limit=10, cursor=cursor
    )
    [(operation, request)] = client.calls
    assert (operation, request["IndexName"], request["Limit"]) == ("query", "gsi1", 10)
    assert request["KeyConditionExpression"] == "gsi1pk = :pk"
    assert request["ExpressionAttributeValues"][":pk"] == {"S": "PARTNER#ptr_ada#LEADS"}
    # The partner's partition also holds its duplicate records: only leads of that status are listed.
    assert request["FilterExpression"] == "#type = :lead AND #status = :status"
    assert request["ExclusiveStartKey"] == {"gsi1pk": {"S": "PARTNER#ptr_ada#LEADS"}, "gsi1sk": {"S": "x"}}
    assert leads == [] and next_cursor is not None


def test_a_cursor_of_another_index_is_refused_before_any_query() -> None:
    client = RecordingClient()
    foreign = encode_cursor({"gsi2pk": {"S": "PROGRAM#default#LEADS#new"}, "gsi2sk": {"S": "x"}})
    with pytest.raises(BadRequest) as refused:
        LeadRepository(Table(client=client, name="t")).list_for_partner("ptr_ada", limit=10, cursor=foreign)
    assert refused.value.code == "invalid_cursor" and client.calls == []
