"""Markdown notes as HTML: markdown-it-py (CommonMark, raw HTML off) and nh3 (a
sanitiser), so a note holding ``<script>`` or a ``javascript:`` link shows as text."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def markdown(text: str) -> Markup:
    """``text`` rendered, with only harmless tags and http(s)/mailto links left."""
    html = _parser().render(text)
    clean = nh3.clean(html, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # sanitised just above
