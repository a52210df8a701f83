"""CloudWatch metrics for the redirect without Powertools: one Embedded Metric Format line printed to stdout,
which Lambda sends to CloudWatch Logs and CloudWatch turns into metrics (no API call, no extra request time).

Standard library only (the redirect's cold-start budget). The namespace and the `service` dimension are the
ones Powertools uses elsewhere (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME, passed in by the
function module), so the redirect's metrics sit beside the other functions' on the same dashboard.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO


class EmfCounter:
    """Counts written as EMF lines: `counter.count("Clicks")` -> ReferralProgram/Clicks{service=...} += 1."""

    def __init__(
        self,
        namespace: str,
        service: str,
        *,
        stream: Callable[[], TextIO] = lambda: sys.stdout,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.namespace = namespace
        self.service = service
        self._stream = stream
        self._clock = clock
        self._templates: dict[str, str] = {}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], default_service: str = "referral-redirect") -> EmfCounter:
        """The counter of a function's environment: Powertools' namespace and service variables."""
        namespace = environ.get("POWERTOOLS_METRICS_NAMESPACE") or "ReferralProgram"
        return cls(namespace, environ.get("POWERTOOLS_SERVICE_NAME") or default_service)

    def line(self, name: str, value: int = 1) -> str:
        """The EMF JSON line of one count (a metric `name` of unit Count, dimension `service`)."""
        template = self._templates.get(name)
        if template is None:  # built once per metric name: a click then costs one format and one write
            declaration = {
                "_aws": {
                    "Timestamp": 0,
                    "CloudWatchMetrics": [
                        {
                            "Namespace": self.namespace,
                            "Dimensions": [["service"]],
                            "Metrics": [{"Name": name, "Unit": "Count"}],
                        }
                    ],
                },
                "service": self.service,
                name: 0,
            }
            text = json.dumps(declaration, separators=(",", ":")).replace("%", "%%")
            template = text.replace('"Timestamp":0', '"Timestamp":%d', 1)
            template = template[: template.rindex(":0}")] + ":%d}"
            self._templates[name] = template
        return template % (int(self._clock() * 1000), value)

    def count(self, name: str, value: int = 1) -> None:
        """Print one count; a closed or broken stdout never fails the caller (a metric is not worth a visit)."""
        with contextlib.suppress(OSError, ValueError):
            stream = self._stream()
            stream.write(self.line(name, value) + "\n")
            stream.flush()
