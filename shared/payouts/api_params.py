"""Path and query parameters and the CSV answer the payouts routes share, admin and partner alike: here, so the
partner API does not import the admin routes (and what they import: audit, release, the run trigger) for them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.event_handler.openapi.params import Query

from shared.payouts.rules import PERIOD_PATTERN

PeriodPath = Annotated[str, PathParam(pattern=PERIOD_PATTERN)]
Currency = Annotated[str, PathParam(pattern=r"^[A-Za-z]{3}$")]
StatementFormat = Annotated[str, Query(pattern=r"^(json|csv)$")]


def csv_response(text: str, filename: str) -> Response:
    """A CSV download that caches nowhere."""
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=text,
        headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{filename}"'},
    )
