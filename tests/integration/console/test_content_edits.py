"""Two staff members editing the same agreement or resources never lose an edit: every write is conditional on
the version its page showed (and on the version read), and publishing a version is one transaction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.content import service as content
from shared.content.models import Resource, ResourceKind
from shared.content.store import ContentRepository
from shared.context import AppContext
from shared.core.errors import Conflict
from shared.partners.models import Partner
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient

OTHER_STAFF = "other@company.example"


def shown_version(client: PageClient) -> dict[str, str]:
    """The hidden `content_version` field of the page's forms, as a browser sends it back."""
    found = re.search(r'name="content_version" value="(\d+)"', client.text)
    assert found, "the page has no content_version field"
    return {"content_version": found.group(1)}


@pytest.fixture
def other_staff(api: ApiClient, mail_dir: Path, program: None) -> PageClient:
    """A second staff member's browser, signed in."""
    client = PageClient(api, ip="198.51.100.30")
    assert client.sign_in(OTHER_STAFF, mail_dir, area="/console").status == 303
    return client


def test_a_resource_edit_from_a_page_older_than_the_list_is_refused_and_loses_nothing(
    staff: PageClient, other_staff: PageClient, ctx: AppContext, ada: Partner
) -> None:
    # Given both staff members opened the resources page
    staff.get("/console/resources")
    seen = shown_version(staff)
    other_staff.get("/console/resources")
    # When one adds a resource, then the other removes the first one from the page it still shows
    fields = {"kind": "training", "title": "Demo script", "body": "Watch", **shown_version(other_staff)}
    assert other_staff.post("/console/resources", fields).status == 303
    refused = staff.post("/console/resources/0/delete", seen)
    # Then the second edit is refused with the list as it is now, and both resources are still there
    assert refused.status == 409 and "changed these resources meanwhile" in staff.text and "Demo script" in staff.text
    assert [r.title for r in content.program_content(ctx).resources] == ["Why customers buy", "FAQ", "Demo script"]
    # And from the page it now shows, the removal goes through
    assert staff.post("/console/resources/0/delete", shown_version(staff)).status == 303
    assert [r.title for r in content.program_content(ctx).resources] == ["FAQ", "Demo script"]


def test_an_agreement_published_from_an_older_page_is_refused(
    staff: PageClient, other_staff: PageClient, ctx: AppContext, ada: Partner
) -> None:
    staff.get("/console/agreement")
    seen = shown_version(staff)
    other_staff.get("/console/agreement")
    fields = {"version": "2027-01", "text": "New terms", **shown_version(other_staff)}
    assert other_staff.post("/console/agreement", fields).status == 303
    refused = staff.post("/console/agreement", {"version": "2027-02", "text": "Other terms", **seen})
    assert refused.status == 409 and "changed this agreement meanwhile" in staff.text
    assert content.program_content(ctx).agreement_version == "2027-01"
    assert [v.version for v in content.agreement_history(ctx)] == ["2027-01"]  # the refused one is not kept


def test_two_writers_of_the_same_read_one_wins_the_other_gets_a_conflict(ctx: AppContext, program: None) -> None:
    # Given two writers who read the same content
    repository = ContentRepository(ctx.table)
    seen = repository.find(ctx.program_id)
    assert seen is not None
    first = seen.model_copy(update={"resources": [], "version": seen.version + 1})
    second = seen.model_copy(
        update={"resources": [Resource(kind=ResourceKind.FAQ, title="Only", body="x")], "version": seen.version + 1}
    )
    # When both replace it
    repository.replace(first, seen)
    with pytest.raises(Conflict) as refused:
        repository.replace(second, seen)
    # Then the first write stands and the second is told
    assert refused.value.code == "content_changed"
    assert content.program_content(ctx).resources == []


def test_a_taken_version_name_writes_nothing(ctx: AppContext, program: None) -> None:
    content.publish_agreement(ctx, content.AgreementInput(version="2027-01", text="One"))
    before = content.program_content(ctx)
    with pytest.raises(Conflict) as refused:
        content.publish_agreement(ctx, content.AgreementInput(version="2027-01", text="Two"), group_id="agencies")
    assert refused.value.code == "agreement_version_exists"
    assert content.program_content(ctx) == before and content.scope_content(ctx, "agencies").version == 0
