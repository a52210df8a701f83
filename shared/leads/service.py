"""The leads slice's door for code outside it (other slices such as the Stripe webhook and the portal, the
functions): its service, by name. Nothing is defined here.

The code lives in rooms: `forms` (what a submission may carry), `intake` (submit, attribute, dedupe, rate
limits), `lifecycle` (status, bounty, conversion), `erasure`, `views` (what partners and staff see). Code
inside the slice imports from those rooms.
"""

from __future__ import annotations

from shared.leads.erasure import erase_lead
from shared.leads.forms import PartnerLeadInput, ProspectDetails, VisitorLeadForm
from shared.leads.intake import (
    Claimant,
    Prospect,
    Submission,
    enforce_partner_rate_limit,
    enforce_visitor_rate_limit,
    resolve_visitor_claimant,
    submit_lead,
    submit_partner_lead,
    submit_visitor_lead,
)
from shared.leads.lifecycle import change_status, convert_lead_for_customer
from shared.leads.views import admin_lead, partner_lead, partner_view

__all__ = [
    "Claimant",
    "PartnerLeadInput",
    "Prospect",
    "ProspectDetails",
    "Submission",
    "VisitorLeadForm",
    "admin_lead",
    "change_status",
    "convert_lead_for_customer",
    "enforce_partner_rate_limit",
    "enforce_visitor_rate_limit",
    "erase_lead",
    "partner_lead",
    "partner_view",
    "resolve_visitor_claimant",
    "submit_lead",
    "submit_partner_lead",
    "submit_visitor_lead",
]
