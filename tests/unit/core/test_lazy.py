"""lazy_module: nothing runs until the first attribute read, which imports the real module once, also when
several threads read first at the same moment; a module that does not exist fails at once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.core.lazy import lazy_module

PROBE = """
import sys, threading
from shared.core.lazy import lazy_module
colorsys = lazy_module("colorsys")
assert "colorsys" not in sys.modules, "imported before its first use"
barrier = threading.Barrier(8)
seen = []
def first_use():
    barrier.wait()
    seen.append(colorsys.rgb_to_hsv(1.0, 0.0, 0.0))
threads = [threading.Thread(target=first_use) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
assert seen == [(0.0, 1.0, 1.0)] * 8, seen
assert lazy_module("colorsys") is sys.modules["colorsys"]
print("ok")
"""


def test_the_module_loads_with_its_first_use_once_whatever_the_threads() -> None:
    # A fresh interpreter: this one may have imported colorsys already.
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_a_module_that_does_not_exist_fails_when_named() -> None:
    with pytest.raises(ModuleNotFoundError):
        lazy_module("shared.no_such_module")
