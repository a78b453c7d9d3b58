"""Formatters: one object per output style, chosen once from ``--json`` (todoman's
pattern).

A command parses its input, builds a view (``plaincrm.views``) and hands it to
``formatter(as_json).emit(view)``.  ``JsonFormatter`` prints ``view.as_json()``,
the documented JSON; ``TextFormatter`` prints the text of the renderer registered
for the view's class with ``@text_of(ViewClass)``: the command modules register the
renderers of the views they show, so a command loads only its own.  A renderer
returns the text for stdout, or a ``Text`` with a summary for stderr too (the
totals of a list, which scripts reading stdout do not want).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, TypeVar

import click

from .output import echo_json


class View(Protocol):
    def as_json(self) -> Any: ...


class Text(NamedTuple):
    out: str  # printed to stdout when not empty
    err: str = ""  # printed to stderr when not empty


V = TypeVar("V")
Renderer = Callable[[Any], "str | Text"]
_TEXT: dict[type, Renderer] = {}


def text_of(view_type: type[V]) -> Callable[[Callable[[V], str | Text]], Callable[[V], str | Text]]:
    """Register the decorated function as the text renderer of ``view_type``."""

    def register(render: Callable[[V], str | Text]) -> Callable[[V], str | Text]:
        _TEXT[view_type] = render
        return render

    return register


class Formatter(Protocol):
    def emit(self, view: View) -> None: ...


class JsonFormatter:
    def emit(self, view: View) -> None:
        echo_json(view.as_json())


class TextFormatter:
    def emit(self, view: View) -> None:
        text = _TEXT[type(view)](view)
        if isinstance(text, str):
            text = Text(text)
        if text.out:
            click.echo(text.out)
        if text.err:
            click.echo(text.err, err=True)


def formatter(as_json: bool) -> Formatter:
    return JsonFormatter() if as_json else TextFormatter()
