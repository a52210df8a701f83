"""The bodies the lead routes answer, for the published OpenAPI documents only (shared.core.openapi:
imported when a document is built, never at cold start nor on a request)."""

from __future__ import annotations

from datetime import datetime

from shared.core.entity import Model
from shared.leads.models import Lead, LeadOutcome, LeadSource, LeadStatus


class LeadPage(Model):
    """GET /admin/leads: one page of leads and the cursor of the next one (null on the last page)."""

    items: list[Lead]
    next_cursor: str | None


class CompetingSubmission(Model):
    """Another partner that submitted the same prospect (staff settle attribution disputes from it)."""

    partner_id: str
    outcome: LeadOutcome
    status_reason: str | None = None
    created_at: datetime


class AdminLead(Lead):
    """GET /admin/leads/{id}: every field, and the other partners that submitted it."""

    other_partners: list[CompetingSubmission]


class PartnerLeadView(Model):
    """A lead as its partner sees it: a masked email, the details that partner submitted, and a status that
    never says whether the prospect already pays the company."""

    lead_id: str
    email: str | None = None
    qualified_at: datetime | None = None
    converted_at: datetime | None = None
    name: str | None = None
    company: str | None = None
    job_title: str | None = None
    company_size: str | None = None
    phone: str | None = None
    notes: str | None = None
    status: LeadStatus
    status_reason: str | None = None
    outcome: str
    source: LeadSource
    erased: bool
    created_at: datetime
    updated_at: datetime


class PartnerLeadPage(Model):
    """GET /partner/leads: one page of the partner's own leads and duplicate records."""

    items: list[PartnerLeadView]
    next_cursor: str | None
