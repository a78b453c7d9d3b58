"""Terminal output: aligned tables, colour only on a terminal, stable JSON."""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

import click


def use_colour() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def style(text: str, **kwargs: Any) -> str:
    return click.style(text, **kwargs) if use_colour() else text


# Any character but those one column wide for certain: Latin scripts with their
# accents, and the punctuation of U+2000-U+2064 (dashes, quotes, the ellipsis); and
# the escape of a colour.
_NOT_NARROW = re.compile("[^\x00-\x1a\x1c-\u0377\u2000-\u2064]")


def width(text: str) -> int:
    """Display width of ``text`` (wide East Asian characters count twice)."""
    if (text.isascii() and "\x1b" not in text) or not _NOT_NARROW.search(text):
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in click.unstyle(text))


def pad(text: str, size: int, right: bool = False) -> str:
    gap = " " * max(0, size - width(text))
    return gap + text if right else text + gap


def table(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str] | None = None,
    right: Sequence[int] = (),
    indent: str = "",
) -> str:
    """Rows as aligned columns; ``right`` lists the columns aligned to the right."""
    all_rows = [list(headers)] if headers else []
    all_rows += [list(row) for row in rows]
    if not all_rows:
        return ""
    count = max(len(row) for row in all_rows)
    sizes = [
        max((width(row[i]) for row in all_rows if i < len(row)), default=0) for i in range(count)
    ]
    lines = []
    for n, row in enumerate(all_rows):
        cells = [pad(cell, sizes[i], i in right) for i, cell in enumerate(row)]
        line = indent + "  ".join(cells).rstrip()
        if headers and n == 0:
            line = style(line, bold=True)
        lines.append(line)
    return "\n".join(lines)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def echo_json(data: Any) -> None:
    click.echo(dump_json(data))


def truncate(text: str, size: int) -> str:
    if width(text) <= size:
        return text
    if not _NOT_NARROW.search(text):  # one column a character
        return text[: size - 1] + "…"
    out = ""
    for char in text:
        if width(out + char) > size - 1:
            break
        out += char
    return out + "…"
