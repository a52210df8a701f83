"""The status table of docs/status-policy.md, cell by cell, against shared.partners.policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.links.models import LinkStatus
from shared.partners import policy
from shared.partners.models import Partner, PartnerStatus, PayoutMethod, PayoutMethodKind
from shared.payouts.rules import withholding_reason

PARTNERS = ("pending", "active", "paused", "terminated")
LINKS = ("active", "paused", "expired")


@pytest.mark.parametrize("partner", PARTNERS)
@pytest.mark.parametrize("link", LINKS)
def test_redirect_tracks_only_an_active_link_of_an_active_partner(partner: str, link: str) -> None:
    # Given a partner status and a link state / When the redirect asks / Then only active x active tracks
    assert policy.redirect_tracks(partner, link) is (partner == "active" and link == "active")


@pytest.mark.parametrize("partner", PARTNERS)
@pytest.mark.parametrize("link", LINKS)
def test_a_ref_attributes_only_through_an_active_link_of_an_active_partner(partner: str, link: str) -> None:
    assert policy.ref_attributes(partner, link) is (partner == "active" and link == "active")


@pytest.mark.parametrize("partner", PARTNERS)
@pytest.mark.parametrize("link", LINKS)
def test_a_click_token_survives_an_expiry_but_not_a_pause_nor_an_inactive_partner(partner: str, link: str) -> None:
    assert policy.click_token_attributes(partner, link) is (partner == "active" and link != "paused")


@pytest.mark.parametrize(
    ("partner", "new", "recurring", "lock", "payout", "credential", "portal", "leads", "key"),
    [
        ("pending", False, "review", True, "withhold", True, False, False, True),
        ("active", True, "earn", True, "pay", True, True, True, True),
        ("paused", False, "review", True, "withhold", True, False, False, True),
        ("terminated", False, "nothing", False, "withhold", False, False, False, False),
    ],
)
def test_the_partner_rows_of_the_table(  # noqa: PLR0917 - one parameter per column of the table
    partner: str,
    new: bool,
    recurring: str,
    lock: bool,
    payout: str,
    credential: bool,
    portal: bool,
    leads: bool,
    key: bool,
) -> None:
    # Given a partner status / Then each path's verdict is the documented cell
    assert policy.new_attribution_allowed(partner) is new
    assert policy.recurring_commission(partner) == recurring
    assert policy.customer_lock_holds(partner) is lock
    assert policy.payout(partner) == payout
    assert policy.credential_valid(partner) is credential
    assert policy.portal_open(partner) is portal
    assert policy.partner_may_submit_leads(partner) is leads
    assert policy.key_may_be_issued(partner) is key


@pytest.mark.parametrize("unknown", [None, "", "ACTIVE", "deleted"])
def test_an_unknown_partner_status_fails_closed(unknown: str | None) -> None:
    assert not policy.redirect_tracks(unknown, "active")
    assert not policy.credential_valid(unknown)
    assert policy.recurring_commission(unknown) == policy.NOTHING
    assert not policy.customer_lock_holds(unknown)


def test_a_link_past_its_expiry_is_expired_whatever_its_stored_status() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    assert policy.link_state("active", now - timedelta(seconds=1), now) == "expired"
    assert policy.link_state("active", now, now) == "expired"
    assert policy.link_state("active", now + timedelta(days=1), now) == "active"
    assert policy.link_state("paused", None, now) == "paused"
    assert policy.link_state("expired", None, now) == "expired"
    assert policy.link_state("active", 10.0, 5.0) == "active"


def test_the_enums_compare_equal_to_the_policy_strings() -> None:
    assert tuple(s.value for s in PartnerStatus) == policy.PARTNER_STATUSES
    assert {s.value for s in LinkStatus} == set(policy.LINK_STATES)
    assert policy.redirect_tracks(PartnerStatus.ACTIVE, LinkStatus.ACTIVE)


@pytest.mark.parametrize("status", list(PartnerStatus))
def test_the_payout_row_is_what_the_payout_run_withholds(status: PartnerStatus) -> None:
    # Given a partner with somewhere to be paid, in each status
    now = datetime(2026, 11, 29, tzinfo=UTC)
    partner = Partner(
        partner_id="ptr_1",
        program_id="default",
        name="Ada",
        email="ada@partner.example",
        status=status,
        payout_method=PayoutMethod(kind=PayoutMethodKind.PAYPAL, reference="ada@paypal.example"),
        created_at=now,
        updated_at=now,
    )
    # Then the payout run pays exactly when the table says PAY
    assert (withholding_reason(partner) is None) is (policy.payout(status) == policy.PAY)
