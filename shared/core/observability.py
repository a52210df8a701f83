"""Powertools Logger, Metrics and Tracer: one instance each, imported by every function.

`tracer` is a `SampledTracer`: the Powertools Tracer (which imports the X-Ray SDK, about 120 ms, and patches
botocore) is created on the first invocation X-Ray samples, not at import. An invocation that is not sampled
records nothing in the SDK anyway, so a container that never sees a sampled request never pays for it; the
Lambda service still records every sampled invocation's own segment, and botocore still forwards the trace
header. Tracing is off outside Lambda and with POWERTOOLS_TRACE_DISABLED=true, as Powertools decides.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing import tracer as powertools_tracing

F = TypeVar("F", bound=Callable[..., Any])

# Lambda sets this per invocation: `Root=...;Parent=...;Sampled=1` when X-Ray records the invocation.
TRACE_HEADER_ENV = "_X_AMZN_TRACE_ID"


def invocation_sampled() -> bool:
    """True when X-Ray samples the current invocation (the runtime's trace header says `Sampled=1`)."""
    header = os.environ.get(TRACE_HEADER_ENV, "")
    return any(part.strip() == "Sampled=1" for part in header.split(";"))


class SampledTracer:
    """Powertools Tracer's decorators, with the Tracer itself created on the first sampled invocation."""

    def __init__(self, *, is_sampled: Callable[[], bool] = invocation_sampled) -> None:
        self._is_sampled = is_sampled
        self._enabled: bool | None = None
        self._tracer: Tracer | None = None
        self._invoked = False

    @property
    def enabled(self) -> bool:
        """Powertools' own rule, decided once: in Lambda (not SAM local) and not POWERTOOLS_TRACE_DISABLED."""
        if self._enabled is None:
            self._enabled = not Tracer._is_tracer_disabled()
        return self._enabled

    @property
    def started(self) -> bool:
        """True once the X-Ray SDK has been imported and the Powertools Tracer created."""
        return self._tracer is not None

    def recording(self) -> bool:
        """True when this invocation is traced: tracing enabled and the invocation sampled."""
        return self.enabled and self._is_sampled()

    def _real(self) -> Tracer:
        if self._tracer is None:
            if self._invoked:
                # Powertools annotates ColdStart from its first traced invocation; this container's was earlier.
                powertools_tracing.is_cold_start = False
            self._tracer = Tracer()  # imports the X-Ray SDK and patches botocore, once per container
        return self._tracer

    def capture_lambda_handler(self, handler: F) -> F:
        """Powertools' `capture_lambda_handler` on sampled invocations; a plain call on the others."""
        traced: Callable[..., Any] | None = None

        @functools.wraps(handler)
        def decorate(event: Any, context: Any) -> Any:
            nonlocal traced
            recording = self.recording()
            try:
                if not recording:
                    return handler(event, context)
                if traced is None:
                    traced = self._real().capture_lambda_handler(handler)
                return traced(event, context)
            finally:
                self._invoked = True

        return decorate  # type: ignore[return-value]

    def capture_method(self, method: F) -> F:
        """Powertools' `capture_method` (a subsegment) on sampled invocations; a plain call on the others."""
        traced: Callable[..., Any] | None = None

        @functools.wraps(method)
        def decorate(*args: Any, **kwargs: Any) -> Any:
            nonlocal traced
            if not self.recording():
                return method(*args, **kwargs)
            if traced is None:
                traced = self._real().capture_method(method)
            return traced(*args, **kwargs)

        return decorate  # type: ignore[return-value]


logger = Logger()
metrics = Metrics(namespace="ReferralProgram")
tracer = SampledTracer()
