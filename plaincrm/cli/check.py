"""``plaincrm check``."""

from __future__ import annotations

import click

from ..core.check import report_json, run_checks
from ..core.text import plural
from .common import get_app, json_option
from .output import echo_json


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
    store = get_app().lenient_store()
    problems = run_checks(store)
    files = store.index.conn.execute("SELECT count(*) FROM files").fetchone()[0]
    if as_json:
        echo_json(report_json(problems, files))
    else:
        for problem in problems:
            click.echo(str(problem))
        summary = (
            f"{plural(len(problems), 'problem')} in {plural(files, 'record')}."
            if problems
            else f"OK: {plural(files, 'record')}, no problems."
        )
        click.echo(summary, err=True)
    ctx.exit(1 if problems else 0)
