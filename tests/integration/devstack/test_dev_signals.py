"""`make dev` (devstack.dev) stops everything it started on SIGTERM and SIGINT, DynamoDB Local's java process
included, and a later start that finds an earlier stack or a held port says what to do."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devstack.dynamodb_local import free_port, port_open
from devstack.template import ROOT

pytestmark = pytest.mark.integration

START_SECONDS = 120


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def start_dev(tmp_path: Path, port: int, dynamodb_port: int) -> subprocess.Popen[bytes]:
    log = (tmp_path / "dev.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "devstack.dev", "--port", str(port), "--dynamodb-port", str(dynamodb_port),
         "--local-dir", str(tmp_path / "local")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def wait_for(condition: object, what: str, process: subprocess.Popen[bytes], tmp_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"{what} did not happen: {(tmp_path / 'dev.log').read_text()[-2000:]}")


def serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/nothing", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer: the gateway is up
    except OSError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_and_dynamodb_local_and_frees_both_ports(tmp_path: Path, signum: int) -> None:
    # Given the dev stack started on free ports
    port, dynamodb_port = free_port(), free_port()
    process = start_dev(tmp_path, port, dynamodb_port)
    wait_for(lambda: serving(port), "serving the API", process, tmp_path)
    started = json.loads((tmp_path / "local" / "dev.pid").read_text())
    assert started["pid"] == process.pid and alive(started["java_pid"])
    # When it receives the signal
    process.send_signal(signum)
    # Then it exits cleanly, and no process, no port and no pid file is left
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while alive(started["java_pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(started["java_pid"])
    assert not port_open(port) and not port_open(dynamodb_port)
    assert not (tmp_path / "local" / "dev.pid").exists()


def test_sigterm_while_starting_still_stops_dynamodb_local(tmp_path: Path) -> None:
    # Given a stack whose DynamoDB Local is up but whose functions are still loading
    port, dynamodb_port = free_port(), free_port()
    process = start_dev(tmp_path, port, dynamodb_port)
    pid_file = tmp_path / "local" / "dev.pid"
    wait_for(pid_file.exists, "DynamoDB Local starting", process, tmp_path)
    java_pid = json.loads(pid_file.read_text())["java_pid"]
    # When SIGTERM arrives at once
    process.send_signal(signal.SIGTERM)
    # Then java goes too
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while alive(java_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(java_pid) and not port_open(dynamodb_port)


def test_an_earlier_stack_still_running_is_named_with_what_to_do(tmp_path: Path) -> None:
    # Given a pid file naming a process that is alive (this test's own)
    (tmp_path / "local").mkdir()
    earlier = {"pid": os.getpid(), "java_pid": None, "port": 3000, "dynamodb_port": 8000}
    (tmp_path / "local" / "dev.pid").write_text(json.dumps(earlier))
    # When make dev starts
    process = start_dev(tmp_path, free_port(), free_port())
    # Then it refuses, naming the pid and the command that stops it
    assert process.wait(timeout=60) == 1
    output = (tmp_path / "dev.log").read_text()
    assert f"already running (pid {os.getpid()}" in output and f"kill {os.getpid()}" in output


def test_a_stale_pid_file_is_cleared_and_a_held_port_is_reported(tmp_path: Path) -> None:
    # Given a pid file of processes long gone, and the API port held by something else
    (tmp_path / "local").mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / "local" / "dev.pid").write_text(json.dumps({"pid": gone.pid, "java_pid": gone.pid}))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        # When make dev starts
        process = start_dev(tmp_path, port, free_port())
        # Then it says which port is held and how to find out by whom, and the stale pid file is gone
        assert process.wait(timeout=60) == 1
    output = (tmp_path / "dev.log").read_text()
    assert f"port {port} is already in use" in output and "ss -ltnp" in output
    assert not (tmp_path / "local" / "dev.pid").exists()
