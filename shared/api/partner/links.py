"""Partner routes: the partner's own links (filled in by the links issue)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()
