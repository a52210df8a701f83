"""Start a period's payout run from the admin API.

In AWS the admin function does not pay anyone itself: it invokes the payout function asynchronously (the
same entry point as the monthly schedule, which fans out to one worker per payable shard), so the run
keeps its 15-minute limit, its retries and its dead-letter queue. Locally, where no payout function name
is configured, the run happens in-process, as `make payouts` does.
"""

from __future__ import annotations

import json
from typing import Any

from shared.context import AppContext
from shared.payouts.rules import parse_period


def start_payout_run(ctx: AppContext, period: str) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body): 202 when the payout function was invoked, 200 with the summary when run here."""
    period = parse_period(period)
    function_name = ctx.settings.payouts_function_name
    if function_name:
        import boto3  # noqa: PLC0415 - only this route needs a Lambda client

        boto3.client("lambda").invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=json.dumps({"period": period, "dry_run": False}).encode(),
        )
        return 202, {"status": "started", "period": period}
    from shared.payouts.run import PayoutRun  # noqa: PLC0415
    from shared.payouts.transfers import StripeTransfers  # noqa: PLC0415

    run = PayoutRun(ctx, StripeTransfers.from_env(), timezone=ctx.settings.payout_timezone)
    return 200, {"status": "done", **run.run(period).as_json()}
