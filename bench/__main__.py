"""Run the benchmark modules (all, or the ones named): `python -m bench [name ...]`, against one DynamoDB Local
started for the run when a selected module needs it."""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import sys
import time
import warnings

import bench
from bench.harness import BenchContext


def main(selected: list[str]) -> int:
    """Discover bench_*.py modules and run them (all, or the ones named)."""
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n in selected or n.removeprefix("bench_") in selected]
    if not names:
        print("no benchmarks found")
        return 0
    modules = [importlib.import_module(f"bench.{name}") for name in names]
    # DynamoDB Local only when a selected benchmark needs it (`python -m bench imports` runs without Java).
    needs_database = any(getattr(m, "NEEDS_DATABASE", True) for m in modules)
    with BenchContext.start() if needs_database else contextlib.nullcontext() as context:
        for name, module in zip(names, modules, strict=True):
            started = time.perf_counter()
            print(f"\n=== {name} ===", flush=True)
            module.run(context)
            print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # Metrics are off in benchmarks; Powertools still warns once per flush that there was nothing to publish.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    sys.exit(main(sys.argv[1:]))
