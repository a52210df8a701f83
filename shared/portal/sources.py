"""The one place the portal names the other slices' services it builds on, so a slice's reorganisation
touches one import here, never a page.

Those that only some pages use load with their page's first request (`lazy_module`), not at cold start: the
sign-in page and the static assets, a web container's usual first requests, never need them (~25 ms of the
web function's import, docs/observability.md "Cold start"). Identity, links and partners are the sign-in's
and load anyway (the notifications and Stripe Connect modules use them too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.core.lazy import lazy_module
from shared.identity import service as identity
from shared.links import service as links
from shared.partners import service as partners

if TYPE_CHECKING:
    from shared.commissions import customers
    from shared.commissions import service as commissions
    from shared.content import service as content
    from shared.leads import service as leads
    from shared.payouts import rules as payout_rules
    from shared.reports import rules as report_rules
    from shared.reports import service as reports
else:  # each loaded when a page first uses it
    customers = lazy_module("shared.commissions.customers")  # the Customers page (and the ledger's rules)
    commissions = lazy_module("shared.commissions.service")  # the dashboard and Earnings
    content = lazy_module("shared.content.service")  # the agreement, resources, and a confirmed sign-in
    leads = lazy_module("shared.leads.service")  # the Leads page
    payout_rules = lazy_module("shared.payouts.rules")  # a payout statement
    report_rules = lazy_module("shared.reports.rules")  # the dashboard's chart and Reports
    reports = lazy_module("shared.reports.service")  # the dashboard, Reports and Links

__all__ = [
    "commissions",
    "content",
    "customers",
    "identity",
    "leads",
    "links",
    "partners",
    "payout_rules",
    "report_rules",
    "reports",
]
