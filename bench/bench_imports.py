"""Cold start: each function's handler module import time over a bare `import boto3`, in fresh interpreters.

Floor: `import boto3` (what every function imports anyway, and the Lambda runtime's own SDK), timed the same
way in the same run, with the cyclic GC paused as every function's app module pauses it while it loads
(shared/core/cold_start.py): the figure over the floor is then the function's own code, not boto3's share of
the GC saving (`import boto3` with the GC running is printed too). Each figure is the median of IMPORT_RUNS fresh interpreters, the functions and the
floor interleaved so machine load hits them alike; the time is taken inside the interpreter around the
import (start-up excluded). As in Lambda: bytecode compiled first (into a private pycache prefix, since the
Makefile sets PYTHONDONTWRITEBYTECODE), each function's environment from template.yaml, the Lambda runtime's
variables, tracing and metrics enabled (no POWERTOOLS_*_DISABLED), no DynamoDB endpoint override.
Targets (issue): every function <= boto3 + 120 ms, the redirect <= boto3 + 25 ms.

With a DynamoDB Local (`make bench`, not `python -m bench imports` alone), each function's import plus its FIRST
request is timed too, in fresh interpreters against a demo-seeded table (the sample event of events/ named in
FIRST_REQUESTS): whatever a module loads on first use is paid there, so deferring an import cannot hide it.
"""

from __future__ import annotations

import collections
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from devstack.template import ROOT, functions, load_template

NEEDS_DATABASE = False  # bench/__main__.py: no DynamoDB Local for this one
IMPORT_RUNS = 11
TARGET_MS = 120.0
TARGETS_MS = {"redirect": 25.0}
FLOOR = "boto3"
FLOOR_CODE = "import gc; gc.disable(); import boto3"  # the GC paused, as shared.core.cold_start pauses it
FIRST_REQUEST_RUNS = 5
# The sample event of events/ each function's first request answers (the Stripe one is signed at run time).
FIRST_REQUESTS = {
    "admin_api": "admin_api_list_partners",
    "leads": "leads_form",
    "partner_api": "partner_api_me",
    "payouts": "payouts_dry_run",
    "redirect": "redirect_click",
    "rollups": "rollups_stream_batch",
    "stripe_webhook": "stripe_webhook_invoice_paid",
    "web": "web_portal_sign_in_page",
}
# Local stand-ins for the secrets (read from the environment before SSM/Secrets Manager) and the demo seed.
LOCAL_SECRETS = {
    "ADMIN_TOKEN": "local-admin-token",
    "STRIPE_WEBHOOK_SECRET": "whsec_bench_first_request",
    "STRIPE_API_KEY": "sk_test_bench_placeholder",
    "CLICK_TOKEN_SECRET": "bench-click-token-secret",
    "WEB_SESSION_SECRET": "bench-web-session-secret",
    "DEMO_SITE_DOMAIN": "example.com",
    "DEMO_PARTNER_API_KEY": "rpk_demo_local_partner_key_do_not_use_in_production",
}
BUSY_RATIO = 1.5  # wall over CPU time of the floor beyond which other processes are competing for the CPU
REGION = "us-east-1"
ACCOUNT = "123456789012"
# What the Lambda runtime sets before it imports the handler (the per-invocation trace header comes later).
LAMBDA_RUNTIME_ENV = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    "LAMBDA_TASK_ROOT": "/var/task",
    "LAMBDA_RUNTIME_DIR": "/var/runtime",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
}
# Local settings that do not exist in AWS, and the benchmark runner's own switches.
NOT_IN_LAMBDA = ("POWERTOOLS_", "DYNAMODB_ENDPOINT", "STRIPE_API_BASE", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHE")


def _resolved(value: Any, resources: dict[str, Any], parameters: dict[str, Any]) -> str:
    """A template value as CloudFormation would resolve it: a parameter's default, a stand-in for a resource."""
    if not isinstance(value, dict):
        return str(value)
    name = str(value.get("Ref", ""))
    if name in parameters:
        return str(parameters[name].get("Default", ""))
    kind = resources.get(name, {}).get("Type", "")
    if kind == "AWS::SecretsManager::Secret":
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"
    if kind == "AWS::SQS::Queue":
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}"
    return f"referral-{name.lower()}"  # a table or a function: its name


def lambda_environment(name: str, pycache: str) -> dict[str, str]:
    """The environment of function `name` in AWS (template values resolved), plus the bytecode cache."""
    template = load_template()
    base = {k: v for k, v in os.environ.items() if not k.startswith(NOT_IN_LAMBDA)}
    spec = functions()[name]
    resources, parameters = template["Resources"], template.get("Parameters", {})
    variables = {k: _resolved(v, resources, parameters) for k, v in spec.environment.items()}
    return {
        **base,
        **LAMBDA_RUNTIME_ENV,
        **variables,
        "AWS_LAMBDA_FUNCTION_NAME": f"referral-{name}",
        "_HANDLER": spec.handler,
        "PYTHONPATH": str(ROOT),
        "PYTHONPYCACHEPREFIX": pycache,
    }


def _import_ms(module: str, env: dict[str, str], statement: str | None = None) -> tuple[float, float]:
    """(wall, CPU) milliseconds of `import module` (or `statement`) inside a fresh interpreter."""
    code = (
        "import time; w, c = time.perf_counter(), time.process_time(); "
        f"{statement or 'import ' + module}; print((time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env, cwd=ROOT
    )
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def _heaviest_packages(module: str, env: dict[str, str], count: int = 4) -> str:
    """Where the time over boto3 goes: the packages with the most own import time (-X importtime, one run)."""
    code = f"import {FLOOR}, sys; print('--', file=sys.stderr); import {module}"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-c", code], check=True, capture_output=True, text=True, env=env
    )
    own: collections.Counter[str] = collections.Counter()
    for line in result.stderr.partition("--")[2].splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)", line.strip())
        if found:
            own[found.group(2).split(".")[0]] += int(found.group(1))
    return ", ".join(f"{package} {micros / 1000:.0f}" for package, micros in own.most_common(count))


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


def run(bench: Any = None) -> None:
    """Print each function's import time over boto3, its ratio to the floor, and pass/fail against its target;
    with a database, each function's import plus first request too."""
    names = sorted(functions())
    modules = {name: f"functions.{name}.app" for name in names}
    with tempfile.TemporaryDirectory() as pycache:
        envs = {name: lambda_environment(name, pycache) for name in names}
        floor_env = envs[names[0]]
        # Compile first (boto3 and every module each function imports), then only read the cache.
        _import_ms(FLOOR, floor_env)
        for name in names:
            _import_ms(modules[name], envs[name])
        floor_runs: list[tuple[float, float]] = []
        plain_runs: list[tuple[float, float]] = []
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
        for _ in range(IMPORT_RUNS):  # interleaved, so machine load hits the floor and every function alike
            floor_runs.append(_import_ms(FLOOR, floor_env, FLOOR_CODE))
            plain_runs.append(_import_ms(FLOOR, floor_env))
            for name in names:
                runs[name].append(_import_ms(modules[name], envs[name]))
        floor, floor_cpu = _medians(floor_runs)
        plain, plain_cpu = _medians(plain_runs)
        print(f"  fresh interpreters, bytecode cached, Lambda-like environment, median of {IMPORT_RUNS} (CPU time too)")
        print(f"  {'import boto3, GC running (reference)':38} {plain:7.1f} ms  (cpu {plain_cpu:6.1f} ms)")
        print(f"  {'import boto3, GC paused (floor)':38} {floor:7.1f} ms  (cpu {floor_cpu:6.1f} ms)")
        failed = []
        for name in names:
            total, cpu = _medians(runs[name])
            extra, target = total - floor, TARGETS_MS.get(name, TARGET_MS)
            if extra > target:
                failed.append(name)
            print(
                f"  {modules[name]:38} {total:7.1f} ms  = boto3 + {extra:6.1f} ms (x{total / floor:.2f}; "
                f"cpu +{cpu - floor_cpu:6.1f} ms)  target <= +{target:.0f} ms: {'ok' if extra <= target else 'OVER'}"
                f"   [{_heaviest_packages(modules[name], envs[name])}]"
            )
        if floor > BUSY_RATIO * floor_cpu:
            print(f"  (wall {floor / floor_cpu:.1f}x CPU for the floor: a busy machine; the CPU figures are steadier)")
    print(f"  over target: {', '.join(failed)}" if failed else "  every function within its target")
    database = getattr(bench, "database", None)
    if database is not None:
        _first_requests(bench, names)


def _first_requests(bench: Any, names: list[str]) -> None:
    """Each function's import plus its first request (FIRST_REQUESTS) in fresh interpreters, against a
    demo-seeded table of the run's DynamoDB Local; medians of FIRST_REQUEST_RUNS."""
    from devstack.dynamodb_local import local_environment
    from devstack.seed import seed_demo
    from shared.context import AppContext
    from shared.core.dynamo import Table
    from shared.core.settings import Settings

    table = bench.new_table("first-request")
    os.environ.update(LOCAL_SECRETS)
    seed_demo(AppContext(table=Table(client=bench.client, name=table), settings=Settings(table_name=table)))
    print(f"  import + first request (events/<sample>.json against DynamoDB Local), median of {FIRST_REQUEST_RUNS}:")
    with tempfile.TemporaryDirectory() as pycache:
        for name in names:
            sample = FIRST_REQUESTS.get(name)
            if sample is None:
                continue
            env = {
                **lambda_environment(name, pycache),
                **local_environment(bench.database.endpoint),
                **LOCAL_SECRETS,
                "TABLE_NAME": table,
            }
            event_path = _sample_event(name, sample, pycache)
            samples = [_first_request_ms(name, event_path, env) for _ in range(FIRST_REQUEST_RUNS + 1)][1:]
            done = [s for s in samples if s is not None]
            if not done:
                print(f"  {'functions.' + name + '.app':38} first request failed (see stderr)")
                continue
            total = statistics.median(t for t, _, _ in done)
            imported = statistics.median(i for _, i, _ in done)
            status = done[-1][2]
            print(
                f"  {'functions.' + name + '.app':38} import {imported:7.1f} ms + first request "
                f"{total - imported:7.1f} ms = {total:7.1f} ms   ({sample}: {status})"
            )


FIRST_REQUEST_CODE = """
import json, sys, time
class Context:  # the attributes of Lambda's context that Powertools and the handlers read
    function_name, function_version, memory_limit_in_mb = "bench-" + sys.argv[1], "$LATEST", 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench-" + sys.argv[1]
    aws_request_id, log_group_name, log_stream_name = "bench-request", "/aws/lambda/bench", "bench"
    def get_remaining_time_in_millis(self): return 30000
event = json.loads(open(sys.argv[2]).read())
started = time.perf_counter()
module = __import__(f"functions.{sys.argv[1]}.app", fromlist=["handler"])
imported = time.perf_counter()
answer = module.handler(event, Context())
done = time.perf_counter()
status = answer.get("statusCode", "ok") if isinstance(answer, dict) else type(answer).__name__
print("FIRST-REQUEST", (done - started) * 1000, (imported - started) * 1000, status)
"""


def _sample_event(name: str, sample: str, directory: str) -> str:
    """The path of the sample event to send; the Stripe delivery signed now with this run's secret."""
    path = ROOT / "events" / f"{sample}.json"
    if name != "stripe_webhook":
        return str(path)
    from tests.helpers.stripe_payloads import signed

    event = json.loads(path.read_text())
    body, headers = signed(json.loads(event["body"]), secret=LOCAL_SECRETS["STRIPE_WEBHOOK_SECRET"])
    fresh = pathlib.Path(directory) / f"{sample}.json"
    fresh.write_text(json.dumps({**event, "body": body, "headers": {**event["headers"], **headers}}))
    return str(fresh)


def _first_request_ms(name: str, event_path: str, env: dict[str, str]) -> tuple[float, float, str] | None:
    """(import + first request, import) milliseconds and the answer's status, in a fresh interpreter."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", FIRST_REQUEST_CODE, name, event_path],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    line = next((x for x in reversed(result.stdout.splitlines()) if x.startswith("FIRST-REQUEST")), None)
    if line is None:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    _, total, imported, status = line.split()
    return float(total), float(imported), status


if __name__ == "__main__":
    run()
