"""Languages: every string of the pages and emails is translated to Brazilian Portuguese; locales are chosen
from Accept-Language; money and dates follow the locale."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from devstack.i18n import extract
from shared.web.i18n import LOCALES, negotiate, supported, translator


@pytest.mark.parametrize("locale", [lo for lo in LOCALES if lo != "en"])
def test_every_message_of_the_pages_and_emails_is_translated(locale: str) -> None:
    # Given every message the templates and the Python code mark for translation
    extracted = [m.id for m in extract() if m.id]
    singular = {str(m) for m in extracted if isinstance(m, str)}
    plural = {str(m[0]) for m in extracted if not isinstance(m, str)}
    assert len(singular) > 100
    # Then the catalogue translates each, every plural form included (`make i18n` merges new ones into the .po)
    tr = translator(locale)
    untranslated = sorted(m for m in singular if m not in tr.messages)
    untranslated += sorted(m for m in plural if not tr.plurals.get(m) or not all(tr.plurals[m]))
    assert untranslated == []


def test_plural_forms_follow_the_count() -> None:
    tr = translator("pt_BR")
    assert tr.ngettext("You can create %(num)d more link.", "You can create %(num)d more links.", 1) % {"num": 1} == (
        "Você pode criar mais 1 link."
    )
    assert tr.ngettext("You can create %(num)d more link.", "You can create %(num)d more links.", 3) % {"num": 3} == (
        "Você pode criar mais 3 links."
    )


def test_placeholders_survive_translation() -> None:
    tr = translator("pt_BR")
    for message, translated in tr.messages.items():
        for placeholder in ("%(name)s", "%(email)s", "%(date)s", "%(version)s", "%(period)s", "%(code)s", "%(q)s"):
            assert (placeholder in message) == (placeholder in translated), message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("en-GB,en;q=0.9", "en"),
        ("de-DE, fr;q=0.8, pt;q=0.5", "pt_BR"),
        ("fr, de", None),
        ("en;q=0.1, pt-BR;q=0.9", "pt_BR"),
        ("", None),
        ("garbage;;q=x,,", None),
    ],
)
def test_the_locale_comes_from_accept_language(header: str, expected: str | None) -> None:
    assert negotiate(header) == expected


def test_only_supported_locales_are_chosen() -> None:
    assert supported("pt_BR") == "pt_BR"
    assert supported("en") == "en"
    assert supported("xx") is None
    assert supported("../../etc") is None


def test_money_and_dates_follow_the_locale() -> None:
    en, pt = translator("en"), translator("pt_BR")
    assert en.money(123450, "USD") == "$1,234.50"
    assert pt.money(123450, "BRL") == "R$\xa01.234,50"
    assert en.money(500, "JPY") == "¥500"  # no minor unit in yen
    assert en.date(date(2026, 11, 2)) == "Nov 2, 2026"
    assert pt.date(date(2026, 11, 2)) == "2 de nov. de 2026"
    assert "2026" in pt.datetime(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    assert pt.gettext("Sign out") == "Sair"


def test_the_slices_fixed_reasons_are_shown_in_the_partners_language() -> None:
    from shared.leads import intake
    from shared.payouts import rules as payout_rules
    from shared.portal import labels

    # Given the reasons the leads and payouts slices store, word for word
    fixed = [
        intake.SELF_REFERRAL_REASON,
        intake.EXISTING_CUSTOMER_REASON,
        intake.DUPLICATE_REASON,
        intake.KNOWN_TO_COMPANY_REASON,
        intake.SUPERSEDED_REASON,
        payout_rules.withholding_reason(None),
    ]
    pt = translator("pt_BR")
    # Then each has a Portuguese wording, and a staff member's free text passes as written
    for reason in fixed:
        assert reason is not None and labels.reason(pt, reason) != reason, reason
    assert labels.reason(pt, "called twice, no answer") == "called twice, no answer"
