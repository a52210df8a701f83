"""Browser tests: one local stack and one headless Chromium (Debian's, driven by Playwright) per module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.stack import AXE_JS, CHROMIUM, CHROMIUM_ARGS, Stack, local_stack


def _missing_tools() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is missing (make install puts it there)"
    if not AXE_JS.exists():
        return f"{AXE_JS} is missing (make install puts it there)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is missing (requirements-dev.txt)"
    return None


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """DynamoDB Local, the demo seed and every route on a free port."""
    missing = _missing_tools()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI must run them: `make test` installs the tools first
        pytest.skip(missing)
    with local_stack() as running:
        yield running


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator[Any]:
    """One Chromium for the module (a fresh context per test keeps cookies apart)."""
    from playwright.sync_api import sync_playwright

    # Playwright gives each launch a fresh, empty profile directory of its own (the --user-data-dir).
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()
