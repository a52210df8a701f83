"""Modules loaded on first use: a function that may call Stripe must not pay for `import stripe` at cold start
when most of its requests never do (and the web function's pages load the services only they use)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


class _OnFirstUse(ModuleType):
    """Stands for a module not imported yet: the first attribute read imports it, and every read is forwarded to
    the real module (so a patched attribute is seen). The import is the import system's own, under its
    per-module lock: two threads using the module first at once load it once (importlib's LazyLoader does not
    promise that on Python 3.11). It is never put in `sys.modules`."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attribute)


def lazy_module(name: str) -> ModuleType:
    """`name`, imported on its first attribute access (the module itself when it is imported already)."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:
        raise ModuleNotFoundError(name)
    return _OnFirstUse(name)
