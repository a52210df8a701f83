"""A group's own agreement and resources: its partners accept the group's version when it has one (else the
program's) and read the program's resources followed by the group's; moves between groups are recorded and keep
the commissions already earned as they were."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from shared.audit import service as audit
from shared.console import web as console_web
from shared.content import service as content
from shared.context import AppContext
from shared.core.money import Money
from shared.partners import service as partners
from shared.partners.models import Partner
from shared.programs import service as programs
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient

from .conftest import STAFF


def _agencies(staff: PageClient, *members: Partner) -> None:
    """Staff create the agencies group and move the members into it."""
    staff.get("/console/groups")
    assert staff.post("/console/groups", {"group_id": "agencies", "name": "Agencies"}).status == 303
    for partner in members:
        staff.get(f"/console/partners/{partner.partner_id}")
        assert staff.post(f"/console/partners/{partner.partner_id}/group", {"group_id": "agencies"}).status == 303


def test_a_groups_partners_are_asked_to_accept_the_groups_own_agreement(  # noqa: PLR0917 - fixtures
    staff: PageClient, ctx: AppContext, ada: Partner, bob: Partner, api: ApiClient, mail_dir: Path
) -> None:
    # Given Ada in the agencies group and Bob in none, both having accepted the program's 2026-11
    for partner in (ada, bob):
        partners.accept_agreement(ctx, partner.partner_id, "2026-11")
    _agencies(staff, ada)
    # When staff publish the agencies' own version
    staff.get("/console/groups/agencies/agreement")
    assert "2026-11" in staff.text  # until then the group follows the program's
    done = staff.post(
        "/console/groups/agencies/agreement", {"version": "agencies-1", "text": "Agencies earn **30 %**."}
    )
    assert done.status == 303 and done.headers["location"] == "/console/groups/agencies/agreement?published=1"
    # Then Ada is asked to accept it at her next sign-in, Bob is not
    ada_browser = PageClient(api, ip="203.0.113.5")
    assert ada_browser.sign_in("ada@partners.example", mail_dir).headers["location"] == "/portal/agreement"
    ada_browser.get("/portal/agreement")
    assert "30 %" in ada_browser.text and "agencies-1" in ada_browser.text
    bob_browser = PageClient(api, ip="203.0.113.6")
    assert bob_browser.sign_in("bob@partners.example", mail_dir).headers["location"] == "/portal"
    # And Ada accepts the group's version (an older page's program version is refused)
    assert ada_browser.post("/portal/agreement", {"version": "2026-11"}).status == 400
    ada_browser.get("/portal/agreement")
    assert ada_browser.post("/portal/agreement", {"version": "agencies-1"}).status == 303
    assert ctx.partners.get(ada.partner_id).agreement_version == "agencies-1"
    # And the group's page lists Ada's acceptance, the program's page lists Bob only
    staff.get("/console/groups/agencies/agreement")
    assert "Ada Lovelace" in staff.text and "Bob Builder" not in staff.text and "outdated" not in staff.text
    staff.get("/console/agreement")
    assert "Bob Builder" in staff.text and "Ada Lovelace" not in staff.text
    # And the program's agreement is untouched, the history is per scope, the publication audited
    assert content.program_content(ctx).agreement_version == "2026-11"
    assert [v.version for v in content.agreement_history(ctx, "agencies")] == ["agencies-1"]
    assert content.agreement_history(ctx) == []
    assert ("agreement.published", "agencies-1 (group agencies)") in [
        (e.action, e.detail) for e in audit.program_trail(ctx)
    ]


def test_a_version_name_is_used_once_in_the_whole_program(staff: PageClient, ctx: AppContext, ada: Partner) -> None:
    _agencies(staff)
    staff.get("/console/groups/agencies/agreement")
    refused = staff.post("/console/groups/agencies/agreement", {"version": "2026-11", "text": "other"})
    assert refused.status == 409 and "already published" in staff.text
    assert content.scope_content(ctx, "agencies").agreement_version is None


def test_a_groups_partners_read_the_programs_resources_then_the_groups(  # noqa: PLR0917 - fixtures
    staff: PageClient, ctx: AppContext, ada: Partner, bob: Partner, api: ApiClient, mail_dir: Path
) -> None:
    # Given Ada in the agencies group, Bob in none
    _agencies(staff, ada)
    for partner in (ada, bob):
        partners.accept_agreement(ctx, partner.partner_id, "2026-11")
    # When staff write two resources for the agencies and put the second first
    for title in ("Agency pitch deck", "White-label guide"):
        staff.get("/console/groups/agencies/resources")
        assert (
            staff.post(
                "/console/groups/agencies/resources", {"kind": "brand", "title": title, "body": "Read me"}
            ).status
            == 303
        )
    staff.get("/console/groups/agencies/resources")
    assert staff.post("/console/groups/agencies/resources/1/up", {}).status == 303
    # Then Ada reads the program's resources, then the group's in that order; Bob only the program's
    ada_browser = PageClient(api, ip="203.0.113.5")
    ada_browser.sign_in("ada@partners.example", mail_dir)
    ada_browser.get("/portal/resources")
    order = [ada_browser.text.index(t) for t in ("Why customers buy", "FAQ", "White-label guide", "Agency pitch deck")]
    assert order == sorted(order)
    bob_browser = PageClient(api, ip="203.0.113.6")
    bob_browser.sign_in("bob@partners.example", mail_dir)
    bob_browser.get("/portal/resources")
    assert "FAQ" in bob_browser.text and "Agency pitch deck" not in bob_browser.text
    # And the program's resources are untouched; removing one of the group's leaves the other
    assert [r.title for r in content.program_content(ctx).resources] == ["Why customers buy", "FAQ"]
    staff.get("/console/groups/agencies/resources")
    assert staff.post("/console/groups/agencies/resources/0/delete", {}).status == 303
    assert [r.title for r in content.scope_content(ctx, "agencies").resources] == ["Agency pitch deck"]
    staff.get("/console/groups/agencies/resources")
    assert staff.post("/console/groups/agencies/resources/5/delete", {}).status == 404


def test_the_group_page_shows_its_members_and_what_they_read(
    staff: PageClient, ctx: AppContext, ada: Partner, bob: Partner
) -> None:
    _agencies(staff, ada)
    page = staff.get("/console/groups/agencies")
    assert page.status == 200
    assert "Ada Lovelace" in staff.text and "Bob Builder" not in staff.text
    assert "The program's, version 2026-11" in staff.text
    assert staff.get("/console/groups/nope").status == 404
    assert staff.get("/console/groups/nope/resources").status == 404
    staff.get("/console/groups/agencies")
    assert staff.post("/console/groups/nope/agreement", {"version": "x1", "text": "t"}).status == 404


def test_a_move_between_groups_is_recorded_and_earned_commissions_keep_their_amount(
    staff: PageClient, ctx: AppContext, ada: Partner
) -> None:
    # Given Ada earned a $50 lead bounty under the standard plan
    from tests.integration.console.test_commissions_page import _bounty

    earned = _bounty(ctx, ada, "maria@acme.example")
    # When staff move her into a group whose default plan pays $90, and her own plan is cleared
    programs.create_plan(ctx, programs.PlanInput(plan_id="agency", name="Agency", lead_bounty=Money.of(9000, "USD")))
    staff.get("/console/groups")
    staff.post("/console/groups", {"group_id": "agencies", "name": "Agencies", "default_plan_id": "agency"})
    staff.get(f"/console/partners/{ada.partner_id}")
    staff.post(f"/console/partners/{ada.partner_id}/plan", {"plan_id": ""})
    staff.get(f"/console/partners/{ada.partner_id}")
    staff.post(f"/console/partners/{ada.partner_id}/group", {"group_id": "agencies"})
    # Then the move is recorded with who, from and to; the entry earned before keeps its $50
    moves = [
        (e.actor, e.detail) for e in audit.partner_trail(ctx, ada.partner_id) if e.action == "partner.group_changed"
    ]
    assert moves == [(STAFF, "- -> agencies")]
    entry = ctx.commissions.get(ada.partner_id, earned)
    assert entry.amount == Money.of(5000, "USD")
    # And what she earns from now on follows the group's plan
    plan = programs.plan_for_partner(ctx, ctx.programs.get(ctx.program_id), ctx.partners.get(ada.partner_id))
    assert plan is not None and plan.plan_id == "agency"


def _pages(staff: PageClient, path: str) -> list[str]:
    """Each page of a console list, following its "Next page" links to the end."""
    seen, query = [], {}
    while True:
        staff.get(path, query=query)
        seen.append(staff.text)
        found = re.search(r'<a href="[^"?]*\?cursor=([^"]+)">Next page</a>', staff.text)
        if found is None:
            return seen
        query = {"cursor": unquote(found.group(1))}


def test_a_group_and_an_agreement_list_every_partner_a_page_at_a_time(
    staff: PageClient, ada: Partner, bob: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one partner per page (500 in production) and Bob alone in the agencies group
    monkeypatch.setattr(console_web, "ACCEPTANCE_ROWS", 1)
    _agencies(staff, bob)
    # Then the group's pages show Bob on one page, and say so on a page without him
    pages = _pages(staff, "/console/groups/agencies")
    assert len(pages) >= 2  # (DynamoDB may end a full last page with a cursor: the next one is then empty)
    assert [("Bob Builder" in page) for page in pages].count(True) == 1
    assert any("None of this page's partners is in this group." in page for page in pages)
    # And the program's agreement pages list Ada (Bob reads his group's agreement only once it has one)
    pages = _pages(staff, "/console/agreement")
    assert len(pages) >= 2 and sum("Ada Lovelace" in page for page in pages) == 1
