"""Integration fixtures: one DynamoDB Local per test session (in memory, on a free port), a fresh table
per test, a clock the test moves, and an HTTP client that invokes the real handlers with v2 events.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.dynamodb_local import DynamoDBLocal, create_table, free_port, make_local_client
from shared import context as deps
from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.core.dynamo import Table
from shared.core.settings import Settings
from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN

_table_numbers = itertools.count()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """DynamoDB Local, started once for the session and stopped at its end."""
    instance = DynamoDBLocal(free_port())
    instance.start()
    os.environ["DYNAMODB_ENDPOINT"] = instance.endpoint
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def dynamodb_client(dynamodb_local: DynamoDBLocal) -> Any:
    """A boto3 client on DynamoDB Local."""
    return make_local_client(dynamodb_local.endpoint)


@pytest.fixture
def table(dynamodb_client: Any) -> Iterator[Table]:
    """A fresh table with the template's schema, deleted after the test."""
    name = f"t{os.getpid()}-{next(_table_numbers)}"
    create_table(dynamodb_client, name)
    yield Table(client=dynamodb_client, name=name)
    dynamodb_client.delete_table(TableName=name)


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at 2026-11-02 10:00 UTC until the test moves it."""
    return FixedClock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))


@pytest.fixture
def ctx(table: Table, clock: FixedClock) -> Iterator[AppContext]:
    """The AppContext every handler and service uses in this test."""
    context = AppContext(
        table=table,
        settings=Settings(table_name=table.name, program_id="default", admin_token=os.environ["ADMIN_TOKEN"]),
        clock=clock,
    )
    deps.set_context(context)
    yield context
    deps.set_context(None)


@pytest.fixture
def api(ctx: AppContext) -> ApiClient:
    """HTTP client over the real handlers, as API Gateway would invoke them."""
    return ApiClient()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    """The admin credential (`tests.helpers.factories.ADMIN`), for tests that take it as a fixture."""
    return dict(ADMIN)
