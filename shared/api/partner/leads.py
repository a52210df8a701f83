"""Partner routes: the partner's own leads (filled in by the leads issue)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

router = Router()
