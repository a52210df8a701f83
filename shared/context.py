"""The dependencies a piece of business logic needs, built once per cold start or per test."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.commissions.store import CommissionRepository
from shared.core.clock import Clock, SystemClock
from shared.core.dynamo import Table
from shared.core.settings import Settings, get_settings
from shared.leads.store import LeadRepository
from shared.links.store import LinkRepository
from shared.partners.store import PartnerRepository
from shared.payouts.store import PayoutRepository
from shared.programs.store import ProgramRepository


@dataclass
class AppContext:
    """Table, clock and settings, plus the repositories over that table."""

    table: Table
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_env(cls) -> AppContext:
        """The context of a Lambda function: table and settings from its environment."""
        return cls(table=Table.from_env(), settings=get_settings())

    @property
    def program_id(self) -> str:
        """The program this deployment runs."""
        return self.settings.program_id

    @property
    def programs(self) -> ProgramRepository:
        """Programs and plans."""
        return ProgramRepository(self.table)

    @property
    def partners(self) -> PartnerRepository:
        """Partners and API keys."""
        return PartnerRepository(self.table)

    @property
    def links(self) -> LinkRepository:
        """Referral links."""
        return LinkRepository(self.table)

    @property
    def leads(self) -> LeadRepository:
        """Leads, their email claims and duplicate records."""
        return LeadRepository(self.table)

    @property
    def commissions(self) -> CommissionRepository:
        """The commission ledger and the Stripe webhook's state items."""
        return CommissionRepository(self.table)

    @property
    def payouts(self) -> PayoutRepository:
        """Payouts, and the payout run's reads and claims on the ledger."""
        return PayoutRepository(self.table)


_context: AppContext | None = None


def get_context() -> AppContext:
    """The context of this function (table, clock, settings), built once per cold start."""
    global _context  # noqa: PLW0603 - one context per Lambda container, on purpose
    if _context is None:
        _context = AppContext.from_env()
    return _context


def set_context(context: AppContext | None) -> None:
    """Replace the context (tests and the local gateway give their own table and clock)."""
    global _context  # noqa: PLW0603
    _context = context
