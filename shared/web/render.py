"""Jinja2 rendering: one environment per locale, autoescaping on, templates found in every slice's
`templates/` folder (the layout lives in shared/web/templates)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.web import markdown
from shared.web.assets import asset_url
from shared.web.i18n import LOCALE_NAMES, LOCALES, translator

SHARED_DIR = Path(__file__).resolve().parents[1]


def template_dirs() -> list[str]:
    """shared/web/templates first (the layout), then each slice's templates folder."""
    dirs = [SHARED_DIR / "web" / "templates", *sorted(SHARED_DIR.glob("*/templates"))]
    return list(dict.fromkeys(str(d) for d in dirs if d.is_dir()))


@lru_cache(maxsize=len(LOCALES) * 2)
def environment(locale: str, *, html: bool = True) -> Environment:
    """The environment of a locale: gettext from its catalogue, Babel formatting, the safe Markdown filter.
    `html=False` renders plain-text emails (no escaping: nothing there is read as HTML)."""
    env = Environment(
        loader=FileSystemLoader(template_dirs()),
        autoescape=select_autoescape(["html"], default_for_string=True) if html else False,  # noqa: S701 - text mails
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    tr = translator(locale)
    env.install_gettext_callables(tr.gettext, tr.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(tr=tr, asset_url=asset_url, locale_names=LOCALE_NAMES, locales=LOCALES)
    env.filters["markdown"] = markdown.render
    return env


def render(template: str, locale: str, **context: Any) -> str:
    """Render an HTML template in a locale."""
    return environment(locale).get_template(template).render(**context)


def render_text(template: str, locale: str, **context: Any) -> str:
    """Render a plain-text template (an email body) in a locale."""
    return environment(locale, html=False).get_template(template).render(**context)
