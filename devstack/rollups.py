"""`make rollups-rebuild`: deliver what the table's stream still holds, then recompute every rollup from the
source items and compare with the stored ones. Prints each difference; exits 1 on any (`WRITE=1` repairs).

Uses the DynamoDB Local of a running `make dev`, or starts one on the same data for the check. A delivery
racing `make dev`'s own poller is harmless: each record is counted once (docs/reports.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from devstack.dynamodb_local import DynamoDBLocal, create_table, local_environment, make_local_client, port_open
from devstack.env import load_dotenv
from devstack.template import ROOT


def main(argv: list[str]) -> int:
    """Check (or with --write, repair) the rollups of the local table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="replace the rollups that differ")
    args = parser.parse_args(argv)
    load_dotenv()
    port = int(os.environ.get("DYNAMODB_PORT", "8000"))
    database = None
    if not port_open(port):
        database = DynamoDBLocal(port, data_dir=ROOT / ".local" / "dynamodb", log_path=ROOT / ".local" / "dynamodb.log")
        database.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update(local_environment(endpoint))
        client = make_local_client(endpoint)
        create_table(client, os.environ["TABLE_NAME"])
        from devstack.lambda_runtime import LocalLambdas
        from devstack.streams import StreamPoller
        from shared.context import AppContext, set_context
        from shared.core.dynamo import Table
        from shared.reports.rebuild import rebuild

        context = AppContext.from_env()
        set_context(context)
        lambdas = LocalLambdas()
        delivered = StreamPoller(client, os.environ["TABLE_NAME"], lambdas.invoke).drain()
        print(f"stream: {delivered} record(s) delivered before the check", flush=True)
        month = datetime.now(UTC).strftime("%Y-%m")
        differences = rebuild(Table(client=client, name=os.environ["TABLE_NAME"]), month, write=args.write)
        for difference in differences:
            print(difference)
        if not differences:
            print("rollups agree with the source items")
            return 0
        print(f"{len(differences)} difference(s)" + (": repaired" if args.write else ""), file=sys.stderr)
        return 0 if args.write else 1
    finally:
        if database is not None:
            database.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
