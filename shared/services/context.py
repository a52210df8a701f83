"""The dependencies a piece of business logic needs, built once per cold start or per test."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.clock import Clock, SystemClock
from shared.dynamo import Table
from shared.repositories.commissions import CommissionRepository
from shared.repositories.leads import LeadRepository
from shared.repositories.links import LinkRepository
from shared.repositories.partners import PartnerRepository
from shared.repositories.payouts import PayoutRepository
from shared.repositories.programs import ProgramRepository
from shared.settings import Settings, get_settings


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
