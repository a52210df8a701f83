"""A small, safe Markdown renderer for text staff write (agreement, resources).

Every character of the source is HTML-escaped first; only the markup below is then produced, so stored text
can never inject HTML or script. Supported: headings (#..####), paragraphs, bullet and numbered lists,
block quotes, **bold**, *italic*, `code`, and [links](https://...) to http(s) and mailto URLs only.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*&gt;\s?(.*)$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|mailto:)[^\s()<>\"]+)\)")


def _inline(text: str) -> str:
    """Inline markup of one already-escaped line."""
    codes: list[str] = []

    def keep_code(match: re.Match[str]) -> str:
        codes.append(f"<code>{match.group(1)}</code>")
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE.sub(keep_code, text)
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}" rel="noopener noreferrer">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], text)


def render(source: str | None, *, heading_offset: int = 1) -> Markup:
    """Safe HTML for a Markdown text; `heading_offset` shifts headings below the page's own <h1>."""
    if not source:
        return Markup("")
    out: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None
    quote: list[str] = []

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            out.append("<p>" + " ".join(_inline(p) for p in paragraph) + "</p>")
            paragraph.clear()
        if quote:
            out.append("<blockquote><p>" + " ".join(_inline(q) for q in quote) + "</p></blockquote>")
            quote.clear()
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None

    for raw in source.replace("\r\n", "\n").split("\n"):
        line = str(escape(raw.rstrip()))
        if not line.strip():
            flush()
            continue
        heading, bullet, numbered, quoted = (
            _HEADING.match(line),
            _BULLET.match(line),
            _NUMBERED.match(line),
            _QUOTE.match(line),
        )
        if heading:
            flush()
            level = min(6, len(heading.group(1)) + heading_offset)
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            tag = "ul" if bullet else "ol"
            if paragraph or quote or (list_tag and list_tag != tag):
                flush()
            if list_tag is None:
                out.append(f"<{tag}>")
                list_tag = tag
            item = (bullet or numbered).group(1)  # type: ignore[union-attr]
            out.append(f"<li>{_inline(item)}</li>")
        elif quoted:
            if paragraph or list_tag:
                flush()
            quote.append(quoted.group(1))
        else:
            if list_tag or quote:
                flush()
            paragraph.append(line.strip())
    flush()
    return Markup("\n".join(out))  # noqa: S704 - built only from escaped text and the tags above
