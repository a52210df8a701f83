"""Program settings from the console: saved through programs.save_program, refused whole when one is wrong."""

from __future__ import annotations

from shared.audit import service as audit
from shared.context import AppContext
from shared.programs.models import AttributionPolicy
from tests.helpers.browser_client import PageClient

FORM = {
    "attribution_window_days": "60",
    "attribution_policy": "last_touch",
    "hold_period_days": "14",
    "minimum_payouts": "usd=5000, EUR=4000",
    "allowed_destination_domains": "example.com, shop.example.com",
    "landing_url": "https://www.example.com/",
    "fallback_url": "https://www.example.com/partners",
    "thank_you_url": "",
    "lead_form_origins": "https://www.example.com",
    "lead_rate_limit_per_ip": "30",
    "lead_rate_limit_per_partner": "300",
    "partner_link_limit": "3",
}


def test_staff_change_the_program_settings(staff: PageClient, ctx: AppContext) -> None:
    staff.get("/console/settings")
    assert 'value="example.com"' in staff.text
    assert staff.post("/console/settings", FORM).status == 303
    program = ctx.programs.get(ctx.program_id)
    assert program.attribution_window_days == 60 and program.attribution_policy is AttributionPolicy.LAST_TOUCH
    assert program.hold_period_days == 14 and program.minimum_payouts == {"USD": 5000, "EUR": 4000}
    assert program.allowed_destination_domains == ["example.com", "shop.example.com"]
    assert program.partner_link_limit == 3 and program.default_plan_id == "std"  # untouched fields stay
    assert [e.action for e in audit.program_trail(ctx)] == ["program.settings_changed"]


def test_a_wrong_setting_saves_nothing(staff: PageClient, ctx: AppContext) -> None:
    before = ctx.programs.get(ctx.program_id)
    for wrong in (
        {"hold_period_days": "-1"},
        {"minimum_payouts": "dollars"},
        {"landing_url": "https://elsewhere.example/"},
        {"attribution_window_days": "soon"},
    ):
        staff.get("/console/settings")
        assert staff.post("/console/settings", {**FORM, **wrong}).status == 422, wrong
        assert "nothing was saved" in staff.text
    assert ctx.programs.get(ctx.program_id) == before
