"""Entities of the leads slice's unit tests, built in memory with sensible defaults a test overrides."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.core.money import Money
from shared.leads.models import Lead
from shared.partners.models import Partner
from shared.programs.models import CommissionPlan, Program

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def a_program(**fields: object) -> Program:
    """The Acme program (landing page www.acme.example, a thank-you page with its own query)."""
    base = {
        "program_id": "default",
        "name": "Acme",
        "landing_url": "https://www.acme.example/",
        "fallback_url": "https://www.acme.example/partners",
        "thank_you_url": "https://www.acme.example/thanks?src=form",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Program.model_validate({**base, **fields})


def a_partner(**fields: object) -> Partner:
    """Ada, an active partner of the program."""
    base = {"partner_id": "ptr_ada", "program_id": "default", "name": "Ada", "email": "ada@partner.example"}
    return Partner.model_validate({**base, "created_at": NOW, "updated_at": NOW, **fields})


def a_lead(**fields: object) -> Lead:
    """A new lead of Ada's, email hash `abc`."""
    base = {"lead_id": "lead_1", "program_id": "default", "partner_id": "ptr_ada", "email_hash": "abc"}
    return Lead.model_validate({**base, "created_at": NOW, "updated_at": NOW, **fields})


def a_plan(bounty: Money | None) -> CommissionPlan:
    """A plan paying `bounty` per qualified lead (None: no lead bounty)."""
    return CommissionPlan(plan_id="p", program_id="default", name="P", lead_bounty=bounty, created_at=NOW)
