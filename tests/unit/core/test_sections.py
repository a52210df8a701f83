"""Route sections loaded with their first request (shared.core.sections): a request reaches the same route
whether or not its section was loaded before, every route of a lazy section is reachable through its prefixes,
and a function's cold start does not load its lazy sections."""

from __future__ import annotations

import importlib
import re
import sys
import types
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from shared.core.sections import Sections, _under
from tests.unit.test_cold_start_imports import _loaded_by

APPS = ("functions.admin_api.app", "functions.partner_api.app", "functions.web.app")


@pytest.fixture
def reports_module() -> Iterator[str]:
    """A router module (`/things/...`) that is not imported yet."""
    name = "tests_sections_things"
    module = types.ModuleType(name)
    router = APIGatewayHttpRouter()

    @router.get("/things/<thing_id>/parts")
    def parts(thing_id: str) -> dict[str, str]:
        return {"thing": thing_id}

    module.router = router  # type: ignore[attr-defined]
    sys.modules[name] = module
    yield name
    del sys.modules[name]


def _event(path: str) -> dict[str, object]:
    return {"rawPath": path, "requestContext": {"http": {"method": "GET", "path": path}}}


def _paths(app: APIGatewayHttpResolver) -> set[str]:
    return {route.path for route in [*app._static_routes, *app._dynamic_routes]}


def test_a_section_is_included_by_the_first_request_under_its_prefix_only(reports_module: str) -> None:
    # Given a resolver whose /things section (with a `*` segment) is not loaded
    app = APIGatewayHttpResolver()
    sections = Sections(app, {"/things/*/parts": (reports_module,)})
    # When requests outside the prefix arrive, Then nothing is included
    for path in ("/other", "/things", "/things/t1", "/thingsx/t1/parts"):
        sections.load_for(_event(path))
    assert _paths(app) == set()
    # When one under it arrives (twice), Then its router's route is included once
    sections.load_for(_event("/things/t1/parts"))
    sections.load_for(_event("/things/t2/parts/"))
    assert [route.path for route in app._dynamic_routes] == ["/things/<thing_id>/parts"]


def test_load_all_includes_every_section_and_the_openapi_document_describes_them(reports_module: str) -> None:
    # Given an API function's resolver with a section not loaded
    from shared.core.http import make_resolver

    app = make_resolver(openapi_path="/openapi.json")
    Sections(app, {"/things": (reports_module,)})
    # When its OpenAPI document is built, Then the section's route is in it
    assert "/things/{thing_id}/parts" in app.get_openapi_schema(title="t").paths  # type: ignore[operator]


def test_prefix_segments_match_whole_segments() -> None:
    assert _under(["", "admin", "partners", "p1", "adjustments"], ["", "admin", "partners", "*", "adjustments"])
    assert not _under(["", "admin", "partners", "p1"], ["", "admin", "partners", "*", "adjustments"])
    assert not _under(["", "admin", "reportsx"], ["", "admin", "reports"])


@pytest.mark.parametrize("app_module", APPS)
def test_every_lazy_route_is_reached_through_its_sections_and_no_eager_route_sits_under_one(app_module: str) -> None:
    # Given an API function whose sections are all loaded
    function = importlib.import_module(app_module)
    pending = dict(function.sections._pending)
    function.sections.load_all()
    for route in [*function.app._static_routes, *function.app._dynamic_routes]:
        sample = re.sub(r"<\w+>", "x1", route.path).split("/")
        owners = {m for prefix, modules in pending.items() if _under(sample, prefix.split("/")) for m in modules}
        module = route.func.__module__
        lazy = any(module in modules for modules in pending.values())
        # Then a lazy section's route lies under a prefix that loads its module, an eager route under none
        assert module in owners if lazy else owners == set(), f"{route.method} {route.path} ({module}): {owners}"


@pytest.mark.parametrize(
    ("name", "not_loaded"),
    [
        ("admin_api", ("shared.reports", "shared.webhooks", "shared.commissions", "shared.audit.service")),
        ("partner_api", ("shared.reports", "shared.payouts.partner_api", "shared.commissions.partner_api")),
        ("web", ("shared.console", "shared.reports.console_web", "shared.webhooks.console_web", "shared.payouts.run")),
    ],
)
def test_a_function_cold_start_does_not_load_its_lazy_sections(name: str, not_loaded: tuple[str, ...]) -> None:
    # Given an API function, When its handler module is imported in a fresh interpreter
    loaded = _loaded_by(f"functions.{name}.app")
    # Then none of its lazily loaded sections came with it
    assert [m for m in loaded if m.startswith(not_loaded)] == []
