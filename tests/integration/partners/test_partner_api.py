"""Partner API: each partner's own credential; no route ever returns another partner's data."""

from __future__ import annotations

import pytest

from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN, given_api_key, given_partner, given_program, partner_headers

pytestmark = pytest.mark.integration


def test_a_partner_sees_only_its_own_profile(api: ApiClient) -> None:
    # Given two partners, each with its own key
    given_program(api)
    ada = given_partner(api, email="ada@partner.example")
    bob = given_partner(api, email="bob@partner.example")
    ada_key, bob_key = given_api_key(api, ada["partner_id"]), given_api_key(api, bob["partner_id"])
    # When each asks for /partner/me
    ada_me = api.get("/partner/me", headers=partner_headers(ada_key)).json
    bob_me = api.get("/partner/me", headers=partner_headers(bob_key)).json
    # Then each gets its own profile
    assert ada_me["partner_id"] == ada["partner_id"]
    assert bob_me["partner_id"] == bob["partner_id"]


def test_the_partner_id_comes_from_the_key_not_the_request(api: ApiClient) -> None:
    given_program(api)
    ada = given_partner(api, email="ada@partner.example")
    bob = given_partner(api, email="bob@partner.example")
    ada_key = given_api_key(api, ada["partner_id"])
    response = api.get(
        "/partner/me",
        headers={**partner_headers(ada_key), "X-Partner-Id": bob["partner_id"]},
        query={"partner_id": bob["partner_id"]},
    )
    assert response.json["partner_id"] == ada["partner_id"]


@pytest.mark.parametrize("header", [None, "Bearer rpk_unknown", ADMIN["Authorization"], "Basic abc", "Bearer "])
def test_missing_unknown_or_foreign_credentials_get_401(api: ApiClient, header: str | None) -> None:
    given_program(api)
    headers = {"Authorization": header} if header else {}
    response = api.get("/partner/me", headers=headers)
    assert (response.status, response.error_code) == (401, "unauthorized")


def test_a_revoked_key_stops_working_and_is_shown_only_once(api: ApiClient) -> None:
    given_program(api)
    ada = given_partner(api)
    key = given_api_key(api, ada["partner_id"])
    listed = api.get(f"/admin/partners/{ada['partner_id']}/api-keys", headers=ADMIN).json["items"]
    assert len(listed) == 1 and "api_key" not in listed[0] and "key_hash" not in listed[0]
    assert key not in api.get(f"/admin/partners/{ada['partner_id']}/api-keys", headers=ADMIN).body.decode()

    revoked = api.delete(f"/admin/partners/{ada['partner_id']}/api-keys/{listed[0]['key_id']}", headers=ADMIN)
    assert revoked.status == 200 and revoked.json["revoked_at"]
    assert api.get("/partner/me", headers=partner_headers(key)).status == 401


def test_an_admin_cannot_revoke_a_key_through_another_partner(api: ApiClient) -> None:
    given_program(api)
    ada = given_partner(api, email="ada@partner.example")
    bob = given_partner(api, email="bob@partner.example")
    key = given_api_key(api, ada["partner_id"])
    key_id = api.get(f"/admin/partners/{ada['partner_id']}/api-keys", headers=ADMIN).json["items"][0]["key_id"]
    response = api.delete(f"/admin/partners/{bob['partner_id']}/api-keys/{key_id}", headers=ADMIN)
    assert response.status == 404
    assert api.get("/partner/me", headers=partner_headers(key)).status == 200
