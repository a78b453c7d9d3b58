"""``plaincrm check``."""

from __future__ import annotations

import click

from ..core.text import plural
from ..views.check import CheckView, check_view
from .common import get_app, json_option
from .formatters import Text, formatter, text_of


@click.command()
@json_option
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Validate the whole repository: settings, front matter against the schemas,
    task lines, duplicate ids, references to missing records, conflict markers,
    encoding and YAML syntax.  Each problem is printed as path:line: message;
    the exit status is 1 when there are problems, 0 when the repository is clean.

    \b
    Example:
      plaincrm check && git push
    """
    view = check_view(get_app().lenient_store())
    formatter(as_json).emit(view)
    ctx.exit(0 if view.ok else 1)


@text_of(CheckView)
def _check_text(view: CheckView) -> Text:
    """Each problem as path:line: message on stdout, the count on stderr."""
    files = plural(view.files, "record")
    if view.ok:
        return Text("", f"OK: {files}, no problems.")
    return Text(
        "\n".join(str(problem) for problem in view.problems),
        f"{plural(len(view.problems), 'problem')} in {files}.",
    )
