"""The monthly payout run at two sizes: BENCH_PAYOUT_PARTNERS partners (default 10,000) x 20 payable
commissions each, and a tenth of that, against DynamoDB Local and the fake Stripe server.

Prints, per size: seeding time (BatchWriteItem, not counted), run time, DynamoDB requests (by operation),
Stripe requests, and per-partner ratios, so growth between the sizes is visible. Floor: one raw GetItem on
the same engine (p50), to read the run's time per DynamoDB request against.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from bench.harness import BenchContext, RequestCounter, percentiles, row, time_calls
from shared.context import AppContext
from shared.core import keys
from shared.core.clock import FixedClock
from shared.core.dynamo import Table, serialize
from shared.core.settings import Settings
from shared.payouts.run import PayoutRun
from shared.payouts.transfers import StripeTransfers
from tests.helpers import ledger_factories as lf
from tests.helpers.fake_stripe import FakeStripe

COMMISSIONS_PER_PARTNER = 20
PERIOD = "2026-10"
WORKERS = int(os.environ.get("BENCH_PAYOUT_WORKERS", "16"))


def _seed(bench: BenchContext, partners: int) -> tuple[Table, float]:
    table = Table(client=bench.client, name=bench.new_table("payouts"))

    def items() -> Any:
        yield lf.program().to_item()
        for p in range(partners):
            partner_id = f"p{p:06d}"
            yield lf.partner(partner_id, account=f"acct_{p:06d}").to_item()
            for c in range(COMMISSIONS_PER_PARTNER):
                yield lf.commission(partner_id, 500 + c, commission_id=f"cm_{p:06d}_{c:02d}").to_item()

    started = time.perf_counter()
    lf.batch_write(bench.client, table.name, items())
    return table, time.perf_counter() - started


def _floor(bench: BenchContext, table: Table) -> dict[str, float]:
    key = serialize(keys.partner("p000000"))
    return percentiles(time_calls(lambda: bench.client.get_item(TableName=table.name, Key=key), 300, warmup=50))


def _one_size(bench: BenchContext, fake: FakeStripe, partners: int) -> dict[str, float]:
    table, seed_seconds = _seed(bench, partners)
    counter = RequestCounter()
    counter.attach(bench.client)
    ctx = AppContext(
        table=table,
        settings=Settings(table_name=table.name, program_id="default"),
        clock=FixedClock(datetime(2026, 11, 1, 6, 0, tzinfo=UTC)),
    )
    transfers = StripeTransfers("sk_test_bench", api_base=fake.url)
    stripe_before = fake.requests
    started = time.perf_counter()
    summary = PayoutRun(ctx, transfers, workers=WORKERS).run(PERIOD)
    seconds = time.perf_counter() - started
    requests = counter.count
    stripe_requests = fake.requests - stripe_before
    assert summary.paid == partners, summary
    assert summary.paid_amounts == {"USD": partners * sum(500 + c for c in range(COMMISSIONS_PER_PARTNER))}
    ops = ", ".join(f"{k}={v}" for k, v in sorted(counter.by_operation.items()))
    print(
        f"  {partners} partners x {COMMISSIONS_PER_PARTNER} commissions: seeded in {seed_seconds:.1f} s (not counted)"
    )
    print(
        f"    run {seconds:.1f} s  DynamoDB requests {requests} ({ops})  Stripe requests {stripe_requests}\n"
        f"    per partner: {seconds * 1000 / partners:.2f} ms, {requests / partners:.2f} DynamoDB requests, "
        f"{stripe_requests / partners:.2f} Stripe requests; {WORKERS} shard workers",
        flush=True,
    )
    bench.client.meta.events.unregister("before-call.dynamodb.*", counter._on_call)
    bench.client.delete_table(TableName=table.name)
    return {"seconds": seconds, "requests": requests, "partners": partners}


def run(bench: BenchContext) -> None:
    """Both sizes, the small one first; growth = large / small per figure."""
    full = int(os.environ.get("BENCH_PAYOUT_PARTNERS", "10000"))
    fake = FakeStripe().start()
    try:
        floor_table = Table(client=bench.client, name=bench.new_table("payouts-floor"))
        floor_table.put(lf.partner("p000000").to_item())
        floor = _floor(bench, floor_table)
        print(row("floor: raw GetItem", floor))
        small = _one_size(bench, fake, max(1, full // 10))
        large = _one_size(bench, fake, full)
    finally:
        fake.stop()
    size_ratio = large["partners"] / small["partners"]
    print(
        f"  growth for {size_ratio:.0f}x the partners: time x{large['seconds'] / small['seconds']:.2f}, "
        f"DynamoDB requests x{large['requests'] / small['requests']:.2f}"
    )
    per_request_ms = large["seconds"] * 1000 / large["requests"]
    print(
        f"  large run: {per_request_ms:.3f} ms wall per DynamoDB request = x{per_request_ms / floor['p50']:.2f} "
        f"the GetItem floor p50 ({WORKERS} workers in parallel)"
    )
