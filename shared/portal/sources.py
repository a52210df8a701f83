"""The one place the portal names the other slices' services it builds on, so a slice's reorganisation
touches one import here, never a page."""

from __future__ import annotations

from shared.commissions import customers
from shared.commissions import service as commissions
from shared.content import service as content
from shared.identity import service as identity
from shared.leads import rules as lead_rules
from shared.leads import service as leads
from shared.links import clicks
from shared.links import service as links
from shared.partners import service as partners
from shared.payouts import rules as payout_rules
from shared.reports import rules as report_rules
from shared.reports import service as reports

__all__ = [
    "clicks",
    "commissions",
    "content",
    "customers",
    "identity",
    "lead_rules",
    "leads",
    "links",
    "partners",
    "payout_rules",
    "report_rules",
    "reports",
]
