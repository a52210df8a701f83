"""Invoke one function of template.yaml once against the local stack:
`python -m devstack.invoke payouts '{"period": "2026-10"}'`.

Uses the DynamoDB Local of a running `make dev`, or starts one on the same data for the call.
"""

from __future__ import annotations

import json
import os
import sys

from devstack.dynamodb_local import DynamoDBLocal, create_table, local_environment, make_local_client, port_open
from devstack.env import load_dotenv
from devstack.template import ROOT


def main(argv: list[str]) -> int:
    """Run the named function with the given JSON event and print its result."""
    if len(argv) != 2:
        print("usage: python -m devstack.invoke FUNCTION 'JSON_EVENT'", file=sys.stderr)
        return 2
    name, raw_event = argv
    event = json.loads(raw_event)
    load_dotenv()
    port = int(os.environ.get("DYNAMODB_PORT", "8000"))
    database = None
    if not port_open(port):
        database = DynamoDBLocal(port, data_dir=ROOT / ".local" / "dynamodb", log_path=ROOT / ".local" / "dynamodb.log")
        database.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        os.environ.update(local_environment(endpoint))
        create_table(make_local_client(endpoint), os.environ["TABLE_NAME"])
        from devstack.lambda_runtime import LocalLambdas

        lambdas = LocalLambdas()
        if name not in lambdas.specs:
            print(f"no function {name!r}; functions: {', '.join(sorted(lambdas.specs))}", file=sys.stderr)
            return 2
        result = lambdas.invoke(name, event)
        print(json.dumps(result, indent=2, default=str))
        return 0
    finally:
        if database is not None:
            database.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
