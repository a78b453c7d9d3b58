"""Terminal output: aligned tables, colour only on a terminal, stable JSON.

How counts, figures and rates are written (``plural``, ``number``, ``percent``) is
in ``core.text``: domain messages say them the same way."""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


def terminal_width() -> int | None:
    """How wide tables may be: the terminal's width (``COLUMNS`` when set, as for every
    terminal program) when the output is a terminal; None (no limit) when it is not."""
    if not sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns or None
    except (OSError, ValueError):
        return None


FIT_MIN = 12  # a column shortened to fit the terminal keeps at least this many characters


def table(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str] | None = None,
    right: Sequence[int] = (),
    indent: str = "",
    fit: Sequence[int] = (),
    limit: int | None = None,
) -> str:
    """Rows as aligned columns; ``right`` lists the columns aligned to the right.

    On a terminal the table fits its width (``limit``, default ``terminal_width()``):
    the widest of the text columns listed in ``fit`` is shortened first, with an
    ellipsis, down to ``FIT_MIN``; never another column (ids, amounts, dates).  Off a
    terminal (a pipe, a file) every cell is shown in full."""
    all_rows = [list(headers)] if headers else []
    all_rows += [list(row) for row in rows]
    if not all_rows:
        return ""
    count = max(len(row) for row in all_rows)
    sizes = [
        max((width(row[i]) for row in all_rows if i < len(row)), default=0) for i in range(count)
    ]
    if fit:
        limit = limit if limit is not None else terminal_width()
        if limit is not None and _shrink(sizes, fit, limit - width(indent), all_rows, headers):
            for row in all_rows:
                for i in fit:
                    if i < len(row) and width(row[i]) > sizes[i]:
                        row[i] = truncate(click.unstyle(row[i]), sizes[i])
    lines = []
    for n, row in enumerate(all_rows):
        cells = [pad(cell, sizes[i], i in right) for i, cell in enumerate(row)]
        line = indent + "  ".join(cells).rstrip()
        if headers and n == 0:
            line = style(line, bold=True)
        lines.append(line)
    return "\n".join(lines)


def _shrink(
    sizes: list[int],
    fit: Sequence[int],
    room: int,
    rows: list[list[str]],
    headers: Sequence[str] | None,
) -> bool:
    """Narrow the ``fit`` columns of ``sizes`` (widest first) until the row fits ``room``;
    whether any was narrowed.  A column keeps its header and ``FIT_MIN`` characters."""
    over = sum(sizes) + 2 * (len(sizes) - 1) - room
    if over <= 0:
        return False
    floor = {
        i: min(sizes[i], max(FIT_MIN, width(headers[i]) if headers and i < len(headers) else 0))
        for i in fit
        if i < len(sizes)
    }
    narrowed = False
    while over > 0:
        movable = [i for i in floor if sizes[i] > floor[i]]
        if not movable:
            break
        widest = max(movable, key=lambda i: (sizes[i], -i))
        others = [sizes[i] for i in movable if i != widest]
        step = min(over, sizes[widest] - max([floor[widest], *others]) or 1)
        sizes[widest] -= step
        over -= step
        narrowed = True
    return narrowed


def notes_lines(notes: str, heading: str = "Notes") -> list[str]:
    """The "Notes" section of a record's page: its free text, indented; none when empty."""
    if not notes:
        return []
    return ["", style(heading, bold=True), *("  " + n if n else "" for n in notes.split("\n"))]


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


JSON_EXTRA: list[dict[str, Any]] = []  # keys added to the object a command prints (``--as-of``)


@contextmanager
def json_extra(keys: dict[str, Any]) -> Iterator[None]:
    """While inside, ``echo_json`` adds ``keys`` to the JSON object it prints."""
    JSON_EXTRA.append(keys)
    try:
        yield
    finally:
        JSON_EXTRA.pop()


def echo_json(data: Any) -> None:
    if JSON_EXTRA and isinstance(data, dict):
        data = {**data, **JSON_EXTRA[-1]}
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
