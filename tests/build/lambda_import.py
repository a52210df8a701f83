"""Import one Lambda handler the way the python3.11 runtime would, from built artifacts alone.

Run by tests/build/test_artifacts.py as `python -I -S -B lambda_import.py SPEC`: -I ignores PYTHON* variables,
the user site and the current folder, -S skips site (no site-packages, no .pth files), -B writes no bytecode
(Lambda's file system is read-only). SPEC is JSON: {"task_root", "layers", "runtime", "handler"}. Prints a
JSON report on stdout.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import sysconfig
import time
from pathlib import Path

# Importable here only if the isolation leaks: the project's venv, its source tree or the working folder.
LEAK_PROBES = ("pytest", "yaml", "shared", "functions", "devstack", "tests", "boto3", "pydantic")


def main() -> None:
    spec = json.loads(sys.argv[1])
    leaked = [name for name in LEAK_PROBES if importlib.util.find_spec(name) is not None]

    # Lambda's order: the function's code (/var/task), the layers (/opt/python/lib/python3.11/site-packages,
    # /opt/python), then the runtime's own packages (/var/runtime: boto3, botocore, ...), then the stdlib.
    layer_paths = []
    for layer in spec["layers"]:
        layer_paths += [f"{layer}/python/lib/python3.11/site-packages", f"{layer}/python"]
    sys.path[:0] = [spec["task_root"], *layer_paths, spec["runtime"]]

    module_name, _, attribute = spec["handler"].rpartition(".")
    started = time.perf_counter()
    module = importlib.import_module(module_name)
    seconds = time.perf_counter() - started
    handler = getattr(module, attribute, None)
    if hasattr(module, "sections"):  # the routers loaded on first use (shared.core.sections) import from here too
        module.sections.load_all()

    roots = {
        "task": [Path(spec["task_root"]).resolve()],
        "layer": [Path(layer).resolve() for layer in spec["layers"]],
        "runtime": [Path(spec["runtime"]).resolve()],
        "stdlib": [Path(sysconfig.get_paths()[key]).resolve() for key in ("stdlib", "platstdlib")],
    }

    def origin(file: str) -> str:
        path = Path(file).resolve()
        for kind, bases in roots.items():
            if any(path.is_relative_to(base) for base in bases):
                if kind == "stdlib" and "site-packages" in path.parts:
                    break
                return kind
        return "elsewhere"

    this = Path(__file__).resolve()
    files = {
        name: file
        for name, mod in list(sys.modules.items())
        if (file := getattr(mod, "__file__", None)) and Path(file).resolve() != this
    }
    report = {
        "leaked": leaked,
        "callable": callable(handler),
        "seconds": seconds,
        "modules": len(files),
        "elsewhere": sorted(f"{name}: {file}" for name, file in files.items() if origin(file) == "elsewhere"),
        "origin": {name: origin(file) for name, file in files.items() if "." not in name},
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
