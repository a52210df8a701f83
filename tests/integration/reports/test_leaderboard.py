"""The leaderboard and a partner's rank read the month's ranking snapshot: one BatchGetItem while it is current,
computed again as soon as a counted change moves the program's month (or the metric changes); a busy month
(more than BUSY_MONTH ranked partners) recomputes at most once a minute."""

from __future__ import annotations

import pytest

from devstack.streams import StreamPoller
from shared.context import AppContext
from shared.core.clock import FixedClock
from shared.partners.models import Partner
from shared.reports import service
from tests.helpers.api import ApiClient, lambdas
from tests.helpers.factories import ADMIN, given_api_key, partner_headers

pytestmark = pytest.mark.integration
MONTH = "2026-11"


def qualified_leads(api: ApiClient, code: str, count: int, start: int) -> None:
    for n in range(start, start + count):
        lead_id = api.post("/leads", json={"email": f"p{n}@prospect.example", "ref": code}).json["lead_id"]
        assert api.post(f"/admin/leads/{lead_id}/status", json={"status": "qualified"}, headers=ADMIN).status == 200


def board(api: ApiClient) -> list[tuple[int, str, int]]:
    response = api.get("/admin/reports/leaderboard", query={"month": MONTH}, headers=ADMIN)
    assert response.status == 200, response.body
    return [(row["rank"], row["name"], row["score"]) for row in response.json["items"]]


def test_the_board_is_one_request_while_current_and_follows_every_counted_change(
    api: ApiClient, ctx: AppContext, ada: Partner, bob: Partner
) -> None:
    # Given Ada with two qualified leads and Bob with one, ranked by qualified leads
    stream = StreamPoller(ctx.table.client, ctx.table.name, lambdas().invoke)
    settings = {"metric": "qualified_leads", "currency": "USD", "partners_see_names": False}
    assert api.put("/admin/reports/recognition-settings", json=settings, headers=ADMIN).status == 200
    qualified_leads(api, "ada-link", 2, 0)
    qualified_leads(api, "bob-link", 1, 10)
    stream.drain()
    assert board(api) == [(1, "Ada Lovelace", 2), (2, "Bob Builder", 1)]

    # When staff read it again with nothing changed
    before = ctx.table.request_count
    assert board(api) == [(1, "Ada Lovelace", 2), (2, "Bob Builder", 1)]
    # Then the read is one BatchGetItem (settings, snapshot and the program's month)
    assert ctx.table.request_count - before == 1

    # When Bob's next two leads are qualified and counted
    qualified_leads(api, "bob-link", 2, 20)
    stream.drain()
    # Then the board and Bob's own rank follow at once
    assert board(api) == [(1, "Bob Builder", 3), (2, "Ada Lovelace", 2)]
    key = given_api_key(api, bob.partner_id)
    rank = api.get("/partner/reports/rank", query={"month": MONTH}, headers=partner_headers(key)).json
    assert (rank["rank"], rank["score"], rank["ranked"]) == (1, 3, 2)

    # When the program ranks by revenue instead (nobody has any)
    settings["metric"] = "revenue"
    assert api.put("/admin/reports/recognition-settings", json=settings, headers=ADMIN).status == 200
    # Then the board is computed again on the new metric
    assert board(api) == []


def test_a_busy_month_serves_its_snapshot_for_a_minute_then_recomputes(
    api: ApiClient, ctx: AppContext, clock: FixedClock, ada: Partner, *, bob: Partner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a month counted as busy, ranked once
    monkeypatch.setattr(service, "BUSY_MONTH", 0)
    stream = StreamPoller(ctx.table.client, ctx.table.name, lambdas().invoke)
    settings = {"metric": "qualified_leads", "currency": "USD", "partners_see_names": False}
    assert api.put("/admin/reports/recognition-settings", json=settings, headers=ADMIN).status == 200
    qualified_leads(api, "ada-link", 1, 0)
    stream.drain()
    assert board(api) == [(1, "Ada Lovelace", 1)]

    # When Bob qualifies two leads within the minute
    qualified_leads(api, "bob-link", 2, 10)
    stream.drain()
    # Then the board read within the minute is the snapshot's
    assert board(api) == [(1, "Ada Lovelace", 1)]
    # And a minute later it is computed again
    clock.advance(seconds=61)
    assert board(api) == [(1, "Bob Builder", 2), (2, "Ada Lovelace", 1)]
