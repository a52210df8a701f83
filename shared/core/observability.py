"""Powertools Logger, Metrics and Tracer: one instance each, imported by every function."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics(namespace="ReferralProgram")
tracer = Tracer()
