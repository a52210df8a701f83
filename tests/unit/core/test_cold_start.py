"""shared.core.cold_start: the GC paused while a function's modules load, then their objects frozen and the GC on."""

from __future__ import annotations

import json
import subprocess
import sys

from devstack.template import ROOT

CODE = """
import gc, json
from shared.core import cold_start
paused = [gc.isenabled(), cold_start.paused()]
import functions.rollups.app  # an app module: imports cold_start first, calls finished() last
after = [gc.isenabled(), cold_start.paused(), gc.get_freeze_count() > 0]
cold_start.finished()  # a second call (another app module in the same process) changes nothing
print(json.dumps([paused, after, gc.isenabled()]))
"""

ALREADY_OFF = """
import gc, json
gc.disable()
from shared.core import cold_start
cold_start.finished()
print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))
"""


def _run(code: str) -> list:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_gc_is_paused_while_an_app_module_loads_and_back_on_with_its_objects_frozen() -> None:
    # When an app module is imported in a fresh interpreter
    paused, after, still_on = _run(CODE)
    # Then the GC was off while it loaded, and on afterwards with what it built frozen
    assert paused == [False, True]
    assert after == [True, False, True]
    assert still_on is True


def test_a_process_that_keeps_its_gc_off_keeps_it_off() -> None:
    # Given a process that switched the GC off itself, When an app module finishes loading
    enabled, frozen = _run(ALREADY_OFF)
    # Then the GC stays off and nothing is frozen on its behalf
    assert (enabled, frozen) == (False, 0)
