"""The safe Markdown renderer: staff text becomes formatted HTML, never raw HTML or script."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.web.markdown import render


def test_markdown_becomes_headings_lists_emphasis_and_links() -> None:
    html = str(
        render(
            "# Terms\n\nYou earn **20 %** of *each* payment.\n\n- one\n- two\n\n1. first\n\n[Site](https://example.com/a?b=1&c=2)"
        )
    )
    assert "<h2>Terms</h2>" in html
    assert "<strong>20 %</strong>" in html and "<em>each</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">Site</a>' in html


def test_html_and_script_in_the_text_are_shown_as_text() -> None:
    html = str(render('<script>alert(1)</script> <img src=x onerror="alert(2)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_only_http_and_mailto_links_become_links() -> None:
    html = str(render("[a](javascript:alert(1)) [b](data:text/html,x) [c](mailto:x@example.com)"))
    assert "javascript:" not in html.rsplit("href=", maxsplit=1)[-1] or 'href="javascript' not in html
    assert 'href="javascript' not in html and 'href="data' not in html
    assert 'href="mailto:x@example.com"' in html


@given(st.text(max_size=300))
def test_no_text_ever_yields_a_tag_outside_the_allowed_set(source: str) -> None:
    html = str(render(source))
    allowed = {"h2", "h3", "h4", "h5", "p", "ul", "ol", "li", "strong", "em", "code", "a", "blockquote"}
    import re

    for tag in re.findall(r"</?([a-zA-Z0-9]+)", html):
        assert tag in allowed
    assert "<script" not in html.lower()
