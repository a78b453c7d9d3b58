"""Charts as SVG drawn on the server (no JavaScript): bars and a funnel.  Each chart
has a table with its numbers beside it in the page; the SVG is a picture of that table
(``role="img"`` with a title that says what it shows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 560
ROW = 28
LABEL = 130
COLOURS = ("#1f5fa8", "#8a4b00", "#2e7d32")  # AA contrast on white, and on each other


@dataclass
class Bar:
    label: str
    values: Sequence[float]  # one per series
    text: str  # the figures written beside the bar


def bars(title: str, series: Sequence[str], rows: Sequence[Bar]) -> Markup:
    """Horizontal bars, one group per row, one bar per series, scaled to the largest."""
    top = max((v for row in rows for v in row.values), default=0.0) or 1.0
    per_row = ROW * max(1, len(series)) // 2 + 14
    height = len(rows) * per_row + 28
    out = [_head(title, height)]
    out += _legend(series)
    room = WIDTH - LABEL - 150
    for i, row in enumerate(rows):
        y = 28 + i * per_row
        out.append(_text(4, y + 12, row.label[:18]))
        bar_h = (per_row - 14) // max(1, len(series))
        for j, value in enumerate(row.values):
            w = max(0.0, value) / top * room
            out.append(
                f'<rect x="{LABEL}" y="{y + j * bar_h}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"/>'
            )
        out.append(_text(LABEL + room + 6, y + 12, row.text))
    out.append("</svg>")
    return Markup("".join(out))  # every text escaped by _text and _head


def funnel(title: str, rows: Sequence[Bar]) -> Markup:
    """A funnel: one centred bar per stage, its width the stage's first value."""
    top = max((row.values[0] for row in rows), default=0.0) or 1.0
    height = len(rows) * ROW + 10
    out = [_head(title, height)]
    room = WIDTH - LABEL - 150
    for i, row in enumerate(rows):
        y = 6 + i * ROW
        w = max(2.0, row.values[0] / top * room)
        x = LABEL + (room - w) / 2
        out.append(_text(4, y + 16, row.label[:18]))
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW - 4}" fill="{COLOURS[0]}"/>'
        )
        out.append(_text(LABEL + room + 6, y + 16, row.text))
    out.append("</svg>")
    return Markup("".join(out))  # every text escaped by _text and _head


def _head(title: str, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )


def _legend(series: Sequence[str]) -> list[str]:
    out = []
    x = LABEL
    for j, name in enumerate(series):
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLOURS[j]}"/>')
        out.append(_text(x + 16, 14, name))
        x += 16 + 8 * len(name) + 16
    return out


def _text(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y}" font-size="13" fill="#1a1a1a">{escape(text)}</text>'
