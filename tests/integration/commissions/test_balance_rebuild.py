"""The migration rebuild runs while the ledger changes: whatever interleaving, the partner's aggregates end
equal to the sums of its entries (the rebuild replaces them only if no change touched them meanwhile)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from shared.commissions import service as commissions
from shared.commissions.models import BalanceTotals, CommissionStatus
from shared.commissions.rebuild import rebuild_partner
from shared.context import AppContext
from shared.core import keys
from tests.helpers import ledger_factories as lf
from tests.model.ledger_model import expected_balances, expected_totals


def test_a_rebuild_racing_approvals_and_voids_leaves_the_aggregates_equal_to_the_sums(ctx: AppContext) -> None:
    # Given a ledger written before the aggregates (no balance items, no GSI3 keys): 40 entries in their hold
    later = ctx.clock.now() + timedelta(days=12)
    entries = [lf.commission("p_ada", 100 + n, status=CommissionStatus.PENDING, available_at=later) for n in range(40)]
    lf.given(ctx.table, lf.program(), lf.partner("p_ada"), *entries)
    for entry in entries:
        ctx.table.update(keys.commission("p_ada", entry.commission_id), "REMOVE gsi3pk, gsi3sk")

    # When the migration rebuilds the partner while an admin approves half of them early and voids the others
    def admin(n: int) -> None:
        if n % 2:
            commissions.approve_early(ctx, "p_ada", entries[n].commission_id)
        else:
            commissions.void(ctx, "p_ada", entries[n].commission_id, "duplicate order")

    with ThreadPoolExecutor(6) as pool:
        rebuilt = pool.submit(rebuild_partner, ctx, "p_ada")
        list(pool.map(admin, range(len(entries))))
        assert rebuilt.result().applied

    # Then the aggregates are the sums of the entries, and the balances what the entries say
    stored = ctx.commissions.all_for_partner("p_ada")
    totals, _ = ctx.commissions.balance_items("p_ada", "0000-00-00", consistent=True)
    assert {t.currency: {n: getattr(t, n) for n in BalanceTotals.SUMS} for t in totals} == expected_totals(stored)
    assert commissions.balances(ctx, "p_ada") == expected_balances(stored, ctx.clock.now())
    assert commissions.balances(ctx, "p_ada")["USD"]["approved"] == sum(100 + n for n in range(1, 40, 2))
