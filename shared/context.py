"""The dependencies a piece of business logic needs: one per Lambda container, built on its first invocation
from the function's settings model, or one per test.

A function's app module names its model with `use_settings(...)`; `get_context()` builds the context from it
once. Tests, benchmarks and the local stack (every function in one process) give their own with `set_context`.

Each repository is imported when first asked for, so a function loads only the slices it uses (the payout
function never loads the leads models, the lead form never the payout models): less to import at cold start.
"""

# ruff: noqa: PLC0415 - the repositories are imported where they are first used (see above)

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.core.clock import Clock, SystemClock
from shared.core.dynamo import Table, make_client
from shared.core.settings import Settings

if TYPE_CHECKING:
    from shared.commissions.store import CommissionRepository
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
    def from_settings(cls, settings: Settings) -> AppContext:
        """The context of a Lambda function: its table (named by its settings) and the system clock."""
        return cls(table=Table(client=make_client(), name=settings.table_name), settings=settings)

    @classmethod
    def from_env(cls, model: type[Settings] = Settings) -> AppContext:
        """The context from the environment, read through `model` (by default every variable: the local stack)."""
        return cls.from_settings(model.from_env())

    @property
    def program_id(self) -> str:
        """The program this deployment runs."""
        return self.settings.program_id

    @property
    def programs(self) -> ProgramRepository:
        """Programs and plans."""
        from shared.programs.store import ProgramRepository

        return ProgramRepository(self.table)

    @property
    def partners(self) -> PartnerRepository:
        """Partners and API keys."""
        from shared.partners.store import PartnerRepository

        return PartnerRepository(self.table)

    @property
    def links(self) -> LinkRepository:
        """Referral links."""
        from shared.links.store import LinkRepository

        return LinkRepository(self.table)

    @property
    def leads(self) -> LeadRepository:
        """Leads, their email claims and duplicate records."""
        from shared.leads.store import LeadRepository

        return LeadRepository(self.table)

    @property
    def commissions(self) -> CommissionRepository:
        """The commission ledger and the Stripe webhook's state items."""
        from shared.commissions.store import CommissionRepository

        return CommissionRepository(self.table)

    @property
    def payouts(self) -> PayoutRepository:
        """Payouts, and the payout run's reads and claims on the ledger."""
        from shared.payouts.store import PayoutRepository

        return PayoutRepository(self.table)


_model: type[Settings] = Settings
_context: AppContext | None = None


def use_settings(model: type[Settings]) -> None:
    """Name this function's settings model (its app module does, at import); read on the first invocation."""
    global _model  # noqa: PLW0603 - one model per Lambda container, on purpose
    _model = model


def get_context() -> AppContext:
    """The context of this container: built once, on first use, from the function's settings model."""
    global _context  # noqa: PLW0603 - one context per Lambda container, on purpose
    if _context is None:
        _context = AppContext.from_env(_model)
    return _context


def set_context(context: AppContext | None) -> None:
    """Replace the context (tests, benchmarks and the local stack give their own table and clock)."""
    global _context  # noqa: PLW0603
    _context = context
