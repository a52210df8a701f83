"""How the code reaches Lambda: each function's folder is its code package (CodeUri) and `shared` comes
from the layer. These tests catch an import that works on a laptop but fails in AWS.
"""

from __future__ import annotations

import ast
import pathlib
import sys

from devstack.template import functions

ROOT = pathlib.Path(__file__).resolve().parents[2]
RUNTIME_PACKAGES = {"boto3", "botocore", "aws_lambda_powertools", "pydantic", "stripe", "shared"}
RUNTIME_PACKAGES |= {"jinja2", "markupsafe", "babel", "segno"}  # the web pages
DEV_ONLY = {"devstack", "tests", "bench", "functions", "yaml", "pytest", "hypothesis"}


def _imported_roots(path: pathlib.Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_every_function_has_its_handler_in_its_code_folder() -> None:
    # Given the functions of template.yaml
    specs = list(functions().values())
    # Then each is app.handler inside functions/<name>/, and the module defines `handler`
    assert {spec.name for spec in specs} >= {
        "redirect",
        "leads",
        "stripe_webhook",
        "admin_api",
        "partner_api",
        "payouts",
    }
    for spec in specs:
        module, _, attribute = spec.handler.rpartition(".")
        source = spec.code_dir / f"{module}.py"
        assert source.exists(), source
        names = {n.name for n in ast.walk(ast.parse(source.read_text())) if isinstance(n, ast.FunctionDef)}
        assigned = {
            t.id
            for n in ast.walk(ast.parse(source.read_text()))
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        assert attribute in names | assigned, f"{source} defines no {attribute}"


def test_function_code_imports_only_the_runtime_and_the_layer() -> None:
    # Given every module deployed in a function package or in the shared layer
    offenders = []
    for path in [*ROOT.glob("functions/*/*.py"), *ROOT.glob("shared/**/*.py")]:
        local = {p.stem for p in path.parent.glob("*.py")} if path.parts[-3] == "functions" else set()
        for root in _imported_roots(path) - local:
            allowed = root in RUNTIME_PACKAGES or root in sys.stdlib_module_names or root == "__future__"
            if not allowed or root in DEV_ONLY:
                offenders.append(f"{path.relative_to(ROOT)} imports {root}")
    # Then none imports a development-only package or the `functions` namespace (absent in Lambda)
    assert offenders == []
