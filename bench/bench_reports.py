"""Report reads at two program sizes: BENCH_REPORTS_SMALL (default 100) and BENCH_REPORTS_LARGE (default 10,000)
partners, each with BENCH_REPORTS_MONTHS (default 12) months of rollups, through the real handlers:
GET /admin/reports/partners (the first page and a later page, 12 months), GET /admin/reports/program
(12 months), GET /admin/reports/groups (20 groups, 12 months) and GET /partner/reports (12 months, per link).

Seeding (not timed): partners and their monthly rollups are written straight to the table with BatchWriteItem,
as the stream consumer would have left them. Prints per read the p50 at both sizes, the DynamoDB requests it
makes (target: at most 3 per page, the partner's API key lookup aside), and the large/small p50 ratio
(target: flat, within 1.5x); floor: a raw GetItem. Reads alternate call by call, so a busy machine slows all.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bench.harness import BenchContext, RequestCounter, percentiles
from devstack.lambda_runtime import LocalLambdas, http_event, to_http_response
from shared import context as deps
from shared.context import AppContext
from shared.core import keys
from shared.core.dynamo import make_client
from shared.core.settings import Settings
from shared.groups.models import PartnerGroup
from shared.links.models import ReferralLink
from shared.partners.models import Partner, PartnerApiKey
from shared.reports import service as report_service
from shared.reports.rules import ALL_TIME, GROUP, LINK, PARTNER, PROGRAM, months_between, shift_month
from shared.reports.store import rollup_attributes

GROUPS = 20
"""Partner groups of the program (their rollups are seeded like the partners')."""
SMALL = int(os.environ.get("BENCH_REPORTS_SMALL", "100"))
LARGE = int(os.environ.get("BENCH_REPORTS_LARGE", "10000"))
MONTHS = int(os.environ.get("BENCH_REPORTS_MONTHS", "12"))
ITERATIONS = 100
GROWING = {"GET /admin/reports/leaderboard (recomputed)"}
"""Reads measured for the record but left out of the flat-ratio target: recomputing a month's ranking reads every
partner active in it (one Query partition, a request per ~1 MB); it happens once per counted change, at most once a
minute in a month of more than 1,000 ranked partners (docs/reports.md)."""
ADMIN_TOKEN = "bench-admin-token"  # noqa: S105 - the local admin bearer token of this benchmark
LAST_MONTH = "2026-10"
Read = Callable[[], object]


def rollup_item(scope: tuple[str, str, str], n: int) -> dict[str, Any]:
    """A rollup item with plausible figures."""
    return {
        **keys.rollup(*scope), **rollup_attributes(scope, "default"),
        "clicks": 40 + n % 17, "unique_visitors": 30 + n % 11, "leads": 3 + n % 5, "qualified_leads": 1 + n % 3,
        "customers": n % 2, "revenue_USD": 10_000 * (n % 3), "commission_USD": 2_000 * (n % 3), "act_05": 4,
    }  # fmt: skip


def seed(ctx: AppContext, size: int) -> str:
    """`size` partners with MONTHS months of rollups each (and one link, for the partner's own report)."""
    created = datetime(2024, 1, 1, tzinfo=UTC)
    months = months_between(shift_month(LAST_MONTH, -(MONTHS - 1)), LAST_MONTH)
    items: list[dict[str, Any]] = []
    for n in range(size - 1):
        partner = Partner(
            partner_id=f"ptr_bench{n:06d}", program_id="default", name=f"Partner {n}", email=f"p{n}@bench.example",
            created_at=created + timedelta(seconds=n), updated_at=created,
        )  # fmt: skip
        items.append(partner.to_item())
        items += [rollup_item((PARTNER, partner.partner_id, m), n) for m in months]
    items += [rollup_item((PROGRAM, "default", m), 7) for m in [*months, ALL_TIME]]
    for n in range(GROUPS):
        group = PartnerGroup(
            group_id=f"group-{n:02d}", program_id="default", name=f"Group {n}", created_at=created, updated_at=created
        )
        items.append(group.to_item())
        items += [rollup_item((GROUP, keys.rollup_group_scope("default", group.group_id), m), n) for m in months]
    ctx.table.batch_put(items)
    # Ada, the partner who reads her own report: her profile, link and API key, as the admin API makes them.
    now = ctx.clock.now()
    ada = Partner(
        partner_id="ptr_benchada", program_id="default", name="Ada", email="ada@bench.example",
        created_at=created + timedelta(days=700), updated_at=now,
    )  # fmt: skip
    secret = "rpk_bench_reports_secret"  # noqa: S105 - a local benchmark credential
    api_key = PartnerApiKey(
        key_id="key_bench", key_hash=keys.sha256_hex(secret), partner_id=ada.partner_id, program_id="default",
        prefix=secret[:10], created_at=now, partner_status="active",
    )  # fmt: skip
    link = ReferralLink(code="ada-bench", partner_id=ada.partner_id, program_id="default", created_at=now)
    ctx.table.batch_put(
        [ada.to_item(), api_key.to_item(), link.to_item()]
        + [rollup_item((PARTNER, ada.partner_id, m), 1) for m in months]
        + [rollup_item((LINK, "ada-bench", m), 1) for m in months]
    )
    return secret


def reads(
    bench: BenchContext, lambdas: LocalLambdas, client: Any, size: int, counter: RequestCounter
) -> dict[str, Read]:
    """The report reads of a program of `size` partners, each bound to its own table."""
    name = bench.new_table(f"reports{size}")
    ctx = AppContext.from_settings(Settings(table_name=name, program_id="default", admin_token=ADMIN_TOKEN))
    ctx.table.client = client
    deps.set_context(ctx)
    started = time.perf_counter()
    secret = seed(ctx, size)
    print(f"  {size:>6} partners x {MONTHS} months seeded in {time.perf_counter() - started:.1f} s (not timed)")
    first, last = months_between(shift_month(LAST_MONTH, -(MONTHS - 1)), LAST_MONTH)[0], LAST_MONTH

    def call(path: str, query: dict[str, str], token: str = ADMIN_TOKEN) -> dict[str, Any]:
        deps.set_context(ctx)
        found = lambdas.find_route("GET", path)
        assert found is not None, path
        event = http_event(
            route=found[0], method="GET", path=path, query=urlencode(query),
            headers={"authorization": f"Bearer {token}"}, path_parameters=found[1],
        )  # fmt: skip
        with contextlib.redirect_stdout(io.StringIO()):
            response = to_http_response(lambdas.invoke(found[0].function, event))
        assert response.status == 200, (path, response.status, response.body)
        return dict(json.loads(response.body))

    span = {"from": first, "to": last}
    page = call("/admin/reports/partners", span)
    assert page["next_cursor"], "a program of many partners has a next page"
    later = {**span, "cursor": page["next_cursor"]}
    board = {"month": last}

    def stale_board() -> dict[str, Any]:
        # A counted change moves the program month's version: the next read recomputes the snapshot.
        month_key = keys.rollup(PROGRAM, "default", last)
        ctx.table.update(month_key, "ADD #v :one", names={"#v": "version"}, values={":one": 1})
        return call("/admin/reports/leaderboard", board)

    return {
        "GET /admin/reports/leaderboard (recomputed)": stale_board,
        "GET /admin/reports/leaderboard": lambda: call("/admin/reports/leaderboard", board),
        "GET /admin/reports/partners (first page)": lambda: call("/admin/reports/partners", span),
        "GET /admin/reports/partners (a later page)": lambda: call("/admin/reports/partners", later),
        "GET /admin/reports/program": lambda: call("/admin/reports/program", span),
        "GET /admin/reports/groups": lambda: call("/admin/reports/groups", span),
        "GET /admin/reports/health": lambda: call("/admin/reports/health", {}),
        "GET /partner/reports": lambda: call("/partner/reports", span, secret),
    }


def run(bench: BenchContext) -> None:
    """Print report read latencies at both sizes, requests per read, and the large/small p50 ratio."""
    # Every stale read recomputes here (a busy month would serve its snapshot for a minute): the recompute's cost.
    report_service.BUSY_MONTH = 10**9
    lambdas = LocalLambdas()
    client = make_client(bench.database.endpoint)
    counter = RequestCounter()
    counter.attach(client)
    small, large = (reads(bench, lambdas, client, n, counter) for n in (SMALL, LARGE))
    floor_key = keys.program("default")
    floor_table = bench.new_table("reportsfloor")

    def floor() -> object:
        return client.get_item(TableName=floor_table, Key={k: {"S": v} for k, v in floor_key.items()})

    print(f"  {'read':44} {SMALL:>6} partners: p50 (requests)  {LARGE:>6} partners: p50 (requests)  ratio  vs floor")
    ratios = []
    for label in small:
        requests = []
        for read in (small[label], large[label]):
            counter.reset()
            read()
            requests.append(counter.count)
        samples: list[list[float]] = [[], [], []]
        for round_number in range((ITERATIONS // 5 if label in GROWING else ITERATIONS) + 10):
            for call, into in zip((small[label], large[label], floor), samples, strict=True):
                started = time.perf_counter()
                call()
                if round_number >= 10:
                    into.append((time.perf_counter() - started) * 1000)
        few, many, base = (percentiles(s) for s in samples)
        if label not in GROWING:
            ratios.append(many["p50"] / few["p50"])
        print(
            f"  {label:44} {few['p50']:8.2f}ms ({requests[0]})        {many['p50']:8.2f}ms ({requests[1]})"
            f"        x{many['p50'] / few['p50']:.2f}  x{many['p50'] / base['p50']:.2f}   (floor p50 {base['p50']:.3f}ms)"
            + ("  [+1 UpdateItem making it stale; grows with the month's active partners]" if label in GROWING else "")
        )
    worst = max(ratios)
    print(f"  p50 ratio {LARGE:,} / {SMALL:,} partners (worst report page): x{worst:.2f} (target: flat, within x1.5)")
