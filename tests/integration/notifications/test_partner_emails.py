"""Partner emails: one per qualifying event in the partner's language, none for a redelivery, none of a kind
the partner turned off in the portal (sign-in emails always), and the monthly summary once per month."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from shared.context import AppContext
from shared.core.mail import Email
from shared.notifications import service
from shared.onboarding import service as onboarding
from shared.partners import service as partners
from shared.partners.models import Partner
from tests.helpers.api import ApiClient
from tests.helpers.browser_client import PageClient

pytestmark = pytest.mark.integration


def emails(folder: Path) -> list[EmailMessage]:
    """The emails written so far, oldest first."""
    return [
        email.message_from_bytes(p.read_bytes(), _class=EmailMessage, policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def event(event_id: str, event_type: str, partner: Partner, **data: Any) -> dict[str, Any]:
    """A published event body (what the bus carries in `detail`)."""
    return {"id": event_id, "type": event_type, "created": 1793613600, "partner_id": partner.partner_id, "data": data}


def earned(event_id: str, partner: Partner, amount: int, **extra: Any) -> dict[str, Any]:
    return event(
        event_id, "commission.created", partner, commission_id=f"com_{event_id}", status="pending", rule="lead_bounty",
        amount={"amount": amount, "currency": "USD"}, reverses=extra.pop("reverses", None), **extra,
    )  # fmt: skip


def paid(event_id: str, partner: Partner) -> dict[str, Any]:
    return event(
        event_id, "payout.paid", partner, period="2026-10", commission_count=3,
        amount={"amount": 12550, "currency": "USD"}, reference="TX-9",
    )  # fmt: skip


def qualified(event_id: str, partner: Partner) -> dict[str, Any]:
    return event(
        event_id, "lead.status_changed", partner, lead_id="led_1", status="qualified", previous_status="new",
        email_masked="g***@prospect.example",
    )  # fmt: skip


def test_each_event_a_partner_cares_about_sends_one_email_in_its_language(
    ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    # Given Ada reads Portuguese
    partners.set_language(ctx, ada.partner_id, "pt_BR")
    # When a commission, a payout and a lead move reach the notifier, and the commission's event comes twice
    outcomes = [
        service.notify(ctx, earned("evt_c1", ada, 5000)),
        service.notify(ctx, earned("evt_c1", ada, 5000)),
        service.notify(ctx, paid("evt_p1", ada)),
        service.notify(ctx, qualified("evt_l1", ada)),
    ]
    # Then three emails, in Portuguese, the redelivery deduplicated by the event id
    assert outcomes == ["sent", "duplicate", "sent", "sent"]
    subjects = [m["Subject"] for m in emails(mail_dir)]
    assert subjects == [
        "Você ganhou uma comissão de US$\xa050,00",
        "Enviamos um pagamento de US$\xa0125,50",
        "Seu lead agora está qualificado",
    ]
    payout_text = text_of(emails(mail_dir)[1])
    assert "Ele cobre 3 comissões." in payout_text and "Referência: TX-9" in payout_text
    assert "referentes a outubro de 2026." in payout_text  # the month in her language, not "2026-10"


def test_events_that_are_not_news_for_the_partner_send_nothing(ctx: AppContext, ada: Partner, mail_dir: Path) -> None:
    outcomes = [
        service.notify(ctx, earned("evt_r1", ada, -5000, reverses="com_x")),  # a clawback is not an earning
        service.notify(ctx, event("evt_n1", "lead.created", ada, lead_id="led_1", status="new")),
        service.notify(ctx, event("evt_x1", "payout.created", ada, period="2026-10")),
        service.notify(ctx, {**qualified("evt_o1", ada), "partner_id": "ptr_someone_else"}),
    ]
    assert outcomes == ["ignored", "ignored", "ignored", "no_partner"]
    assert emails(mail_dir) == []


def test_an_applicant_hears_its_application_was_received_in_the_language_it_applied_in(
    api: ApiClient, ctx: AppContext, program: None, mail_dir: Path
) -> None:
    # Given an application made in Portuguese (the applicant's partner is still pending)
    application = onboarding.apply(
        ctx,
        onboarding.ApplicationInput.model_validate(
            {"name": "Grace", "email": "grace@apply.example", "promotion": "blog", "accept_terms": True}
        ),
        ip_subject="ip",
        language="pt_BR",
    )
    assert application is not None
    applicant = ctx.partners.get(application.partner_id)
    # When its partner.applied event reaches the notifier
    outcome = service.notify(ctx, event("evt_a1", "partner.applied", applicant, language="pt_BR"))
    # Then the applicant got the acknowledgement in Portuguese, without an unsubscribe link (it always goes)
    [message] = emails(mail_dir)
    assert outcome == "sent" and message["To"] == "grace@apply.example"
    assert message["Subject"] == "Recebemos a sua inscrição no programa de parceiros"
    assert "unsubscribe" not in text_of(message).lower()


def test_the_unsubscribe_link_opens_the_settings_and_saving_stops_that_kind_only(
    api: ApiClient, ctx: AppContext, ada: Partner, mail_dir: Path
) -> None:
    # Given Ada got a lead update whose unsubscribe link she follows, signed in
    service.notify(ctx, qualified("evt_l1", ada))
    link = text_of(emails(mail_dir)[-1]).split("Unsubscribe: ")[1].split()[0]
    assert link == "http://127.0.0.1:3000/portal/notifications?unsubscribe=leads"
    browser = PageClient(api, ip="198.51.100.31")
    assert browser.sign_in(ada.email, mail_dir).status == 303
    page = browser.get("/portal/notifications", query={"unsubscribe": "leads"})
    # Then the settings page shows every kind on but lead updates, which she confirms with Save
    assert page.status == 200
    assert 'name="kind_leads" value="on">' in browser.text and 'name="kind_summary" value="on" checked>' in browser.text
    saved = browser.post(
        "/portal/notifications", {"kind_commissions": "on", "kind_payouts": "on", "kind_summary": "on"}
    )
    assert saved.status == 303 and saved.headers["location"] == "/portal/notifications?saved=1"
    # When a lead update and a commission arrive
    count = len(emails(mail_dir))
    outcomes = [service.notify(ctx, qualified("evt_l2", ada)), service.notify(ctx, earned("evt_c2", ada, 900))]
    # Then only the commission is emailed
    assert outcomes == ["unsubscribed", "sent"] and len(emails(mail_dir)) == count + 1
    # And signing in still emails her a link (sign-in emails are never suppressed)
    assert browser.sign_in(ada.email, mail_dir).status == 303


def test_an_email_that_could_not_be_sent_is_sent_by_the_redelivery(
    ctx: AppContext, ada: Partner, mail_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given SES refuses the first attempt
    real_send = service.send
    attempts: list[Email] = []

    def flaky_send(message: Email) -> str:
        attempts.append(message)
        if len(attempts) == 1:
            raise ConnectionError("SES unreachable")
        return real_send(message)

    monkeypatch.setattr(service, "send", flaky_send)
    with pytest.raises(ConnectionError):
        service.notify(ctx, earned("evt_c3", ada, 700))
    # When EventBridge retries the event
    outcome = service.notify(ctx, earned("evt_c3", ada, 700))
    # Then it is sent then, once
    assert outcome == "sent" and len(emails(mail_dir)) == 1


def test_the_monthly_summary_reaches_each_partner_once_with_a_nudge_for_those_needing_attention(
    ctx: AppContext, ada: Partner, bob: Partner, mail_dir: Path
) -> None:
    # Given Ada (no payout method: the reports flag her) and Bob, who turned the summary off
    service.save_subscriptions(ctx, bob.partner_id, {"leads", "commissions", "payouts"})
    # When the summary runs on the 1st, and runs again
    first = service.send_monthly_summaries(ctx)
    second = service.send_monthly_summaries(ctx)
    # Then Ada got October's summary once, with the attention paragraph; Bob got none
    assert (first.month, first.sent, first.unsubscribed, first.needs_attention) == ("2026-10", 1, 1, 1)
    assert (second.sent, second.duplicate) == (0, 1)
    [message] = emails(mail_dir)
    assert message["To"] == ada.email and message["Subject"] == "Your partner summary for October 2026"
    text = text_of(message)
    assert "Clicks: 0" in text and "Needs your attention" in text
    assert "Add a payout method in the portal so that we can pay what you earn." in text
