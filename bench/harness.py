"""What every benchmark shares: a DynamoDB Local for the run, a fresh table, timing and percentile helpers,
and a request counter on the boto3 client so a benchmark can report DynamoDB requests per operation.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from devstack.dynamodb_local import DynamoDBLocal, create_table, free_port, local_environment, make_local_client
from shared.context import AppContext
from shared.core.dynamo import Table
from shared.core.settings import Settings
from shared.links import service as links
from shared.partners import service as partners
from shared.programs import service as programs

_tables = itertools.count()


@dataclass
class RequestCounter:
    """Counts DynamoDB API calls made through a boto3 client (botocore's before-call event)."""

    count: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)
    # botocore fires the event on the calling thread; the payout run calls from 16 threads at once.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attach(self, client: Any) -> None:
        """Start counting calls of this client."""
        client.meta.events.register("before-call.dynamodb.*", self._on_call)

    def _on_call(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.count += 1
            self.by_operation[model.name] = self.by_operation.get(model.name, 0) + 1

    def reset(self) -> None:
        """Back to zero."""
        with self._lock:
            self.count = 0
            self.by_operation.clear()


@dataclass
class BenchContext:
    """One DynamoDB Local for the whole `make bench` run."""

    database: DynamoDBLocal
    client: Any

    @classmethod
    @contextlib.contextmanager
    def start(cls) -> Iterator[BenchContext]:
        """Start DynamoDB Local in memory and point the environment at it."""
        database = DynamoDBLocal(free_port())
        database.start()
        os.environ.update(local_environment(database.endpoint))
        try:
            yield cls(database=database, client=make_local_client(database.endpoint))
        finally:
            database.stop()

    def new_table(self, prefix: str = "bench") -> str:
        """A fresh table with the template's schema."""
        name = f"{prefix}-{next(_tables)}"
        create_table(self.client, name)
        return name

    def program_context(
        self,
        prefix: str,
        plan: programs.PlanInput | None = None,
        link: links.LinkInput | None = None,
        **program_fields: Any,
    ) -> tuple[AppContext, str]:
        """A fresh table holding a program on acme.example (with `plan` as its default plan and
        `program_fields` on top) and partner Ada with `link` (default code `bench-link`): (context, Ada's id)."""
        table = Table(client=self.client, name=self.new_table(prefix))
        ctx = AppContext(table=table, settings=Settings(table_name=table.name, program_id="default"))
        if plan is not None:
            programs.create_plan(ctx, plan)
            program_fields.setdefault("default_plan_id", plan.plan_id)
        fields: dict[str, Any] = {
            "name": "Bench",
            "allowed_destination_domains": ["acme.example"],
            "landing_url": "https://www.acme.example/",
            "fallback_url": "https://www.acme.example/partners",
            **program_fields,
        }
        programs.save_program(ctx, programs.ProgramSettings(**fields))
        ada = partners.create_partner(ctx, partners.PartnerInput(name="Ada", email="ada@partner.example"))
        links.create_link(ctx, ada.partner_id, link or links.LinkInput(code="bench-link"))
        return ctx, ada.partner_id


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50, p90, p99 and mean of samples in milliseconds."""
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": pick(0.50), "p90": pick(0.90), "p99": pick(0.99), "mean": statistics.fmean(ordered)}


def time_calls(call: Callable[[], object], iterations: int, warmup: int = 50) -> list[float]:
    """Milliseconds of each of `iterations` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def import_time_ms(module: str, runs: int = 5) -> float:
    """Median wall time of `import module` in a fresh interpreter (milliseconds), minus interpreter start."""

    def one(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})  # noqa: S603
        return (time.perf_counter() - started) * 1000

    bare = statistics.median(one("pass") for _ in range(runs))
    return statistics.median(one(f"import {module}") for _ in range(runs)) - bare


def row(label: str, figures: dict[str, float], floor: dict[str, float] | None = None) -> str:
    """One printed line: absolute figures, and ratios to the floor when given."""
    text = f"  {label:38} " + "  ".join(f"{k}={v:7.3f}ms" for k, v in figures.items())
    if floor:
        ratios = "  ".join(f"{k} x{figures[k] / floor[k]:.2f}" for k in figures if k in floor and floor[k] > 0)
        text += f"   vs floor: {ratios}"
    return text
