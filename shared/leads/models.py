"""Leads: a referred prospect from the visitor's form or submitted by a partner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from shared.core import keys
from shared.core.clock import to_iso
from shared.core.entity import Entity


class LeadStatus(StrEnum):
    """new -> qualified -> converted, or rejected with a reason the partner can read."""

    NEW = "new"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    REJECTED = "rejected"


# The lifecycle. Converted and rejected are final. A Stripe purchase may convert a lead sales never
# qualified (new -> converted): the customer paid, so it was qualified in fact.
LEAD_TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({LeadStatus.QUALIFIED, LeadStatus.CONVERTED, LeadStatus.REJECTED}),
    LeadStatus.QUALIFIED: frozenset({LeadStatus.CONVERTED, LeadStatus.REJECTED}),
    LeadStatus.CONVERTED: frozenset(),
    LeadStatus.REJECTED: frozenset(),
}


class LeadSource(StrEnum):
    """Where the lead came from."""

    VISITOR_FORM = "visitor_form"
    PARTNER_SUBMITTED = "partner_submitted"


class LeadOutcome(StrEnum):
    """What the submission amounted to; only `accepted` leads can earn anything."""

    ACCEPTED = "accepted"
    EXISTING_CUSTOMER = "existing_customer"
    SELF_REFERRAL = "self_referral"
    DUPLICATE = "duplicate"  # on a losing partner's record: another partner already referred this prospect


class AttributionMethod(StrEnum):
    """What tied the lead to its partner."""

    CLICK_TOKEN = "click_token"  # noqa: S105 - a name, not a secret
    REF_CODE = "ref_code"
    PARTNER_SUBMITTED = "partner_submitted"
    NONE = "none"


# The personal fields a right-to-erasure request removes (ids, status, outcome and dates stay).
PERSONAL_FIELDS: tuple[str, ...] = (
    "email",
    "email_hash",
    "name",
    "company",
    "job_title",
    "company_size",
    "phone",
    "message",
    "notes",
)

# What a partner wrote about a prospect: shown back only to that partner.
PARTNER_DETAIL_FIELDS: tuple[str, ...] = ("name", "company", "job_title", "company_size", "phone", "notes")

# The same on a losing partner's duplicate record (the masked email included).
DUPLICATE_PERSONAL_FIELDS: tuple[str, ...] = (
    "email_masked",
    "name",
    "company",
    "job_title",
    "company_size",
    "phone",
    "notes",
)


class Lead(Entity):
    """A lead, unique per program by normalised email (the dedupe claim keys on the email's hash).

    `version` grows by one on every write; each write is conditioned on the version it read, so two
    concurrent status changes or re-attributions cannot both win.
    """

    entity_type: ClassVar[str] = "lead"

    lead_id: str
    program_id: str
    partner_id: str | None = None
    email_hash: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    job_title: str | None = None
    company_size: str | None = None
    phone: str | None = None
    message: str | None = None
    notes: str | None = None
    submitted_by: str | None = None  # the partner whose own submission gave name/company/notes
    consent_to_contact: bool = False
    status: LeadStatus = LeadStatus.NEW
    status_reason: str | None = None
    source: LeadSource = LeadSource.VISITOR_FORM
    outcome: LeadOutcome = LeadOutcome.ACCEPTED
    attribution: AttributionMethod = AttributionMethod.NONE
    link_code: str | None = None
    click_nonce: str | None = None
    touched_at: datetime | None = None
    stripe_customer_id: str | None = None
    qualified_at: datetime | None = None
    converted_at: datetime | None = None
    erased_at: datetime | None = None
    version: int = 0
    created_at: datetime
    updated_at: datetime

    @property
    def earns(self) -> bool:
        """True when this lead may earn its partner anything (not self-referral nor an existing customer)."""
        return self.partner_id is not None and self.outcome is LeadOutcome.ACCEPTED

    def keys(self) -> dict[str, str]:
        """Lead item; GSI1 lists a partner's leads, GSI2 a program's leads by status, GSI3 all of them."""
        created = to_iso(self.created_at)
        result = {
            **keys.lead(self.lead_id),
            **keys.lead_status_listing(self.program_id, self.status.value, created, self.lead_id),
            **keys.lead_program_listing(self.program_id, created, self.lead_id),
        }
        if self.partner_id:
            result.update(keys.lead_partner_listing(self.partner_id, created, self.lead_id))
        return result


class LeadDuplicate(Entity):
    """A partner's submission of a prospect another partner holds: the losing partner sees this record
    (what it submitted, and that it was already referred), never the other partner nor the lead itself.
    """

    entity_type: ClassVar[str] = "lead_duplicate"

    lead_id: str
    program_id: str
    partner_id: str
    email_masked: str | None = None
    name: str | None = None
    company: str | None = None
    job_title: str | None = None
    company_size: str | None = None
    phone: str | None = None
    notes: str | None = None
    status: LeadStatus = LeadStatus.REJECTED
    status_reason: str = "already referred by another partner"
    outcome: LeadOutcome = LeadOutcome.DUPLICATE
    source: LeadSource = LeadSource.PARTNER_SUBMITTED
    erased_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def keys(self) -> dict[str, str]:
        """In the lead's partition (erased with it), listed with the partner's own leads on GSI1."""
        return {
            **keys.lead_duplicate(self.lead_id, self.partner_id),
            **keys.lead_partner_listing(self.partner_id, to_iso(self.created_at), self.lead_id),
        }


class LeadEmailClaim(Entity):
    """The dedupe claim: this program's lead for one email hash (no raw email in it)."""

    entity_type: ClassVar[str] = "lead_email_claim"

    program_id: str
    email_hash: str
    lead_id: str
    created_at: datetime

    def keys(self) -> dict[str, str]:
        """One claim per (program, email hash)."""
        return keys.lead_email_claim(self.program_id, self.email_hash)
