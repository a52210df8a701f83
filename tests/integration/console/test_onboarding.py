"""Applications at /apply, the staff queue (approve, reject), invitations, and the audit trail they leave."""

from __future__ import annotations

import re
from pathlib import Path

from shared.audit import service as audit
from shared.context import AppContext
from shared.onboarding import service as onboarding
from shared.onboarding.models import Application, ApplicationStatus
from shared.partners import service as partners
from shared.partners.models import Partner, PartnerStatus
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient, newest_email, newest_sign_in_link, text_body

from .conftest import STAFF

ANSWERS = {
    "name": "Dana Agency",
    "email": "Dana@Agency.example",
    "company": "Dana & Co",
    "website": "https://dana.example",
    "audience": "Shop owners",
    "promotion": "Webinars",
    "accept_terms": "on",
}


def test_a_visitor_applies_and_waits_pending_with_the_answers_kept(
    browser: PageClient, ctx: AppContext, program: None
) -> None:
    # When a visitor fills in /apply
    page = browser.get("/apply")
    assert page.status == 200
    for name in ("name", "email", "company", "website"):
        assert f'name="{name}"' in browser.text
    answer = browser.post("/apply", ANSWERS)
    # Then they are thanked, and a pending partner holds their answers
    assert answer.status == 303 and answer.headers["location"] == "/apply/thanks"
    assert "Thank you for applying" in (browser.get("/apply/thanks"), browser.text)[1]
    partner = partners.find_by_email(ctx, "dana@agency.example")
    assert partner is not None and partner.status is PartnerStatus.PENDING
    kept = onboarding.application_of(ctx, partner.partner_id)
    assert kept is not None
    assert (kept.company, kept.website, kept.audience, kept.promotion) == (
        "Dana & Co",
        "https://dana.example/",
        "Shop owners",
        "Webinars",
    )
    assert kept.terms_version == "2026-11"
    assert [a.partner_id for a in onboarding.pending(ctx)] == [partner.partner_id]


def test_the_application_form_speaks_portuguese(api: ApiClient, program: None) -> None:
    client = PageClient(api, accept_language="pt-BR,pt;q=0.9")
    client.get("/apply")
    assert "Candidate-se ao programa de parceiros" in client.text


def test_missing_answers_are_shown_next_to_their_fields(browser: PageClient, ctx: AppContext, program: None) -> None:
    browser.get("/apply")
    answer = browser.post("/apply", {**ANSWERS, "email": "not-an-email", "accept_terms": "", "website": "ftp://x"})
    assert answer.status == 422
    assert "Enter a valid email address." in browser.text
    assert "Accept the program's terms to apply." in browser.text
    assert "starting with https://" in browser.text
    assert 'value="Dana Agency"' in browser.text  # what was typed stays
    assert onboarding.pending(ctx) == []


def test_a_bot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(
    browser: PageClient, ctx: AppContext, program: None
) -> None:
    browser.get("/apply")
    answer = browser.post("/apply", {**ANSWERS, "nickname": "buy-now"})
    assert answer.status == 303 and answer.headers["location"] == "/apply/thanks"
    assert partners.find_by_email(ctx, "dana@agency.example") is None


def test_one_ip_applying_too_often_is_slowed_down(browser: PageClient, ctx: AppContext, program: None) -> None:
    statuses = []
    for number in range(onboarding.APPLICATIONS_PER_IP_PER_HOUR + 1):
        browser.get("/apply")
        statuses.append(browser.post("/apply", {**ANSWERS, "email": f"bot{number}@spam.example"}).status)
    assert statuses[:-1] == [303] * onboarding.APPLICATIONS_PER_IP_PER_HOUR
    assert statuses[-1] == 429


def test_an_email_already_a_partner_gets_the_same_answer(browser: PageClient, ctx: AppContext, ada: object) -> None:
    browser.get("/apply")
    answer = browser.post("/apply", {**ANSWERS, "email": "ada@partners.example"})
    assert answer.status == 303 and answer.headers["location"] == "/apply/thanks"
    assert onboarding.pending(ctx) == []


def test_staff_approve_an_application_and_the_partner_is_welcomed(
    staff: PageClient, ctx: AppContext, application: Application, mail_dir: Path, api: ApiClient
) -> None:
    # Given Carol waits in the queue
    staff.get("/console/applications")
    assert "Carol Consultant" in staff.text
    staff.get(f"/console/applications/{application.partner_id}")
    assert "A newsletter and workshops" in staff.text
    # When staff approve her on the standard plan with the code carol
    done = staff.post(
        f"/console/applications/{application.partner_id}/approve", {"plan_id": "std", "link_code": "carol"}
    )
    assert done.status == 303
    # Then she is active on that plan, with her first link
    partner = ctx.partners.get(application.partner_id)
    assert partner.status is PartnerStatus.ACTIVE and partner.plan_id == "std"
    assert [link.code for link in ctx.links.list_for_partner(partner.partner_id)] == ["carol"]
    assert onboarding.pending(ctx) == []
    # And her welcome email holds her link and a sign-in link that opens her portal
    welcome = newest_email(mail_dir)
    assert welcome["To"] == "carol@consulting.example"
    assert "/r/carol" in text_body(welcome)
    carol = PageClient(api, ip="203.0.113.9")
    link = newest_sign_in_link(mail_dir)
    carol.get(link)
    signed = carol.post("/portal/sign-in/confirm", {"token": link.rsplit("token=", 1)[1]})
    assert signed.status == 303 and signed.headers["location"] == "/portal/agreement"
    # And the audit trail says who approved her and when
    trail = audit.partner_trail(ctx, partner.partner_id)
    assert [(e.actor, e.action) for e in trail] == [(STAFF, "partner.approved"), ("applicant", "partner.applied")]
    assert trail[0].at == ctx.clock.now()
    staff.get(f"/console/partners/{partner.partner_id}")
    assert "partner.approved" in staff.text and STAFF in staff.text


def test_an_application_is_decided_once(staff: PageClient, ctx: AppContext, application: Application) -> None:
    staff.get(f"/console/applications/{application.partner_id}")
    token = staff.csrf()
    first = staff.post(f"/console/applications/{application.partner_id}/approve", {}, csrf=token)
    second = staff.post(f"/console/applications/{application.partner_id}/reject", {"reason": "late"}, csrf=token)
    assert first.status == 303 and second.status == 409
    assert ctx.partners.get(application.partner_id).status is PartnerStatus.ACTIVE
    assert len(ctx.links.list_for_partner(application.partner_id)) == 1


def test_staff_reject_with_a_reason_the_applicant_reads(
    staff: PageClient, ctx: AppContext, application: Application, mail_dir: Path
) -> None:
    staff.get(f"/console/applications/{application.partner_id}")
    # A rejection without a reason is refused
    assert staff.post(f"/console/applications/{application.partner_id}/reject", {"reason": " "}).status == 422
    done = staff.post(
        f"/console/applications/{application.partner_id}/reject", {"reason": "We only work with agencies."}
    )
    assert done.status == 303
    assert ctx.partners.get(application.partner_id).status is PartnerStatus.TERMINATED
    email = newest_email(mail_dir)
    assert email["To"] == "carol@consulting.example"
    assert "We only work with agencies." in text_body(email)
    kept = onboarding.application_of(ctx, application.partner_id)
    assert kept is not None and kept.status is ApplicationStatus.REJECTED and kept.decided_by == STAFF


def test_a_taken_link_code_stops_the_approval_before_any_change(
    staff: PageClient, ctx: AppContext, application: Application, ada: object
) -> None:
    staff.get(f"/console/applications/{application.partner_id}")
    answer = staff.post(f"/console/applications/{application.partner_id}/approve", {"link_code": "ada-link"})
    assert answer.status == 409
    assert ctx.partners.get(application.partner_id).status is PartnerStatus.PENDING
    assert [a.partner_id for a in onboarding.pending(ctx)] == [application.partner_id]


def test_staff_invite_a_partner(staff: PageClient, ctx: AppContext, mail_dir: Path) -> None:
    staff.get("/console/invite")
    done = staff.post("/console/invite", {"name": "Erin", "email": "erin@agency.example", "plan_id": "std"})
    assert done.status == 303
    partner = partners.find_by_email(ctx, "erin@agency.example")
    assert partner is not None and partner.status is PartnerStatus.ACTIVE and partner.plan_id == "std"
    assert len(ctx.links.list_for_partner(partner.partner_id)) == 1
    assert newest_email(mail_dir)["To"] == "erin@agency.example"
    assert [e.action for e in audit.program_trail(ctx)] == ["partner.invited"]


def test_staff_pause_a_partner_with_a_reason_and_it_is_recorded(
    staff: PageClient, ctx: AppContext, ada: object
) -> None:
    found = partners.find_by_email(ctx, "ada@partners.example")
    assert found is not None
    staff.get(f"/console/partners/{found.partner_id}")
    assert staff.post(f"/console/partners/{found.partner_id}/status", {"status": "paused", "reason": ""}).status == 422
    done = staff.post(f"/console/partners/{found.partner_id}/status", {"status": "paused", "reason": "Spam reports"})
    assert done.status == 303
    assert ctx.partners.get(found.partner_id).status is PartnerStatus.PAUSED
    staff.get(f"/console/partners/{found.partner_id}")
    assert "active -&gt; paused: Spam reports" in staff.last.body.decode() if staff.last else False
    staff.get("/console/audit")
    assert "partner.status_changed" in staff.text


def test_partner_search_finds_by_name_and_status(staff: PageClient, ada: object, bob: object) -> None:
    staff.get("/console/partners", {"q": "bob"})
    assert "Bob Builder" in staff.text and "Ada Lovelace" not in staff.text
    staff.get("/console/partners", {"status": "paused"})
    assert "No partner matches." in staff.text


def test_staff_text_is_escaped(staff: PageClient, ctx: AppContext, program: None) -> None:
    onboarding.apply(
        ctx,
        onboarding.ApplicationInput(
            name="<script>alert(1)</script>", email="x@y.example", promotion="<b>bold</b>", accept_terms=True
        ),
        ip_subject="ip",
        language=None,
    )
    staff.get("/console/applications")
    assert staff.last is not None and b"<script>alert(1)</script>" not in staff.last.body


def test_staff_create_a_link_and_issue_and_revoke_an_api_key(staff: PageClient, ctx: AppContext, ada: Partner) -> None:
    staff.get(f"/console/partners/{ada.partner_id}")
    assert "ada-link" in staff.text
    # A link with a code of staff's choosing; a taken code is refused on the page
    assert staff.post(f"/console/partners/{ada.partner_id}/links", {"code": "ada-events"}).status == 303
    assert {link.code for link in ctx.links.list_for_partner(ada.partner_id)} == {"ada-link", "ada-events"}
    staff.get(f"/console/partners/{ada.partner_id}")
    assert staff.post(f"/console/partners/{ada.partner_id}/links", {"code": "ada-events"}).status == 409
    # An API key whose secret is shown once, then revoked
    staff.get(f"/console/partners/{ada.partner_id}")
    issued = staff.post(f"/console/partners/{ada.partner_id}/api-keys", {"label": "CRM"})
    assert issued.status == 200 and "shown only this once" in staff.text
    (api_key,) = ctx.partners.list_api_keys(ada.partner_id)
    secret = re.search(r'id="new-secret" type="text" readonly value="([^"]+)"', staff.text)
    assert secret is not None and secret.group(1).startswith(api_key.prefix)
    assert staff.get(f"/console/partners/{ada.partner_id}").status == 200 and secret.group(1) not in staff.text
    assert staff.post(f"/console/partners/{ada.partner_id}/api-keys/{api_key.key_id}/revoke", {}).status == 303
    assert ctx.partners.list_api_keys(ada.partner_id)[0].revoked_at is not None
    actions = [e.action for e in audit.partner_trail(ctx, ada.partner_id)]
    assert actions == ["api_key.revoked", "api_key.issued", "link.created"]
