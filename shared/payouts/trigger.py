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
from shared.payouts.rules import ensure_period_ended, parse_period


def start_payout_run(ctx: AppContext, period: str, *, dry_run: bool = False) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body): 202 when the payout function was invoked, 200 with the summary when run here, 200
    with the preview for a dry run; 409 `period_not_ended` for a paying run of a month that has not ended."""
    period = parse_period(period)
    if dry_run:
        from shared.payouts.run import PayoutRun  # noqa: PLC0415

        return 200, PayoutRun(ctx, None, timezone=ctx.settings.payout_timezone).preview(period)
    # Checked here too: in AWS the run itself is asynchronous, and staff must see the refusal.
    ensure_period_ended(period, ctx.clock.now(), ctx.settings.payout_timezone)
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
