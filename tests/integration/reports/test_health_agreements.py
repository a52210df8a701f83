"""The partner-health list checks each partner against the agreement in force for its own group (the group's
version when it has one, else the program's), reading the page's agreements in one BatchGetItem."""

from __future__ import annotations

from shared.content import service as content
from shared.context import AppContext
from shared.groups import service as groups
from shared.partners import service as partners
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_partner, given_program


def test_each_partner_is_held_to_the_agreement_of_its_own_group(api: ApiClient, ctx: AppContext) -> None:
    # Given a program agreement and an Agencies group with its own, newer one
    given_program(api)
    content.publish_agreement(ctx, content.AgreementInput(version="program-1", text="The program's terms"))
    groups.save_group(ctx, groups.GroupInput(group_id="agencies", name="Agencies"), actor="staff@demo.example")
    content.publish_agreement(
        ctx, content.AgreementInput(version="agencies-1", text="The agencies' terms"), group_id="agencies"
    )
    # And three partners: two agencies (one accepted only the program's version), one in no group
    stale = given_partner(api, email="stale@agency.example", name="Stale Agency")["partner_id"]
    current = given_partner(api, email="current@agency.example", name="Current Agency")["partner_id"]
    solo = given_partner(api, email="solo@partner.example", name="Solo")["partner_id"]
    for partner_id in (stale, current):
        groups.move_partner(ctx, partner_id, "agencies", actor="staff@demo.example")
    partners.accept_agreement(ctx, stale, "program-1")
    partners.accept_agreement(ctx, current, "agencies-1")
    partners.accept_agreement(ctx, solo, "program-1")

    # When staff read the health list
    items = api.get("/admin/reports/health", headers=ADMIN).json["items"]

    # Then only the agency that accepted the program's version (not its group's) is asked to accept
    flagged = {row["name"] for row in items if "agreement_not_accepted" in {r["code"] for r in row["reasons"]}}
    assert flagged == {"Stale Agency"}
