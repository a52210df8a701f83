"""Partner groups: their default plan applies to members without a plan of their own; moves are recorded."""

from __future__ import annotations

from shared.audit import service as audit
from shared.context import AppContext
from shared.core.money import Money
from shared.onboarding.models import Application
from shared.partners.models import Partner
from shared.programs import service as programs
from tests.helpers.browser_client import PageClient

from .conftest import STAFF


def _agency_plan(ctx: AppContext) -> None:
    programs.create_plan(ctx, programs.PlanInput(plan_id="agency", name="Agency", lead_bounty=Money.of(9000, "USD")))


def test_a_group_default_plan_applies_to_members_without_their_own(
    staff: PageClient, ctx: AppContext, ada: Partner, bob: Partner
) -> None:
    # Given an agencies group whose default plan is "agency"
    _agency_plan(ctx)
    staff.get("/console/groups")
    assert (
        staff.post("/console/groups", {"group_id": "agencies", "name": "Agencies", "default_plan_id": "agency"}).status
        == 303
    )
    # And Ada without a plan of her own, Bob on "std", both moved into it
    ctx.partners.update_fields(ada.partner_id, {"plan_id": None}, updated_at=ctx.clock.now())
    for partner in (ada, bob):
        staff.get(f"/console/partners/{partner.partner_id}")
        assert staff.post(f"/console/partners/{partner.partner_id}/group", {"group_id": "agencies"}).status == 303
    program = ctx.programs.get(ctx.program_id)
    # Then Ada earns under the group's plan, Bob keeps his own
    ada_plan = programs.plan_for_partner(ctx, program, ctx.partners.get(ada.partner_id))
    bob_plan = programs.plan_for_partner(ctx, program, ctx.partners.get(bob.partner_id))
    assert ada_plan is not None and ada_plan.plan_id == "agency"
    assert bob_plan is not None and bob_plan.plan_id == "std"
    # And out of the group Ada is back on the program's default
    staff.get(f"/console/partners/{ada.partner_id}")
    staff.post(f"/console/partners/{ada.partner_id}/group", {"group_id": ""})
    back = programs.plan_for_partner(ctx, program, ctx.partners.get(ada.partner_id))
    assert back is not None and back.plan_id == "std"
    # And every move is in Ada's audit trail, with who, from and to
    moves = [
        (e.actor, e.detail) for e in audit.partner_trail(ctx, ada.partner_id) if e.action == "partner.group_changed"
    ]
    assert moves == [(STAFF, "agencies -> -"), (STAFF, "- -> agencies")]


def test_staff_approve_an_application_into_a_group(
    staff: PageClient, ctx: AppContext, application: Application
) -> None:
    staff.get("/console/groups")
    staff.post("/console/groups", {"group_id": "consultants", "name": "Consultants"})
    staff.get(f"/console/applications/{application.partner_id}")
    assert "Consultants" in staff.text
    assert (
        staff.post(f"/console/applications/{application.partner_id}/approve", {"group_id": "consultants"}).status == 303
    )
    assert ctx.partners.get(application.partner_id).group_id == "consultants"


def test_an_unknown_group_or_plan_is_refused(staff: PageClient, ctx: AppContext, application: Application) -> None:
    staff.get(f"/console/applications/{application.partner_id}")
    assert staff.post(f"/console/applications/{application.partner_id}/approve", {"group_id": "nope"}).status == 404
    assert ctx.partners.get(application.partner_id).group_id is None
    staff.get("/console/groups")
    assert staff.post("/console/groups", {"group_id": "x", "name": ""}).status == 422
    assert staff.post("/console/groups", {"group_id": "ok-id", "name": "Ok", "default_plan_id": "nope"}).status == 404
