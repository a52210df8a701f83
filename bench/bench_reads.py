"""Ledger reads at two sizes: a partner with 10 ledger entries and one with BENCH_READS_ENTRIES (default
20,000), through the real handlers: GET /partner/balance, GET /partner/commissions (the first page, a later
page, and a status-filtered page) and the admin's read of one commission with its reversals
(GET /admin/commissions/{partner_id}/{commission_id}).

Seeding (not timed): the entries are written straight through the ledger store with BatchWriteItem
(CommissionRepository.import_entries), then the partner's balance aggregates are rebuilt from them - the
migration path of a table written before the aggregates existed. The mix: mostly paid, some approved,
pending, held and voided entries, reversals of some of them.

Prints per size the p50 of each read, the DynamoDB requests it makes (the partner's API key included), and
the ratio of the large partner's p50 to the small one's (target: within 1.5x); floor: a raw GetItem p50 on
the same engine. The three are measured call by call in turn, so a busy machine slows them alike.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from bench.harness import BenchContext, RequestCounter, percentiles
from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response
from shared import context as deps
from shared.commissions.models import Commission, CommissionSource, CommissionStatus
from shared.commissions.rebuild import rebuild_partner
from shared.context import AppContext
from shared.core import keys
from shared.core.dynamo import make_client
from shared.core.money import Money
from shared.core.settings import Settings
from shared.partners import service as partners

SIZES = (10, int(os.environ.get("BENCH_READS_ENTRIES", "20000")))
ITERATIONS = 200
ADMIN_TOKEN = "bench-admin-token"  # noqa: S105 - the local admin bearer token of this benchmark
PAGE = 5  # the small partner has two full pages of five: pages of the same size at both sizes


def ledger(partner_id: str, size: int, ctx: AppContext) -> tuple[list[Commission], str]:
    """`size` entries of one partner (every 20th reversed once), and the id of one with two reversals."""
    now = ctx.clock.now()
    entries: list[Commission] = []
    numbers = itertools.count()
    while len(entries) < size:
        n = next(numbers)
        created = now - timedelta(days=730) + timedelta(minutes=n * 731 * 24 * 60 // max(size, 1))
        share = n % 20
        status: CommissionStatus = CommissionStatus.PAID
        payout: str | None = f"po_{n // 40:06d}"
        available = created + timedelta(days=30)
        if share >= 14:
            status, payout = CommissionStatus.APPROVED, None
        if share == 18:
            status = CommissionStatus.HELD
        if share == 19:
            status = CommissionStatus.VOIDED
        if available > now and status is not CommissionStatus.PAID:
            status = CommissionStatus.PENDING if share < 18 else status
        if available > now and status is CommissionStatus.PAID:
            status, payout = CommissionStatus.PENDING, None
        original = Commission(
            commission_id=keys.sale_commission_id(f"in_bench{n:07d}", "sale_rate"),
            partner_id=partner_id,
            program_id=ctx.program_id,
            amount=Money.of(1000 + n % 997, "USD"),
            status=status,
            rule="sale_rate",
            source=CommissionSource(customer_id=f"cus_{n % 300:04d}", invoice_id=f"in_bench{n:07d}"),
            available_at=available,
            payout_id=payout,
            created_at=created,
            updated_at=created,
        )
        entries.append(original)
        reversals = 2 if n == 3 else 1 if n % 20 == 0 else 0
        for number in range(1, reversals + 1):
            entries.append(
                original.model_copy(
                    update={
                        "commission_id": keys.commission_reversal_id(original.commission_id, number),
                        "amount": Money.of(-100 * number, "USD"),
                        "reverses": original.commission_id,
                        "note": "refund",
                    }
                )
            )
    return entries[:size], next(
        e.commission_id for e in entries if e.reverses is None and "in_bench0000003" in e.commission_id
    )


Read = Callable[[], object]


def run(bench: BenchContext) -> None:
    """Print read latencies at both sizes, their ratio, DynamoDB requests per read, and the GetItem floor."""
    client = make_client(endpoint_url=bench.database.endpoint)  # as a function builds it
    counter = RequestCounter()
    counter.attach(client)
    lambdas = LocalLambdas()
    small, large = SIZES
    partners = {size: _seeded(bench, client, lambdas, size) for size in SIZES}
    print("  (each read alternates call by call between the two partners and the floor: same machine load)")
    print(f"  {'read':42} {small:>6} entries: p50 (requests)  {large:>6} entries: p50 (requests)  ratio  vs floor")
    for label in partners[small]:
        if label == FLOOR:
            continue
        samples = interleaved([partners[small][label], partners[large][label], partners[small][FLOOR]])
        few, many, floor = (percentiles(s) for s in samples)
        requests = []
        for size in SIZES:
            counter.reset()
            partners[size][label]()
            requests.append(counter.count)
        print(
            f"  {label:42} {few['p50']:9.3f}ms ({requests[0]})          {many['p50']:9.3f}ms ({requests[1]})"
            f"        x{many['p50'] / few['p50']:.2f}  x{many['p50'] / floor['p50']:.2f}   (floor p50 {floor['p50']:.3f}ms)"
        )
    deps.set_context(None)


FLOOR = "floor: raw GetItem"


def interleaved(calls: list[Read]) -> list[list[float]]:
    """Milliseconds of ITERATIONS rounds of each call in turn (after 20 untimed rounds)."""
    samples: list[list[float]] = [[] for _ in calls]
    for round_number in range(ITERATIONS + 20):
        for call, into in zip(calls, samples, strict=True):
            started = time.perf_counter()
            call()
            if round_number >= 20:
                into.append((time.perf_counter() - started) * 1000)
    return samples


def _seeded(bench: BenchContext, client: Any, lambdas: LocalLambdas, size: int) -> dict[str, Read]:
    """A partner with `size` entries (seeded, aggregates rebuilt) and its reads, each bound to its context."""
    base, partner_id = bench.program_context(f"reads{size}")
    ctx = AppContext(
        table=base.table,
        settings=Settings(table_name=base.table.name, program_id=base.program_id, admin_token=ADMIN_TOKEN),
    )
    ctx.table.client = client
    deps.set_context(ctx)
    _, secret = partners.issue_api_key(ctx, partner_id, "bench")
    entries, with_reversals = ledger(partner_id, size, ctx)
    started = time.perf_counter()
    requests = ctx.commissions.import_entries(entries)
    rebuilt = rebuild_partner(ctx, partner_id)
    assert rebuilt.applied, rebuilt
    print(
        f"  {size:>6} entries seeded in {time.perf_counter() - started:.1f} s "
        f"({requests} BatchWriteItem, then the aggregates rebuilt: not timed)",
        flush=True,
    )

    def call(path: str, query: dict[str, str] | None = None, token: str = secret) -> dict[str, Any]:
        deps.set_context(ctx)  # the two partners live in two tables: each read runs on its own
        found = lambdas.find_route("GET", path)
        assert found is not None, path
        event = http_event(
            route=found[0],
            method="GET",
            path=path,
            query=urlencode(query or {}),
            headers={"authorization": f"Bearer {token}"},
            path_parameters=found[1],
        )
        with contextlib.redirect_stdout(io.StringIO()):  # EMF metrics go to stdout
            response = to_http_response(lambdas.invoke(found[0].function, event))
        assert response.status == 200, (path, response.status, response.body)
        return dict(json.loads(response.body))

    # A cursor from the middle of the ledger: the later page starts there.
    seen, cursor = 0, None
    while seen < size // 2:
        page = call(
            "/partner/commissions", {"limit": str(min(100, size // 2)), **({"cursor": cursor} if cursor else {})}
        )
        seen, cursor = seen + len(page["items"]), page["next_cursor"]
    assert cursor is not None
    later = {"limit": str(PAGE), "cursor": cursor}
    shown = call(f"/admin/commissions/{partner_id}/{with_reversals}", token=ADMIN_TOKEN)
    assert len(shown["reversals"]) == 2, shown
    return {
        "GET /partner/balance": lambda: call("/partner/balance"),
        "GET /partner/commissions (first page)": lambda: call("/partner/commissions", {"limit": str(PAGE)}),
        "GET /partner/commissions (a later page)": lambda: call("/partner/commissions", later),
        "GET /partner/commissions?status=approved": lambda: call(
            "/partner/commissions", {"status": "approved", "limit": str(PAGE)}
        ),
        "GET /admin/commissions/{partner}/{id}": lambda: call(
            f"/admin/commissions/{partner_id}/{with_reversals}", token=ADMIN_TOKEN
        ),
        FLOOR: lambda: ctx.table.get(keys.partner(partner_id)),
    }
