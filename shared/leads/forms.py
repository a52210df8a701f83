"""What a lead submission may carry: the landing page's form and a partner's submission, validated.

A bad field is a 422 naming it; blank form inputs count as absent; attribution from the URL or a cookie that
is garbled is dropped (the lead is then unattributed), never refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints

from shared.core.email_address import EmailAddress
from shared.core.entity import Model
from shared.core.observability import logger
from shared.links import click_token
from shared.links.models import LINK_CODE_PATTERN


def _blank_to_none(value: Any) -> Any:
    # HTML forms send empty inputs as "": an empty optional field is an absent one.
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


_Blank = BeforeValidator(_blank_to_none)
ShortText = Annotated[Annotated[str, StringConstraints(max_length=200)] | None, _Blank]
SizeText = Annotated[Annotated[str, StringConstraints(max_length=50)] | None, _Blank]
LongText = Annotated[Annotated[str, StringConstraints(max_length=5000)] | None, _Blank]
Phone = Annotated[Annotated[str, StringConstraints(max_length=40, pattern=r"^\+?[0-9 ().\-/]{3,40}$")] | None, _Blank]


def _unless_malformed(pattern: str, max_length: int) -> BeforeValidator:
    # Attribution comes from the landing URL or a cookie, not from what the visitor typed: a garbled one
    # must not refuse the form (the visitor could not fix it). It is dropped and the lead is unattributed.
    shape = re.compile(pattern)

    def check(value: Any) -> Any:
        value = _blank_to_none(value)
        if value is None or (isinstance(value, str) and len(value) <= max_length and shape.match(value)):
            return value
        logger.info("malformed attribution dropped from a lead form", extra={"length": len(str(value))})
        return None

    return BeforeValidator(check)


ClickTokenText = Annotated[str | None, _unless_malformed(r"^[A-Za-z0-9_-]+$", click_token.MAX_TOKEN_LENGTH)]
RefCode = Annotated[str | None, _unless_malformed(LINK_CODE_PATTERN, 64)]
Honeypot = Annotated[Annotated[str, StringConstraints(max_length=2048)] | None, _Blank]


class ProspectDetails(Model):
    """The prospect's own fields, shared by the visitor form and partner submissions."""

    email: Annotated[EmailAddress, Field(max_length=254)]
    name: ShortText = None
    company: ShortText = None
    job_title: ShortText = None
    company_size: SizeText = None
    phone: Phone = None
    consent_to_contact: bool = False


class VisitorLeadForm(ProspectDetails):
    """POST /leads from the landing page (JSON or form-encoded). Unknown fields (UTM tags, the submit
    button) are ignored; `website` is a honeypot a person never fills.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    message: LongText = None
    click_token: ClickTokenText = None
    ref: RefCode = None
    website: Honeypot = None


class PartnerLeadInput(ProspectDetails):
    """POST /partner/leads: a prospect the partner knows, with qualifying notes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    notes: LongText = None
