"""Counts, figures and rates in words: the one way plaincrm writes them.

``plural`` (``1 deal``, ``1,200 deals``), ``number`` (digits grouped by
thousands) and ``percent``: used by domain messages and by every front end.
"""

from __future__ import annotations

from decimal import Decimal


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 deal``, ``2 deals``, ``1,200 deals``; ``many``: an irregular plural
    (``plural(n, "person", "people")``).  Every count in a sentence is said so."""
    return f"{number(count)} {word if count == 1 else many or word + 's'}"


def number(value: float | Decimal, decimals: int | None = 0) -> str:
    """A figure as plaincrm writes every figure: digits grouped by thousands, with
    ``decimals`` places (``1,234``; a worked-out average or rate: ``20.1``, ``29.0``);
    None: the places the value has (a quantity typed as ``2.5``)."""
    if decimals is None:
        exact = Decimal(str(value)).normalize()
        places = max(0, -int(exact.as_tuple().exponent))
        return f"{exact:,.{places}f}"
    return f"{value:,.{decimals}f}"


def percent(value: float | Decimal | None, decimals: int = 1) -> str:
    """A worked-out share: ``42.9%``, ``0.0%``; ``-`` when there is none."""
    return "-" if value is None else f"{number(value, decimals)}%"
