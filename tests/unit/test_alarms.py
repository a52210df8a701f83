"""template.yaml's alarms (docs/observability.md): every function and every dead-letter queue has one, and every
alarm notifies the alarm topic, so a function or queue added later cannot ship unwatched."""

from __future__ import annotations

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
