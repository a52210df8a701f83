"""Given-step helpers: set up a program, plans, partners and links through the real admin API."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.links import click_token
from tests.conftest import TEST_ENV
from tests.helpers.api import ApiClient

# The admin credential of every test: the one definition (the `admin_headers` fixture hands out a copy).
ADMIN = {"Authorization": f"Bearer {TEST_ENV['ADMIN_TOKEN']}"}

PROGRAM = {
    "name": "Acme referral program",
    "allowed_destination_domains": ["acme.example"],
    "landing_url": "https://www.acme.example/",
    "fallback_url": "https://www.acme.example/partners",
    "thank_you_url": "https://www.acme.example/thanks",
    "minimum_payouts": {"USD": 5000},
    "hold_period_days": 30,
    "attribution_window_days": 90,
}


def given_program(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    """A program on acme.example (PUT /admin/program)."""
    response = api.put("/admin/program", json={**PROGRAM, **overrides}, headers=ADMIN)
    assert response.status == 200, response.body
    return response.json  # type: ignore[no-any-return]


def given_plan(api: ApiClient, **fields: Any) -> dict[str, Any]:
    """A commission plan (POST /admin/plans)."""
    body = {"name": "Standard", "sale_rate": "0.2", **fields}
    response = api.post("/admin/plans", json=body, headers=ADMIN)
    assert response.status == 201, response.body
    return response.json  # type: ignore[no-any-return]


def given_partner(api: ApiClient, email: str = "ada@partner.example", **fields: Any) -> dict[str, Any]:
    """An active partner (POST /admin/partners)."""
    response = api.post("/admin/partners", json={"name": "Ada", "email": email, **fields}, headers=ADMIN)
    assert response.status == 201, response.body
    return response.json  # type: ignore[no-any-return]


def given_api_key(api: ApiClient, partner_id: str) -> str:
    """A partner API key, as the admin route shows it once."""
    response = api.post(f"/admin/partners/{partner_id}/api-keys", json={"label": "test"}, headers=ADMIN)
    assert response.status == 201, response.body
    return str(response.json["api_key"])


def click_token_for(partner_id: str, code: str, now: datetime, *, days_ago: int = 0) -> str:
    """A click token on a partner's link, as the redirect issues it (clicked `days_ago` days before `now`)."""
    clicked_at = int((now - timedelta(days=days_ago)).timestamp())
    return click_token.issue(TEST_ENV["CLICK_TOKEN_SECRET"], code, partner_id, clicked_at)


def partner_headers(api_key: str) -> dict[str, str]:
    """Authorization header of a partner."""
    return {"Authorization": f"Bearer {api_key}"}


def given_link(api: ApiClient, partner_id: str, **fields: Any) -> dict[str, Any]:
    """A referral link of a partner (POST /admin/partners/{id}/links)."""
    response = api.post(f"/admin/partners/{partner_id}/links", json=fields, headers=ADMIN)
    assert response.status == 201, response.body
    return response.json  # type: ignore[no-any-return]
