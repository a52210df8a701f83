"""`make i18n`: extract every translatable string of the web pages and emails into
shared/web/locales/messages.pot and merge it into each language's .po (new strings arrive untranslated;
the unit test tests/unit/web/test_i18n.py fails until each is translated)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from devstack.template import ROOT

LOCALE_DIR = ROOT / "shared" / "web" / "locales"
METHODS = [("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
OPTIONS = {"**/templates/**": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}


def extract(root: Path = ROOT / "shared") -> Catalog:
    """Every message of shared/ (Python and templates), with where it is used."""
    catalog = Catalog(project="referral-partner-program", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        METHODS,
        options_map=OPTIONS,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(str(Path("shared") / filename), lineno)], auto_comments=comments, context=context)
    return catalog


def main() -> int:
    """Write the template and merge it into every .po file."""
    template = extract()
    with (LOCALE_DIR / "messages.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True, width=120)
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, width=120, ignore_obsolete=True)
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{po_path.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
