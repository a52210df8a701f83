"""GET|HEAD /r/{code}: send a referred visitor to the partner's destination, count the click, sign a click id
(shared.links.redirect).

Hot path: boto3 and the standard library only (no pydantic, no stripe, no Powertools; a unit test checks).
The settings are read and the clients built on a container's first invocation, then reused while it is warm.
"""

from __future__ import annotations

from shared.core import cold_start  # first: the GC stays paused while the modules below load

# isort: split
import os
from typing import Any

from shared.core.emf import EmfCounter
from shared.core.settings import RedirectSettings
from shared.links.redirect import Redirector, Visit, build_redirector

# This container's redirector: shared.context's get/set pattern, without AppContext (which brings pydantic).
_redirector: Redirector | None = None
cold_start.finished()  # the modules are loaded: their objects frozen, the GC back on


def get_redirector() -> Redirector:
    """The redirector of this container, built once from RedirectSettings."""
    global _redirector  # noqa: PLW0603 - one per Lambda container, on purpose
    if _redirector is None:
        _redirector = build_redirector(RedirectSettings.from_env(), EmfCounter.from_environ(os.environ))
    return _redirector


def set_redirector(redirector: Redirector | None) -> None:
    """Replace this container's redirector (tests and benchmarks point it at their table and clock)."""
    global _redirector  # noqa: PLW0603
    _redirector = redirector


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (v2) entry point."""
    return get_redirector().answer(Visit.from_event(event)).to_response()
