"""Cold-start guard: no function imports, at cold start, a heavy package its requests do not need (the figures:
`make bench`, bench_imports; docs/observability.md "Cold starts"). Each function's handler module is imported
in a fresh interpreter, as Lambda does with active tracing, and the modules it brought are checked.

Adding code to a function? If this fails, import the heavy package where it is used (inside the function that
needs it, as shared/portal/sharing.py does with segno), or import only the module you need instead of a package
whose `__init__` pulls in everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devstack.template import ROOT, functions

# Heavy at import and needed by no request of these functions (a module name or a package prefix).
XRAY = "aws_xray_sdk"  # the Tracer's SDK: only on a sampled invocation (shared.core.observability)
STRIPE = "stripe._http_client"  # stripe-python's import (requests, asyncio); `lazy_module("stripe")` is fine
WEB = ("jinja2", "babel", "segno", "markupsafe")  # the web pages only
EVERYWHERE = (XRAY, STRIPE, "segno", "argparse", "requests")  # segno: the portal's QR codes, on their page only
PORTAL_PAGES = (  # the portal's services that only some pages use (shared.portal.sources): with their page
    *("shared.commissions.customers", "shared.commissions.rules", "shared.commissions.service"),
    *("shared.content.service", "shared.leads.service", "shared.payouts.rules"),
    *("shared.reports.rules", "shared.reports.service"),
)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # The redirect's hot path is boto3 and the standard library only.
    "redirect": (*EVERYWHERE, *WEB, "pydantic", "aws_lambda_powertools", "asyncio"),
    # A Stripe event: stripe-python (which checks the signature) loads on the first delivery, no resolver.
    "stripe_webhook": (*EVERYWHERE, *WEB, "aws_lambda_powertools.event_handler", "asyncio", "concurrent.futures"),
    "stripe_events": (*EVERYWHERE, *WEB, "aws_lambda_powertools.event_handler", "asyncio"),
    "rollups": (*EVERYWHERE, *WEB, "pydantic", "aws_lambda_powertools.event_handler"),
    "publisher": (*EVERYWHERE, *WEB, "pydantic", "aws_lambda_powertools.event_handler"),
    "payouts": (*EVERYWHERE, *WEB, "aws_lambda_powertools.event_handler", "asyncio"),
    # The public lead form creates leads: the ledger (bounties are earned on qualification, elsewhere) stays out.
    "leads": (*EVERYWHERE, *WEB, "concurrent.futures", "shared.commissions"),
    "partner_api": (*EVERYWHERE, *WEB, "concurrent.futures"),
    "admin_api": (*EVERYWHERE, *WEB, "concurrent.futures"),
    # Babel's formatting (shared.web.i18n) with the first figure shown: the sign-in pages show none.
    "web": (*EVERYWHERE, "concurrent.futures", "babel.dates", "babel.numbers", *PORTAL_PAGES),
    "notifier": EVERYWHERE,  # renders its emails with the web's templates and languages
}
DEFAULT = (*EVERYWHERE, *WEB)  # a function not named above (a new one): at least these

PROBE = """
import importlib, json, sys
import boto3  # every function's floor (it brings concurrent.futures itself, through s3transfer)
before = set(sys.modules)
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _loaded_by(module: str) -> list[str]:
    """The modules `import module` loads over boto3 in a fresh interpreter, Lambda-like (tracing on)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    env.update(AWS_LAMBDA_FUNCTION_NAME="cold-start-guard", AWS_REGION="us-east-1", PYTHONPATH=str(ROOT))
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True, env=env, cwd=ROOT
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def _matches(loaded: str, forbidden: str) -> bool:
    return loaded == forbidden or loaded.startswith(forbidden + ".")


@pytest.mark.parametrize("name", sorted(functions()))
def test_a_function_loads_no_heavy_package_its_requests_do_not_need(name: str) -> None:
    # Given a function of template.yaml and the packages its requests never need at cold start
    forbidden = FORBIDDEN.get(name, DEFAULT)
    # When its handler module is imported in a fresh interpreter
    loaded = _loaded_by(f"functions.{name}.app")
    # Then none of them came with it
    offenders = sorted({f for module in loaded for f in forbidden if _matches(module, f)})
    assert offenders == [], f"functions.{name}.app imports {offenders} at cold start"


def test_the_guard_sees_a_heavy_import() -> None:
    # Given a module that does import a forbidden package (the lead's web rendering imports jinja2)
    loaded = _loaded_by("shared.web.render")
    # Then the guard's probe reports it (so the test above can fail)
    assert any(_matches(module, "jinja2") for module in loaded)


def test_every_app_module_pauses_the_gc_first_and_resumes_it() -> None:
    # Given every function's app module
    for name in sorted(functions()):
        source = (ROOT / "functions" / name / "app.py").read_text()
        body = source.split("from __future__ import annotations\n", 1)[-1].lstrip()
        # Then its first import is shared.core.cold_start and it calls cold_start.finished() once
        assert body.startswith("from shared.core import cold_start"), f"functions/{name}/app.py"
        assert source.count("cold_start.finished()") == 1, f"functions/{name}/app.py"
