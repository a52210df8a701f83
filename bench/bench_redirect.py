"""The redirect, GET /r/{code}: warm handler latency against one raw DynamoDB request, requests per redirect,
and the redirect module's import time against a bare `import boto3`.

Floor: a raw GetItem of the link item on the same DynamoDB Local, timed interleaved with the handler so
both see the same engine state. A raw UpdateItem of the very counter write the handler makes is shown too:
the handler's own overhead is the distance from that one. Goals (issue #3): handler p50 within 1.2x and
p99 within 1.5x of the GetItem floor; import within boto3 + 40 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.harness import BenchContext, RequestCounter, percentiles, row
from functions.redirect import app as redirect_app
from shared.core import keys
from shared.core.dynamo import Table, serialize
from shared.core.emf import EmfCounter
from shared.links import service as links
from shared.links.click_rules import shard_of, utc_day, visitor_hash, visitor_salt
from shared.links.click_store import record_click_request

ITERATIONS = 2500
WARMUP = 100
VISITORS = 1000  # distinct visitors: a mix of first clicks (new item) and repeat clicks (increment)
BOT_ITERATIONS = 500
IMPORT_RUNS = 11
CODE = "bench-link"
BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"
)
SECRET = "bench-click-token-secret"  # noqa: S105 - a local benchmark key


def _seed(bench: BenchContext) -> Table:
    link = links.LinkInput(code=CODE, destination="https://www.acme.example/pricing", utm={"utm_source": "partner"})
    ctx, _ = bench.program_context("redirect", link=link)
    return ctx.table


def _event(ip: str, user_agent: str = BROWSER, method: str = "GET") -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} /r/{{code}}",
        "rawPath": f"/r/{CODE}",
        "rawQueryString": "",
        "headers": {"user-agent": user_agent, "host": "go.acme.example"},
        "requestContext": {"http": {"method": method, "path": f"/r/{CODE}", "sourceIp": ip, "userAgent": user_agent}},
        "pathParameters": {"code": CODE},
    }


def _ms(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _raw_updates(table_name: str) -> list[dict[str, Any]]:
    """The same counter write the handler makes, for the same visitor mix (new and repeat visitors), on a twin
    link so the two do not share items."""
    salt = visitor_salt(SECRET)
    now = int(time.time())
    day = utc_day(now)
    requests = []
    for i in range(VISITORS):
        visitor = visitor_hash(salt, day, f"192.0.{i // 256}.{i % 256}", BROWSER)
        requests.append(
            record_click_request(
                table_name, code="bench-twin", shard=shard_of(visitor), day=day, visitor=visitor, clicked_at=now
            )
        )
    return requests


def _import_ms(module: str, env: dict[str, str]) -> float:
    """Wall time of `import module` measured inside a fresh interpreter (its start-up excluded)."""
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    return float(result.stdout.strip())


def _report_imports() -> None:
    """boto3 vs the redirect module, with our modules' bytecode cached (as boto3's is in site-packages and in
    the Lambda runtime) and without (each cold start compiling our sources, as with PYTHONDONTWRITEBYTECODE)."""
    with tempfile.TemporaryDirectory() as cache:
        compiled = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        compiled["PYTHONPYCACHEPREFIX"] = cache
        _import_ms("functions.redirect.app", compiled)  # writes the bytecode once
        # As this repository runs (Makefile: PYTHONDONTWRITEBYTECODE=1): boto3 from its site-packages bytecode,
        # our modules compiled from source at every start.
        as_repo = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
        as_repo["PYTHONDONTWRITEBYTECODE"] = "1"
        for label, env in (("bytecode cached", compiled), ("our modules compiled from source", as_repo)):
            boto3_runs, redirect_runs = [], []
            for _ in range(IMPORT_RUNS):  # interleaved, so machine load hits both alike
                boto3_runs.append(_import_ms("boto3", env))
                redirect_runs.append(_import_ms("functions.redirect.app", env))
            boto3_ms, redirect_ms = statistics.median(boto3_runs), statistics.median(redirect_runs)
            print(
                f"  import, {label} (median of {IMPORT_RUNS}): boto3 {boto3_ms:.1f} ms, functions.redirect.app "
                f"{redirect_ms:.1f} ms (+{redirect_ms - boto3_ms:.1f} ms over boto3; goal <= +40 ms)"
            )


def run(bench: BenchContext) -> None:
    """Print handler vs raw GetItem percentiles and ratios, requests per redirect, and import times."""
    saved = {name: os.environ.get(name) for name in ("TABLE_NAME", "PROGRAM_ID", "CLICK_TOKEN_SECRET")}
    try:
        _measure(bench)
    finally:  # leave the environment and the redirect container as the other benchmarks expect them
        redirect_app.set_redirector(None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _measure(bench: BenchContext) -> None:
    redirect_app.set_redirector(None)
    table = _seed(bench)
    os.environ.update({"TABLE_NAME": table.name, "PROGRAM_ID": "default", "CLICK_TOKEN_SECRET": SECRET})

    # A cold container: the first invocation builds the client and reads link + program.
    counter = RequestCounter()
    events = [_event(f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}") for i in range(VISITORS)]
    cold_ms = _ms(lambda: redirect_app.handler(events[0], None))
    redirector = redirect_app._redirector  # the container the cold call warmed
    assert redirector is not None
    # Its click metrics: one EMF line per click, written as on Lambda (to a file: /dev/null), not into this report.
    sink = open(os.devnull, "w")  # noqa: SIM115 - closed at the end of the measurement
    redirector.metrics = EmfCounter("ReferralProgram", "referral-redirect", stream=lambda: sink)
    client = redirector.clicks.table.client
    counter.attach(client)

    raw_get = {"TableName": table.name, "Key": serialize(keys.referral_link(CODE))}
    raw_updates = _raw_updates(table.name)

    for i in range(WARMUP):
        redirect_app.handler(events[i % VISITORS], None)
        client.get_item(**raw_get)
        client.update_item(**raw_updates[i % VISITORS])

    # Interleaved, so the handler and its floors see the same engine, heap and connection-pool state.
    counter.reset()
    handler_ms, get_ms, update_ms = [], [], []
    redirects = 0
    for i in range(ITERATIONS):
        get_ms.append(_ms(lambda: client.get_item(**raw_get)))
        started = time.perf_counter()
        response = redirect_app.handler(events[i % VISITORS], None)
        handler_ms.append((time.perf_counter() - started) * 1000)
        redirects += response["statusCode"] == 302
        raw_update = raw_updates[i % VISITORS]
        update_ms.append(_ms(lambda: client.update_item(**raw_update)))  # noqa: B023 - called at once
    handler_requests = counter.by_operation.get("UpdateItem", 0) - ITERATIONS  # minus the raw UpdateItems
    handler_reads = counter.by_operation.get("GetItem", 0) - ITERATIONS  # minus the raw GetItems
    assert redirects == ITERATIONS

    counter.reset()
    bot_ms = [
        _ms(lambda: redirect_app.handler(_event("192.0.2.9", "Twitterbot/1.0"), None)) for _ in range(BOT_ITERATIONS)
    ]
    bot_requests = counter.count

    floor = percentiles(get_ms)
    handler = percentiles(handler_ms)
    print(f"  {ITERATIONS} warm invocations, {VISITORS} distinct visitors, DynamoDB Local, interleaved")
    print(row("raw GetItem (floor)", floor))
    print(row("raw UpdateItem (same counter write)", percentiles(update_ms), floor))
    print(row("redirect handler, counted click", handler, floor))
    print(row("redirect handler, bot (not counted)", percentiles(bot_ms), floor))
    print(
        f"  goal: p50 x{handler['p50'] / floor['p50']:.2f} (<= 1.20), p99 x{handler['p99'] / floor['p99']:.2f} (<= 1.50)"
    )
    print(
        f"  DynamoDB requests per warm counted click: {(handler_requests + handler_reads) / ITERATIONS:.3f} "
        f"(UpdateItem {handler_requests / ITERATIONS:.3f}, GetItem {handler_reads / ITERATIONS:.3f}); "
        f"per bot redirect: {bot_requests / BOT_ITERATIONS:.3f}"
    )
    print(f"  cold first invocation (client + GetItem link + GetItem program + UpdateItem): {cold_ms:.1f} ms")

    sink.close()
    _report_imports()
