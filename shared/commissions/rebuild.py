"""Rebuilding partners' balance aggregates from their ledgers: the migration of a table written before the
aggregates existed, and a repair tool. Safe to run while the program is live and to run again: each partner's
aggregates are replaced only if no ledger change touched them since they were read (else that partner is
simply rebuilt again), and entries get the GSI3 keys of their state only while still in the state read.

    python -m shared.commissions.rebuild                      # every partner of the program
    python -m shared.commissions.rebuild --partner ptr_...    # some partners

It uses the deployment's settings (TABLE_NAME, PROGRAM_ID; DYNAMODB_ENDPOINT for DynamoDB Local), as the
functions do, and prints one JSON line per partner.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

from shared.commissions.store import WriteOutcome
from shared.context import AppContext
from shared.core.retry import pause_before_retry

REBUILD_ATTEMPTS = 8
PARTNERS_PER_PAGE = 100


@dataclass(frozen=True)
class RebuildResult:
    """One partner's rebuild: whether it was applied, and how many entries got their GSI3 keys."""

    partner_id: str
    applied: bool
    entries_indexed: int
    attempts: int


def rebuild_partner(ctx: AppContext, partner_id: str) -> RebuildResult:
    """Recompute one partner's balance aggregates from its ledger (retried while its ledger keeps changing)."""
    indexed = 0
    for attempt in range(REBUILD_ATTEMPTS):
        pause_before_retry(attempt, base_seconds=0.05)
        outcome, newly_indexed = ctx.commissions.rebuild_balances(partner_id, ctx.clock.now())
        indexed += newly_indexed
        if outcome is WriteOutcome.APPLIED:
            return RebuildResult(partner_id, True, indexed, attempt + 1)
    return RebuildResult(partner_id, False, indexed, REBUILD_ATTEMPTS)


def program_partner_ids(ctx: AppContext) -> Iterator[str]:
    """Every partner id of the program, page by page."""
    cursor: str | None = None
    while True:
        partners, cursor = ctx.partners.list_page(ctx.program_id, limit=PARTNERS_PER_PAGE, cursor=cursor)
        yield from (p.partner_id for p in partners)
        if not cursor:
            return


def main(argv: Sequence[str] | None = None, ctx: AppContext | None = None) -> int:
    """Rebuild the named partners (default: all of the program); exit 1 if one could not be rebuilt."""
    import argparse  # noqa: PLC0415 - the command line only; the payout run imports this module too

    parser = argparse.ArgumentParser(prog="python -m shared.commissions.rebuild", description=__doc__.split("\n")[0])
    parser.add_argument("--partner", action="append", default=[], help="a partner id (repeatable)")
    args = parser.parse_args(argv)
    ctx = ctx or AppContext.from_env()
    failed = 0
    for partner_id in args.partner or program_partner_ids(ctx):
        result = rebuild_partner(ctx, partner_id)
        failed += not result.applied
        print(json.dumps(asdict(result)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
