"""Local mail: one RFC 5322 .eml file per message, names sorting by time; SES in AWS."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path
from typing import Any

from shared.core.mail import Email, MailSettings, send


def test_each_email_is_one_eml_file_and_the_newest_sorts_last(tmp_path: Path) -> None:
    settings = MailSettings(transport="file", sender="Program <no-reply@demo.example>", mail_dir=tmp_path)
    for number in range(3):
        send(Email(to="ada@example.com", subject=f"Mail {number}", text="Olá", html="<p>Olá</p>"), settings=settings)
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 3
    newest = message_from_bytes(files[-1].read_bytes())
    assert newest["Subject"] == "Mail 2"
    assert newest["To"] == "ada@example.com"
    assert newest["Date"] and newest["Message-ID"]
    assert newest.is_multipart()


def test_links_in_a_local_email_are_readable_as_they_are(tmp_path: Path) -> None:
    settings = MailSettings(transport="file", sender="p@demo.example", mail_dir=tmp_path)
    link = "http://127.0.0.1:3000/portal/sign-in/confirm?token=" + "A-b_9" * 10
    send(
        Email(to="ada@example.com", subject="Olá", text=f"Olá João,\n\n{link}\n", html=f'<a href="{link}">x</a>'),
        settings=settings,
    )
    raw = next(tmp_path.glob("*.eml")).read_bytes().decode("utf-8")
    assert link in raw and "João" in raw


def test_in_aws_mail_goes_through_ses_v2_from_the_stack_sender() -> None:
    sent: list[dict[str, Any]] = []

    class FakeSes:
        def send_email(self, **request: Any) -> dict[str, str]:
            sent.append(request)
            return {"MessageId": "m-1"}

    settings = MailSettings(transport="ses", sender="no-reply@demo.example", mail_dir=Path("/nonexistent"))
    assert send(Email(to="a@example.com", subject="Hi", text="x"), settings=settings, ses_client=FakeSes()) == "m-1"
    assert sent[0]["FromEmailAddress"] == "no-reply@demo.example"
    assert sent[0]["Destination"] == {"ToAddresses": ["a@example.com"]}
    assert b"Subject: Hi" in sent[0]["Content"]["Raw"]["Data"]
