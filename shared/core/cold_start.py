"""Cold start: CPython's cyclic garbage collector paused while a function's modules load, then what they built
frozen out of its way.

Importing a function's modules builds some 100,000 long-lived objects (classes, functions, pydantic fields,
enum members) and next to no garbage; the collector still walks them some 60 times on the way, one of them a
full walk of the heap: about 20-30 ms of CPU in every API function's cold start, for nothing. So every
`functions/*/app.py` imports this module FIRST (importing it pauses the collector) and calls `finished()` as
its last line: everything loaded so far moves to the permanent generation (`gc.freeze()`, so no later
collection walks it again either) and the collector runs as usual from the first request on. Standard library
only (the redirect imports it too). If a module fails to import, the container fails its init anyway.
"""

from __future__ import annotations

import gc

_paused_here = gc.isenabled()
gc.disable()


def finished() -> None:
    """The function's modules are loaded: freeze what they built and switch the collector back on (only if
    importing this module switched it off; a second app module imported in the same process changes nothing)."""
    global _paused_here  # noqa: PLW0603 - once per process, on purpose
    if _paused_here:
        _paused_here = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    """True while this module holds the collector paused (before `finished()`)."""
    return _paused_here
