"""`make dev`: DynamoDB Local (data kept under .local/), the table from template.yaml, the demo seed,
and every HTTP route of template.yaml on one port. Ctrl-C (SIGINT) or SIGTERM, at any moment from the first
line on, stops everything it started, DynamoDB Local's java process included; `.local/dev.pid` names the
processes of a running stack, so a later start that finds one alive (or a port still held) says what to do.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import warnings
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from devstack.bus import with_local_bus
from devstack.dynamodb_local import DynamoDBLocal, create_table, local_environment, make_local_client, port_open
from devstack.env import load_dotenv
from devstack.streams import with_stream_consumers
from devstack.template import ROOT
from devstack.webhooks import with_webhook_worker

PID_FILE = "dev.pid"


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM behaves as Ctrl-C: the stack unwinds through its `finally` blocks, whatever phase it is in.
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_stack(pid_file: Path) -> str | None:
    """What to do about an earlier stack named by `pid_file` that is still running (None: nothing; a file whose
    processes are all gone is removed)."""
    if not pid_file.exists():
        return None
    try:
        earlier = json.loads(pid_file.read_text())
    except (OSError, ValueError):
        earlier = {}
    if _alive(earlier.get("pid")):
        return (
            f"make dev is already running (pid {earlier['pid']}, API on :{earlier.get('port')}): "
            f"stop it with Ctrl-C in its terminal or `kill {earlier['pid']}`"
        )
    if _alive(earlier.get("java_pid")):
        return (
            f"DynamoDB Local (pid {earlier['java_pid']}, port {earlier.get('dynamodb_port')}) was left running by "
            f"an earlier make dev that did not stop: `kill {earlier['java_pid']}`, then run make dev again"
        )
    pid_file.unlink(missing_ok=True)
    return None


def main() -> int:
    """Start the local stack and serve until interrupted (SIGINT or SIGTERM)."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        return _serve()
    except KeyboardInterrupt:
        return 0


def _serve() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--dynamodb-port", type=int, default=int(os.environ.get("DYNAMODB_PORT", "8000")))
    parser.add_argument("--local-dir", type=Path, default=ROOT / ".local", help="data, mail and dev.pid")
    args = parser.parse_args()

    load_dotenv()
    # Links in emails and share URLs are absolute on PUBLIC_BASE_URL: a loopback one must name this server's port.
    base = urlsplit(os.environ.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{args.port}")
    if base.hostname in ("127.0.0.1", "localhost") and base.port != args.port:
        os.environ["PUBLIC_BASE_URL"] = f"{base.scheme}://{base.hostname}:{args.port}"
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    local_dir: Path = args.local_dir
    local_dir.mkdir(parents=True, exist_ok=True)
    if args.local_dir != ROOT / ".local":
        os.environ.setdefault("MAIL_DIR", str(local_dir / "mail"))
    pid_file = local_dir / PID_FILE
    advice = preflight(pid_file, args.port, args.dynamodb_port)
    if advice:
        print(advice, file=sys.stderr)
        return 1

    database = DynamoDBLocal(args.dynamodb_port, data_dir=local_dir / "dynamodb", log_path=local_dir / "dynamodb.log")
    print(f"starting DynamoDB Local on 127.0.0.1:{args.dynamodb_port} (data in {local_dir}/dynamodb)", flush=True)
    stop = threading.Event()
    try:
        database.start()
        java_pid = database.process.pid if database.process else None
        pid_file.write_text(
            json.dumps(
                {"pid": os.getpid(), "java_pid": java_pid, "port": args.port, "dynamodb_port": args.dynamodb_port}
            )
        )
        lambdas, server = _functions(database, args.port)
        _banner(lambdas, args.port, local_dir)
        with_local_bus(lambdas, stop)  # the event bus -> its rules' target functions (docs/events.md)
        with_stream_consumers(lambdas, stop)  # the table's stream -> rollups, publisher (-> the bus)
        with_webhook_worker(stop)  # outgoing-webhook deliveries and their retries (docs/webhooks.md)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with contextlib.suppress(KeyboardInterrupt):
                stop.wait()
        finally:
            print("\nstopping", flush=True)
            _ignore_signals()
            server.shutdown()
            server.server_close()
    finally:
        _ignore_signals()  # a second Ctrl-C must not cut the cleanup short and orphan java
        stop.set()
        database.stop()
        pid_file.unlink(missing_ok=True)
    return 0


def _functions(database: DynamoDBLocal, port: int) -> tuple[Any, Any]:
    """The table, the demo seed and every function of template.yaml behind one local HTTP server (not started)."""
    os.environ.update(local_environment(database.endpoint))
    table_name = os.environ["TABLE_NAME"]
    if create_table(make_local_client(database.endpoint), table_name):
        print(f"created table {table_name} from template.yaml", flush=True)

    # Imported after the environment is set: the functions read it at import time, as in Lambda.
    from devstack.gateway import make_server
    from devstack.lambda_runtime import LocalLambdas
    from devstack.seed import seed_demo
    from shared.context import AppContext, set_context

    # One process serves every function: one context, from the settings every function reads.
    context = AppContext.from_env()
    set_context(context)
    created = seed_demo(context)
    print("demo seed: " + (", ".join(created) if created else "already present"), flush=True)

    lambdas = LocalLambdas()
    return lambdas, make_server("127.0.0.1", port, lambdas)


def preflight(pid_file: Path, port: int, dynamodb_port: int) -> str | None:
    """Why the stack cannot start, with what to do (an earlier stack still running, a port in use), or None."""
    advice = stale_stack(pid_file)
    if advice:
        return advice
    for taken, what in ((port, "PORT"), (dynamodb_port, "DYNAMODB_PORT")):
        if port_open(taken):
            return (
                f"port {taken} is already in use: see what holds it with `ss -ltnp 'sport = :{taken}'` (or "
                f"`lsof -i :{taken}`) and stop it, or choose another port with {what}=..."
            )
    return None


def _banner(lambdas: Any, port: int, local_dir: Path) -> None:
    print(f"\nAPI on http://127.0.0.1:{port}  (Ctrl-C stops)", flush=True)
    for matcher in lambdas.matchers:
        print(f"  {matcher.route.method:5} {matcher.route.path:24} -> functions/{matcher.route.function}")
    mail_dir = os.environ.get("MAIL_DIR") or f"{local_dir}/mail"
    print(f"\nemail (sign-in links, ...) is written to {mail_dir}/ as one .eml file each, the newest last", flush=True)
    print(f"partner portal: http://127.0.0.1:{port}/portal (sign in as partner@demo.example)", flush=True)
    print(f"\ntry: curl -i http://127.0.0.1:{port}/r/demo\n", flush=True)


def _ignore_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
