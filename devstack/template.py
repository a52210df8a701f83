"""Read template.yaml: the one source of truth for the table schema, the routes and function settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation's short-form tags (!Ref, !Sub, ...) as plain dicts."""


def _tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@lru_cache(maxsize=1)
def load_template() -> dict[str, Any]:
    """template.yaml as a dict."""
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


@dataclass(frozen=True)
class Route:
    """One HTTP API route of a function."""

    method: str
    path: str
    function: str


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the template: its code folder, handler and plain environment variables."""

    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    timeout: int = 10

    @property
    def name(self) -> str:
        """The folder name under functions/ (redirect, leads, ...)."""
        return self.code_dir.name


def functions() -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function, keyed by its folder name."""
    template = load_template()
    global_fn = template.get("Globals", {}).get("Function", {})
    global_env = global_fn.get("Environment", {}).get("Variables", {})
    result = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        spec = FunctionSpec(
            logical_id=logical_id,
            code_dir=ROOT / props["CodeUri"].rstrip("/"),
            handler=props["Handler"],
            environment=env,
            timeout=int(props.get("Timeout", global_fn.get("Timeout", 10))),
        )
        result[spec.name] = spec
    return result


def routes() -> list[Route]:
    """Every HttpApi event of every function."""
    template = load_template()
    found = []
    by_logical_id = {spec.logical_id: name for name, spec in functions().items()}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                found.append(Route(props["Method"].upper(), props["Path"], by_logical_id[logical_id]))
    return found


def table_definition() -> dict[str, Any]:
    """CreateTable arguments for the template's table (on-demand, with its GSIs)."""
    template = load_template()
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    if len(tables) != 1:
        raise RuntimeError("template.yaml must define exactly one DynamoDB table")
    props = tables[0]["Properties"]
    definition: dict[str, Any] = {
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = [
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in props["GlobalSecondaryIndexes"]
        ]
    return definition


def ttl_attribute() -> str | None:
    """The table's TTL attribute name."""
    template = load_template()
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            spec = resource["Properties"].get("TimeToLiveSpecification") or {}
            return spec.get("AttributeName") if spec.get("Enabled") else None
    return None
