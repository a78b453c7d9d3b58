"""``plaincrm sync`` and ``plaincrm setup-git``, and the commands git itself runs:
``merge-driver`` (the record merge) and ``pre-commit`` (the hook)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.text import plural
from .common import get_app, json_option
from .output import echo_json, style


@click.command()
@json_option
def sync(as_json: bool) -> None:
    """Share your work with the team: commit your hand edits to records and
    settings (other files are left alone), fetch and merge what the others
    pushed (records are merged field by field, task by task, so nobody has to
    untangle conflicts), check the result, and push.  Nothing that leaves a
    record you changed broken is committed or pushed.  A push rejected because
    someone pushed meanwhile is merged and retried.  Run it several times a
    day; offline, your work stays committed in this clone until a sync
    reaches the remote.

    \b
    Example:
      plaincrm sync
    """
    from ..git.sync import sync as run_sync

    store = get_app().lenient_store()  # a settings file with problems must not stop a sync
    progress = (lambda message: None) if as_json else _progress
    report = run_sync(store, progress)
    if as_json:
        echo_json(report.as_json())
        return
    if report.committed:
        click.echo(f"Committed your edits: {', '.join(report.committed)}")
    if report.left_alone:
        click.echo(_left_alone_line(report.left_alone))
    for old, new in report.renamed:
        click.echo(
            f"Renamed your {old} to {new}: a teammate created a different {old} "
            "(merge the two by hand if they are the same)"
        )
    if report.incoming_commits:
        people = ", ".join(report.authors) or "the team"
        came = plural(report.incoming_commits, "commit")
        click.echo(style(f"Came in: {came} by {people}", bold=True))
        for record in report.incoming:
            words = "; ".join(change.text for change in record.changes) or "changed"
            click.echo(f"  {record.path} ({record.title}): {words}")
    else:
        click.echo(f"Nothing new on {report.remote}/{report.branch}.")
    for note in report.notes:
        click.echo(style(f"Merged: {note}", fg="yellow"))
    for problem in report.problems:
        click.echo(f"{problem}", err=True)
    if report.problems:
        click.echo(
            f"{plural(len(report.problems), 'problem')} after the sync: fix them and sync again "
            "('plaincrm check' lists them)",
            err=True,
        )
    if report.pushed:
        retried = f" (after {report.retries} retry)" if report.retries else ""
        pushed = plural(report.pushed, "commit")
        click.echo(f"Pushed {pushed} to {report.remote}/{report.branch}{retried}.")
    else:
        click.echo("Nothing to push: the remote has all your work.")


LEFT_ALONE_SHOWN = 4  # files named on the line; the rest are counted


def _left_alone_line(files: list[str]) -> str:
    """One line naming the changed files sync did not share (the first few)."""
    shown = ", ".join(files[:LEFT_ALONE_SHOWN])
    if len(files) > LEFT_ALONE_SHOWN:
        shown += f" and {len(files) - LEFT_ALONE_SHOWN} more"
    return (
        f"Not shared (not records or settings): {shown}; commit with git what the team "
        "should have, or list it in .gitignore"
    )


def _progress(message: str) -> None:
    click.echo(style(message, dim=True), err=True)


@click.command("setup-git")
def setup_git() -> None:
    """Set this clone up for plaincrm: register the record merge driver (in
    .gitattributes, committed, and in the clone's git config) and install a
    pre-commit hook that checks the staged records.  'plaincrm init' does this
    for new CRMs; run it once after cloning an existing one ('sync' registers
    the driver by itself, but not the hook).

    \b
    Example:
      git clone git@example.com:team/crm.git && cd crm && plaincrm setup-git
    """
    from ..git.hooks import setup

    store = get_app().store
    report = setup(store.root)
    if report.files:
        store.commit(report.files, "setup-git: record merge driver (.gitattributes)")
    for line in report.done:
        click.echo(line)


@click.command("merge-driver", hidden=True)
@click.argument("base", type=click.Path(path_type=Path))
@click.argument("ours", type=click.Path(path_type=Path))
@click.argument("theirs", type=click.Path(path_type=Path))
@click.argument("path")
@click.option("--marker-size", type=int, default=7)
def merge_driver(base: Path, ours: Path, theirs: Path, path: str, marker_size: int) -> None:
    """Git's merge driver for record files (registered by setup-git): merges
    BASE, OURS and THEIRS of PATH into OURS."""
    from ..git.merge import drive

    sys.exit(drive(base, ours, theirs, path, marker_size))


@click.command("pre-commit", hidden=True)
def pre_commit() -> None:
    """Git's pre-commit hook (installed by setup-git): refuses a commit whose
    staged records have problems."""
    from ..core.store import discover_root
    from ..git.hooks import refuse_commit, staged_problems

    refuse_commit(staged_problems(discover_root(get_app().repo)))
