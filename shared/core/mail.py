"""Outgoing email: Amazon SES (v2 API) in AWS; locally one RFC 5322 `.eml` file per message.

`MAIL_TRANSPORT=ses` (set by template.yaml) sends through SES from `MAIL_FROM`, the stack's verified sender
identity. Anything else writes `<MAIL_DIR>/<sortable-time>-<id>.eml` (default `.local/mail`), so a developer
or a browser test reads the newest file to follow a sign-in link.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

DEFAULT_MAIL_DIR = ".local/mail"
DEFAULT_SENDER = "Referral program <no-reply@demo.example>"


@dataclass(frozen=True)
class Email:
    """One message: a plain-text body always, an HTML alternative optionally."""

    to: str
    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class MailSettings:
    """Where mail goes: SES (in AWS) or a folder of .eml files (locally)."""

    transport: str
    sender: str
    mail_dir: Path

    @classmethod
    def from_env(cls) -> MailSettings:
        """From MAIL_TRANSPORT, MAIL_FROM and MAIL_DIR."""
        return cls(
            transport=os.environ.get("MAIL_TRANSPORT", "file").strip().lower() or "file",
            sender=os.environ.get("MAIL_FROM") or DEFAULT_SENDER,
            mail_dir=Path(os.environ.get("MAIL_DIR") or DEFAULT_MAIL_DIR),
        )


def to_mime(message: Email, sender: str, now: datetime) -> EmailMessage:
    """The RFC 5322 message: From, To, Subject, Date, Message-ID, text and optional HTML parts."""
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    # 8bit, not quoted-printable: a developer reading a local .eml sees the sign-in link whole (no "=3D", no
    # soft line breaks); SES and every mail client accept 8BITMIME.
    mime.set_content(message.text, cte="8bit")
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", cte="8bit")
    return mime


def eml_name(now: datetime) -> str:
    """`<sortable UTC time>-<random id>.eml`: the newest file sorts last."""
    return f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}.eml"


def send(message: Email, *, settings: MailSettings | None = None, ses_client: Any = None) -> str:
    """Send one email; returns the SES message id, or the path of the .eml file written locally."""
    settings = settings or MailSettings.from_env()
    now = datetime.now(UTC)
    mime = to_mime(message, settings.sender, now)
    if settings.transport == "ses":
        client = ses_client or _ses_client()
        response = client.send_email(
            FromEmailAddress=settings.sender,
            Destination={"ToAddresses": [message.to]},
            Content={"Raw": {"Data": mime.as_bytes()}},
        )
        return str(response.get("MessageId", ""))
    settings.mail_dir.mkdir(parents=True, exist_ok=True)
    path = settings.mail_dir / eml_name(now)
    path.write_bytes(mime.as_bytes())
    return str(path)


_client: Any = None


def _ses_client() -> Any:
    global _client  # noqa: PLW0603 - one client per Lambda container
    if _client is None:
        import boto3  # noqa: PLC0415 - only the functions that send mail pay for the client

        _client = boto3.client("sesv2")
    return _client
