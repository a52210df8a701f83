"""`make dev`: DynamoDB Local (data kept under .local/), the table from template.yaml, the demo seed,
and every HTTP route of template.yaml on one port. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings
from urllib.parse import urlsplit

from devstack.dynamodb_local import DynamoDBLocal, create_table, local_environment, make_local_client, port_open
from devstack.env import load_dotenv
from devstack.streams import with_stream_consumers
from devstack.template import ROOT


def main() -> int:
    """Start the local stack and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--dynamodb-port", type=int, default=int(os.environ.get("DYNAMODB_PORT", "8000")))
    args = parser.parse_args()

    load_dotenv()
    # Links in emails and share URLs are absolute on PUBLIC_BASE_URL: a loopback one must name this server's port.
    base = urlsplit(os.environ.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{args.port}")
    if base.hostname in ("127.0.0.1", "localhost") and base.port != args.port:
        os.environ["PUBLIC_BASE_URL"] = f"{base.scheme}://{base.hostname}:{args.port}"
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    for port, what in ((args.port, "PORT"), (args.dynamodb_port, "DYNAMODB_PORT")):
        if port_open(port):
            print(f"port {port} is already in use: stop what holds it or set {what}=...", file=sys.stderr)
            return 1

    local_dir = ROOT / ".local"
    local_dir.mkdir(exist_ok=True)
    database = DynamoDBLocal(args.dynamodb_port, data_dir=local_dir / "dynamodb", log_path=local_dir / "dynamodb.log")
    print(f"starting DynamoDB Local on 127.0.0.1:{args.dynamodb_port} (data in .local/dynamodb)", flush=True)
    database.start()
    try:
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
        server = make_server("127.0.0.1", args.port, lambdas)
        print(f"\nAPI on http://127.0.0.1:{args.port}  (Ctrl-C stops)", flush=True)
        for matcher in lambdas.matchers:
            print(f"  {matcher.route.method:5} {matcher.route.path:24} -> functions/{matcher.route.function}")
        mail_dir = os.environ.get("MAIL_DIR") or ".local/mail"
        print(
            f"\nemail (sign-in links, ...) is written to {mail_dir}/ as one .eml file each, the newest last", flush=True
        )
        print(f"partner portal: http://127.0.0.1:{args.port}/portal (sign in as partner@demo.example)", flush=True)
        print(f"\ntry: curl -i http://127.0.0.1:{args.port}/r/demo\n", flush=True)

        stop = with_stream_consumers(lambdas, threading.Event())  # the table's stream -> rollups
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        print("\nstopping", flush=True)
        server.shutdown()
        server.server_close()
    finally:
        database.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
