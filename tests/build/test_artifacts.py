"""The deployable build: what `sam build` makes of template.yaml imports in Lambda and fits its limits.

`make artifacts` (called by the `builds` fixture, a no-op when nothing changed) runs one sam build, one
template and one layer recipe twice:
- .aws-sam/build: what `make deploy` ships, the layer's wheels for the functions' arm64;
- .aws-sam/host/build: the same with LAYER_PLATFORM set to this machine's, so its handlers can be imported
  here (an aarch64 pydantic_core cannot load on x86_64);
and installs .aws-sam/host/runtime, a stand-in for the boto3 the python3.11 runtime provides beside the layers.
The tests check the host build is the AWS build but for compiled extension modules, that the AWS build holds
only code for the template's architecture and fits Lambda's size limit, and that each function's handler
imports in a fresh Python with nothing but its built folder, its layers and the runtime's SDK.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
IMPORTER = Path(__file__).with_name("lambda_import.py")
# Where the Makefile's `artifacts` target puts them (BUILD_DIR, HOST_DIR).
LAMBDA_BUILD = ROOT / ".aws-sam" / "build"
HOST_BUILD = ROOT / ".aws-sam" / "host" / "build"
RUNTIME_SDK = ROOT / ".aws-sam" / "host" / "runtime"

# Lambda's limit on a function's code plus all its layers, unzipped.
LAMBDA_UNZIPPED_LIMIT = 262_144_000
# A guard against regrowth, under Lambda's limit: raise it deliberately when a dependency needs the room.
# Measured: 81 MB with boto3/botocore/s3transfer, 52 MB without; 87 MB with the web pages' Babel (35 MB of it
# locale data for ~1,100 locales).
LAYER_BUDGET = 100_000_000
# Left to the python3.11 runtime (Makefile RUNTIME_PROVIDED).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
ELF_MACHINES = {"arm64": 183, "x86_64": 62}  # e_machine: EM_AARCH64, EM_X86_64
ARCH_TAG = re.compile(r"aarch64|x86_64|arm64|amd64")
CREDENTIAL_VARIABLES = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class _TagTolerantLoader(yaml.SafeLoader):
    """Reads template.yaml with CloudFormation's short-form tags (!Ref, !Sub, ...) as None."""


_TagTolerantLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _function_ids() -> list[str]:
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_TagTolerantLoader)  # noqa: S506
    return [name for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]


@dataclass(frozen=True)
class Builds:
    lambda_template: dict[str, Any]
    host_template: dict[str, Any]


@pytest.fixture(scope="session")
def builds() -> Builds:
    """Both builds, current with the sources: `make artifacts` rebuilds what changed, and needs no AWS."""
    make = shutil.which("make")
    assert make, "make is required"
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", *CREDENTIAL_VARIABLES}}
    done = subprocess.run(  # noqa: S603
        [make, "--no-print-directory", "artifacts"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if done.returncode != 0:
        pytest.fail(f"make artifacts failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return Builds(
        lambda_template=yaml.safe_load((LAMBDA_BUILD / "template.yaml").read_text()),
        host_template=yaml.safe_load((HOST_BUILD / "template.yaml").read_text()),
    )


def _function(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """A function's properties with the template's Globals applied (the keys this module reads)."""
    defaults = template.get("Globals", {}).get("Function", {})
    props = template["Resources"][logical_id]["Properties"]
    env = {**defaults.get("Environment", {}).get("Variables", {}), **props.get("Environment", {}).get("Variables", {})}
    return {
        "CodeUri": props["CodeUri"],
        "Handler": props.get("Handler", defaults.get("Handler")),
        "Runtime": props.get("Runtime", defaults.get("Runtime")),
        "Architectures": props.get("Architectures", defaults.get("Architectures", ["x86_64"])),
        "Layers": [*defaults.get("Layers", []), *props.get("Layers", [])],
        "Variables": env,
    }


def _layer_dirs(template: dict[str, Any], build: Path, layers: list[Any]) -> list[Path]:
    dirs = []
    for layer in layers:
        assert isinstance(layer, dict) and "Ref" in layer, f"{layer}: only layers built from this template are checked"
        dirs.append(build / template["Resources"][layer["Ref"]]["Properties"]["ContentUri"])
    return dirs


def _value(template: dict[str, Any], value: Any) -> str:
    """An environment value as Lambda would see it: a parameter's default, else a placeholder."""
    if isinstance(value, dict) and "Ref" in value:
        parameter = template.get("Parameters", {}).get(value["Ref"])
        if parameter and "Default" in parameter:
            return str(parameter["Default"])
        return f"placeholder-{value['Ref']}"
    return str(value) if not isinstance(value, dict) else f"placeholder-{json.dumps(value)}"


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def _elf_machine(path: Path) -> int | None:
    with path.open("rb") as f:
        header = f.read(20)
    return int.from_bytes(header[18:20], "little") if header[:4] == b"\x7fELF" else None


def _native_distributions(layer_python: Path) -> set[str]:
    """The .dist-info folders of wheels that are not pure Python (their metadata names the platform)."""
    return {
        wheel.parent.name
        for wheel in layer_python.glob("*.dist-info/WHEEL")
        if "Root-Is-Purelib: false" in wheel.read_text()
    }


@pytest.mark.parametrize("logical_id", _function_ids())
def test_handler_imports_from_its_built_folder_layers_and_the_runtime_sdk_alone(
    builds: Builds, logical_id: str
) -> None:
    # Given the function's built folder and layers (host build) and the runtime's boto3 stand-in
    fn = _function(builds.host_template, logical_id)
    runtime_version = tuple(int(part) for part in fn["Runtime"].removeprefix("python").split("."))
    assert sys.version_info[:2] == runtime_version, f"the check needs the runtime's Python, {fn['Runtime']}"
    task_root = HOST_BUILD / fn["CodeUri"]
    layers = _layer_dirs(builds.host_template, HOST_BUILD, fn["Layers"])
    spec = {
        "task_root": str(task_root),
        "layers": [str(layer) for layer in layers],
        "runtime": str(RUNTIME_SDK),
        "handler": fn["Handler"],
    }
    # and a Lambda-like environment: the template's variables, a region, no credentials (import must not call AWS)
    env = {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn['Runtime']}",
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(RUNTIME_SDK),
        "_HANDLER": fn["Handler"],
        "AWS_EC2_METADATA_DISABLED": "true",
        **{key: _value(builds.host_template, value) for key, value in fn["Variables"].items()},
    }

    # When a fresh interpreter (-I: no PYTHON* variables, user site or current folder; -S: no site-packages;
    # -B: no bytecode written) imports the handler
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-S", "-B", str(IMPORTER), json.dumps(spec)],
        check=False,
        cwd=task_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Then it imports, the handler is callable, and every module came from where Lambda would load it
    assert done.returncode == 0, f"{logical_id}: importing {fn['Handler']} failed:\n{done.stderr[-4000:]}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["leaked"] == [], "the interpreter sees the development environment"
    assert report["callable"], f"{logical_id}: {fn['Handler']} is not callable"
    assert report["elsewhere"] == []
    origin = report["origin"]
    assert origin[fn["Handler"].rpartition(".")[0].split(".")[0]] == "task"
    assert origin.get("shared", "layer") == "layer"
    assert {name: origin[name] for name in RUNTIME_PROVIDED if name in origin} == {
        name: "runtime" for name in RUNTIME_PROVIDED if name in origin
    }


def test_host_build_is_the_lambda_build_but_for_compiled_extensions(builds: Builds) -> None:
    # Given the build for AWS and the one for this machine
    lambda_files, host_files = _files(LAMBDA_BUILD), _files(HOST_BUILD)
    assert builds.lambda_template == builds.host_template

    # Then they hold the same files, shared extension modules differing only in their platform tag,
    def key(path: str) -> str:
        return ARCH_TAG.sub("<arch>", path) if path.endswith(".so") or ".so." in path else path

    assert sorted(map(key, lambda_files)) == sorted(map(key, host_files))

    # and the same bytes, but for native code, the wheel metadata that names its platform, and bytecode
    # (marshal output is not byte-stable; its sources are compared)
    native = set()
    for layer in LAMBDA_BUILD.glob("*/python"):
        native |= {f"{layer.parent.name}/python/{name}/" for name in _native_distributions(layer)}
    differing = [
        path
        for path, file in lambda_files.items()
        if key(path) == path
        and not path.endswith(".pyc")
        and not any(path.startswith(prefix) for prefix in native)
        and file.read_bytes() != host_files[path].read_bytes()
    ]
    assert differing == [], "the builds differ (or a source was saved between them: rerun)"


def test_lambda_build_holds_only_code_for_the_template_architecture(builds: Builds) -> None:
    # Given every built folder of the AWS build (functions and layers) with the function settings it serves
    template = builds.lambda_template
    folders: dict[Path, dict[str, Any]] = {}
    for logical_id in _function_ids():
        fn = _function(template, logical_id)
        for folder in [LAMBDA_BUILD / fn["CodeUri"], *_layer_dirs(template, LAMBDA_BUILD, fn["Layers"])]:
            served = folders.setdefault(folder, fn)
            assert (served["Architectures"], served["Runtime"]) == (fn["Architectures"], fn["Runtime"]), folder

    checked_elf = 0
    for folder, fn in folders.items():
        (architecture,) = fn["Architectures"]
        bytecode_tag = f".cpython-{fn['Runtime'].removeprefix('python').replace('.', '')}."
        for path, file in _files(folder).items():
            # Then each compiled file is for the functions' architecture (aarch64 for arm64)
            machine = _elf_machine(file)
            if machine is not None:
                checked_elf += 1
                assert machine == ELF_MACHINES[architecture], f"{folder.name}/{path} is not {architecture}"
            # and the bytecode is the runtime's Python's
            if path.endswith(".pyc"):
                assert bytecode_tag in path, path
    # (pydantic-core, wrapt and charset-normalizer ship compiled code: the check is not vacuous)
    assert checked_elf > 0


def test_lambda_build_fits_lambda_and_leaves_the_sdk_to_the_runtime(builds: Builds) -> None:
    template = builds.lambda_template
    sizes = {}
    for logical_id in _function_ids():
        fn = _function(template, logical_id)
        layers = _layer_dirs(template, LAMBDA_BUILD, fn["Layers"])
        for layer in layers:
            sizes[layer.name] = sum(p.stat().st_size for p in _files(layer).values())
            # The layer ships no boto3, botocore or s3transfer: the runtime's matched set is used
            shipped = {p.name.split("-")[0] for p in (layer / "python").iterdir()}
            assert shipped.isdisjoint(RUNTIME_PROVIDED), f"{layer.name} ships {shipped & set(RUNTIME_PROVIDED)}"
            assert sizes[layer.name] < LAYER_BUDGET, f"{layer.name}: {sizes[layer.name]:,} bytes unzipped"
        code = sum(p.stat().st_size for p in _files(LAMBDA_BUILD / fn["CodeUri"]).values())
        total = code + sum(sizes[layer.name] for layer in layers)
        assert total < LAMBDA_UNZIPPED_LIMIT, f"{logical_id}: {total:,} bytes unzipped with its layers"
