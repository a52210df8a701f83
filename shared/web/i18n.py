"""Languages of the web pages and emails: English and Brazilian Portuguese.

Catalogues are gettext `.po` files under `shared/web/locales/`, read with Babel by a container's first request
in that language (a few milliseconds, the .po parser's import included; English needs none; no compiled `.mo`
to keep in step with the sources). Money, dates and numbers are formatted by
Babel for the locale; its formatting modules load with the first figure formatted (the sign-in pages, a web
container's usual first requests, show none).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from datetime import date as Date
from datetime import datetime as DateTime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from shared.core.lazy import lazy_module

if TYPE_CHECKING:
    from babel import dates, numbers
else:  # loaded when a page or an email first formats a figure
    dates = lazy_module("babel.dates")
    numbers = lazy_module("babel.numbers")

LOCALES: tuple[str, ...] = ("en", "pt_BR")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "pt_BR": "Português (Brasil)"}
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for the catalogue without translating it here (it is translated where it is shown)."""
    return message


@dataclass
class Translator:
    """gettext and ngettext of one locale, plus Babel formatting in that locale."""

    locale: str
    messages: dict[str, str] = field(default_factory=dict)
    plurals: dict[str, list[str]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = lambda n: int(n != 1)

    def gettext(self, message: str) -> str:
        """The translation of `message`, or the message itself."""
        return self.messages.get(message) or message

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural translation for count n."""
        forms = self.plurals.get(singular)
        if forms:
            index = min(self.plural_index(n), len(forms) - 1)
            if forms[index]:
                return forms[index]
        return singular if n == 1 else plural

    # ------------------------------------------------------------ formatting
    def money(self, amount_minor: int, currency: str) -> str:
        """Minor units of a currency, formatted for the locale ("$1,234.50", "US$ 1.234,50")."""
        precision = numbers.get_currency_precision(currency)
        return numbers.format_currency(Decimal(amount_minor).scaleb(-precision), currency, locale=self.locale)

    def number(self, value: int | Decimal) -> str:
        """A number with the locale's grouping."""
        return numbers.format_decimal(value, locale=self.locale)

    def date(self, value: Date | DateTime | None) -> str:
        """A date in the locale's medium form ("Nov 2, 2026", "2 de nov. de 2026")."""
        if value is None:
            return ""
        return dates.format_date(value.date() if isinstance(value, DateTime) else value, "medium", locale=self.locale)

    def datetime(self, value: DateTime | None) -> str:
        """A UTC date and time in the locale's medium form."""
        if value is None:
            return ""
        return dates.format_datetime(value, "medium", tzinfo=UTC, locale=self.locale) + " UTC"

    def month(self, value: Date) -> str:
        """A month and year ("November 2026", "novembro de 2026")."""
        return dates.format_skeleton("yMMMM", value, locale=self.locale)  # the locale's own pattern ("... de ...")

    @property
    def html_lang(self) -> str:
        """The BCP 47 tag for <html lang>."""
        return self.locale.replace("_", "-")


@lru_cache(maxsize=len(LOCALES))
def translator(locale: str) -> Translator:
    """The translator of a supported locale (English for anything else), loaded once."""
    if locale not in LOCALES or locale == DEFAULT_LOCALE:
        return Translator(DEFAULT_LOCALE)
    from babel.messages.pofile import read_po  # noqa: PLC0415 - the .po parser only for a catalogue to read

    with (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    result = Translator(locale, plural_index=_gettext.c2py(catalog.plural_expr))
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            strings = list(message.string) if isinstance(message.string, tuple | list) else [message.string]
            result.plurals[str(message.id[0])] = [str(s) for s in strings]
        elif message.string:
            result.messages[str(message.id)] = str(message.string)
    return result


def supported(locale: str | None) -> str | None:
    """The supported locale a tag names ("pt-BR", "pt", "pt_PT" -> pt_BR; "en-GB" -> en), else None."""
    if not locale:
        return None
    language = locale.strip().replace("-", "_").split("_", 1)[0].lower()
    if language == "pt":
        return "pt_BR"  # the only Portuguese catalogue, and closer to pt_PT than English is
    if language == "en":
        return "en"
    return None


def negotiate(accept_language: str | None) -> str | None:
    """The best supported locale of an Accept-Language header, by quality, or None."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        found = supported(tag)
        if found:
            return found
    return None
