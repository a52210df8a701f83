"""Tracing: the X-Ray SDK is imported (and botocore patched) on the first sampled invocation, never at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from shared.core.observability import SampledTracer, invocation_sampled

# A Lambda container with active tracing, as the runtime sets it up (Powertools traces only inside Lambda).
LAMBDA_ENV = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_LAMBDA_FUNCTION_NAME": "referral-test",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    "POWERTOOLS_TRACE_DISABLED": "false",
}
SAMPLED = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
NOT_SAMPLED = "Root=1-5759e988-bd862e3fe1be46a994272794;Parent=53995c3f42cd8ad9;Sampled=0"


def _in_lambda(code: str) -> Any:
    env = {**os.environ, **LAMBDA_ENV}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_trace_header_says_whether_the_invocation_is_sampled(monkeypatch: Any) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", SAMPLED)
    assert invocation_sampled()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", NOT_SAMPLED)
    assert not invocation_sampled()
    monkeypatch.delenv("_X_AMZN_TRACE_ID")
    assert not invocation_sampled()


def test_outside_lambda_the_handler_runs_untraced() -> None:
    # Given a tracer outside Lambda (the tests' environment), even on a sampled invocation
    tracer = SampledTracer(is_sampled=lambda: True)

    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"echo": event["n"]}

    # When the handler is invoked
    result = handler({"n": 1}, None)
    # Then it answered, and no Powertools Tracer (X-Ray SDK) was created
    assert result == {"echo": 1} and not tracer.started


def test_in_lambda_the_sdk_comes_with_the_first_sampled_invocation_only() -> None:
    # Given a Lambda container with active tracing and a traced handler
    code = f"""
import json, os, sys
from shared.core.observability import tracer
import aws_lambda_powertools.tracing.tracer as powertools_tracing

@tracer.capture_lambda_handler
def handler(event, context):
    return event["n"]

at_import = "aws_xray_sdk" in sys.modules
os.environ["_X_AMZN_TRACE_ID"] = {NOT_SAMPLED!r}
unsampled = handler({{"n": 1}}, None)
after_unsampled = "aws_xray_sdk" in sys.modules
os.environ["_X_AMZN_TRACE_ID"] = {SAMPLED!r}
sampled = handler({{"n": 2}}, None)
print(json.dumps([at_import, unsampled, after_unsampled, sampled, "aws_xray_sdk" in sys.modules,
                  tracer.started, powertools_tracing.is_cold_start]))
"""
    # When it imports, is invoked unsampled, then sampled
    at_import, unsampled, after_unsampled, sampled, after_sampled, started, cold_start_pending = _in_lambda(code)
    # Then the SDK arrived with the sampled invocation, both answered, and the sampled one was not a cold start
    assert (at_import, after_unsampled) == (False, False)
    assert (unsampled, sampled) == (1, 2)
    assert after_sampled and started and cold_start_pending is False


def test_no_function_imports_the_xray_sdk_at_cold_start() -> None:
    # Given every function's handler module, imported as Lambda does with active tracing
    code = """
import importlib, json, sys
from devstack.template import functions
loaded = {}
for name in sorted(functions()):
    importlib.import_module(f"functions.{name}.app")
    loaded[name] = "aws_xray_sdk" in sys.modules
print(json.dumps(loaded))
"""
    # Then none of them brought the X-Ray SDK
    loaded = _in_lambda(code)
    assert loaded and not any(loaded.values()), loaded
