"""template.yaml's alarms (docs/observability.md): every function and every dead-letter queue has one, and every
alarm notifies the alarm topic, so a function or queue added later cannot ship unwatched."""

from __future__ import annotations

import json
import pathlib
import re
from typing import Any

import pytest

from devstack.template import load_template

RESOURCES: dict[str, Any] = load_template()["Resources"]
ALARMS = {name: r for name, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
FUNCTIONS = sorted(name for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function")
# Dead-letter queues of the template, and the one SAM makes for the payout schedule (ScheduleV2 DeadLetterConfig).
QUEUES = sorted(
    [name for name, r in RESOURCES.items() if r["Type"] == "AWS::SQS::Queue" and "DeadLetter" in name]
    + ["PayoutsFunctionMonthlyQueue"]
)


def _watching(namespace: str, metric: str, dimension: str, value: Any) -> list[dict[str, Any]]:
    return [
        alarm
        for alarm in ALARMS.values()
        if alarm["Properties"].get("Namespace") == namespace
        and alarm["Properties"].get("MetricName") == metric
        and {"Name": dimension, "Value": value} in alarm["Properties"].get("Dimensions", [])
    ]


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_an_errors_and_a_throttles_alarm(function: str, metric: str) -> None:
    # Given a function of the template
    # Then one alarm watches its Lambda metric, created exactly when the function is
    [alarm] = _watching("AWS/Lambda", metric, "FunctionName", {"Ref": function})
    assert alarm.get("Condition") == RESOURCES[function].get("Condition")


@pytest.mark.parametrize("queue", QUEUES)
def test_every_dead_letter_queue_has_an_alarm(queue: str) -> None:
    # Given a dead-letter queue: one message in it is something that failed every retry
    # Then an alarm fires on its first visible message
    [alarm] = _watching(
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", {"Fn::GetAtt": f"{queue}.QueueName"}
    )
    assert (alarm["Properties"]["Threshold"], alarm["Properties"]["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears() -> None:
    topic = [{"Ref": "AlarmTopic"}]
    assert ALARMS
    for name, alarm in ALARMS.items():
        assert (alarm["Properties"]["AlarmActions"], alarm["Properties"]["OKActions"]) == (topic, topic), name
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching", name


# ---------------------------------------------------------------- the metrics they read exist
ROOT = pathlib.Path(__file__).resolve().parents[2]
CODE = "\n".join(p.read_text() for p in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("functions/*/*.py")])
SERVICES = {
    r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for r in RESOURCES.values()
    if r["Type"] == "AWS::Serverless::Function"
}
FILTERED = {
    t["MetricName"]
    for r in RESOURCES.values()
    if r["Type"] == "AWS::Logs::MetricFilter"
    for t in r["Properties"]["MetricTransformations"]
}


def _dashboard_metrics() -> list[list[Any]]:
    body, variables = RESOURCES["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for name, value in variables.items():  # the conditional rows, as when their condition holds
        enabled = value["Fn::If"][1]
        body = body.replace("${" + name + "}", enabled["Fn::Sub"] if isinstance(enabled, dict) else enabled)
    text = re.sub(r"\$\{[A-Za-z0-9:.]+\}", "x", body)
    return [m for w in json.loads(text)["widgets"] for m in w["properties"]["metrics"]]


def _alarm_metrics() -> list[list[Any]]:
    found = []
    for alarm in ALARMS.values():
        props = alarm["Properties"]
        stats = (
            [props]
            if "MetricName" in props
            else [m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m]
        )
        for stat in stats:
            dimensions = [v for d in stat.get("Dimensions", []) for v in (d["Name"], d["Value"])]
            found.append([stat["Namespace"], stat["MetricName"], *dimensions])
    return found


def _emitted(name: str) -> bool:
    """Whether the code (or a metric filter) produces a metric of this name."""
    if name in FILTERED or f'"{name}"' in CODE:
        return True
    prefix, _, suffix = name.partition("_")
    if prefix == "Payouts":  # Payouts_<outcome>: the counts of shared.payouts.run.RunSummary
        return f"    {suffix}: int = 0" in CODE
    if prefix == "StripeEvent":  # StripeEvent_<outcome>: the outcomes of shared.commissions.webhook
        return f'Outcome("{suffix}"' in CODE
    return False


def test_every_program_metric_an_alarm_or_the_dashboard_reads_is_emitted_by_its_service() -> None:
    # Given the ReferralProgram metrics the alarms and the dashboard read
    read = [m for m in _alarm_metrics() + _dashboard_metrics() if m[0] == "ReferralProgram"]
    assert len(read) > 20
    for metric in read:
        # Then the code emits each (an alarm on a name nobody emits would never fire)
        assert _emitted(metric[1]), metric
        # And its service dimension is a function's POWERTOOLS_SERVICE_NAME
        if len(metric) > 2:
            assert metric[2] == "service" and metric[3] in SERVICES, metric


def test_the_webhook_metric_filters_read_fields_the_access_log_writes() -> None:
    # Given the HTTP API's access-log format and the Stripe webhook's route
    log_format = json.loads(RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]["Format"])
    webhook_route = RESOURCES["StripeWebhookFunction"]["Properties"]["Events"]["Post"]["Properties"]
    route_key = f"{webhook_route['Method']} {webhook_route['Path']}"
    # Then the log writes the route key and the status, and both filters select that route by them
    assert (log_format["routeKey"], log_format["status"]) == ("$context.routeKey", "$context.status")
    for name in ("StripeWebhookRequestsMetricFilter", "StripeWebhook5xxMetricFilter"):
        pattern = RESOURCES[name]["Properties"]["FilterPattern"]
        assert f'$.routeKey = "{route_key}"' in pattern, name
    assert "($.status = 5*)" in RESOURCES["StripeWebhook5xxMetricFilter"]["Properties"]["FilterPattern"]
