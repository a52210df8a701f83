"""Click metrics without Powertools: Embedded Metric Format lines printed by the redirect (shared.core.emf)."""

from __future__ import annotations

import io
import json
from typing import Any

from shared.core.emf import EmfCounter
from shared.links.redirect import Redirector
from tests.unit.links.test_redirect_rules import LINK_ITEM, NOW, PROGRAM_ITEM, FakeStore, visit


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_count_is_one_emf_line_cloudwatch_turns_into_a_metric() -> None:
    # Given a counter of the ReferralProgram namespace for the redirect's service
    out = io.StringIO()
    counter = EmfCounter("ReferralProgram", "referral-redirect", stream=lambda: out, clock=lambda: 1_795_000_000.5)
    # When it counts one click
    counter.count("Clicks")
    # Then one JSON line declares the metric (namespace, dimension service, unit Count) and holds its value
    [line] = _lines(out)
    assert line["_aws"] == {
        "Timestamp": 1_795_000_000_500,
        "CloudWatchMetrics": [
            {
                "Namespace": "ReferralProgram",
                "Dimensions": [["service"]],
                "Metrics": [{"Name": "Clicks", "Unit": "Count"}],
            }
        ],
    }
    assert (line["service"], line["Clicks"]) == ("referral-redirect", 1)


def test_the_namespace_and_service_come_from_powertools_variables() -> None:
    # Given a function environment with Powertools' variables, and one without
    configured = EmfCounter.from_environ({"POWERTOOLS_METRICS_NAMESPACE": "Acme", "POWERTOOLS_SERVICE_NAME": "r"})
    bare = EmfCounter.from_environ({})
    # Then the first uses them and the second the template's defaults
    assert (configured.namespace, configured.service) == ("Acme", "r")
    assert (bare.namespace, bare.service) == ("ReferralProgram", "referral-redirect")


def test_a_closed_stdout_never_fails_the_redirect() -> None:
    # Given a counter whose stream is closed
    closed = io.StringIO()
    closed.close()
    counter = EmfCounter("ReferralProgram", "referral-redirect", stream=lambda: closed)
    # When it counts, Then nothing is raised
    counter.count("Clicks")


def test_a_counted_click_and_a_lost_count_are_both_measured() -> None:
    # Given a redirector with click metrics
    out = io.StringIO()
    store = FakeStore(LINK_ITEM, PROGRAM_ITEM)
    metrics = EmfCounter("ReferralProgram", "referral-redirect", stream=lambda: out)
    redirector = Redirector(store, "default", lambda: "secret", clock=lambda: NOW, metrics=metrics)  # type: ignore[arg-type]
    # When one click is counted, one fails to be written, and a bot is redirected
    redirector.answer(visit())
    store.fail_writes = True
    redirector.answer(visit(source_ip="198.51.100.9"))
    redirector.answer(visit(user_agent="Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"))
    # Then the metrics say one click counted and one not (a bot is not a click)
    names = [next(m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for line in _lines(out)]
    assert names == ["Clicks", "ClicksNotCounted"]
