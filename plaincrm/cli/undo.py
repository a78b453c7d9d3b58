"""``plaincrm undo``."""

from __future__ import annotations

import click

from ..git.undo import DROP, Undo, plan_undo
from .common import get_app


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what would be taken back; change nothing.")
def undo(dry_run: bool) -> None:
    """Take back your last change: the last commit plaincrm made for you.

    Not pushed yet, the commit is dropped; pushed, a new commit reverts it
    (share it with 'plaincrm sync').  Run it again to take back the change
    before.  Refused when later changes, anyone's, touched the same files,
    when those files have uncommitted edits, and during a merge.

    \b
    Example:
      plaincrm undo --dry-run
      plaincrm undo
    """
    from ..git.undo import undo as take_back

    store = get_app().store
    plan = plan_undo(store)
    commit = plan.commit
    said = f"{plan.short} {commit.when[:10]} {plan.user}: {commit.subject}"
    if dry_run:
        click.echo(f"Your last change: {said}")
        _changes(plan)
        how = "drop its commit" if plan.how == DROP else "add a commit that reverts it"
        click.echo(f"Undo would {how} ({plan.why}).")
        click.echo("Dry run: nothing was changed.")
        return
    made = take_back(store, plan)
    click.echo(f"Took back {said}")
    _changes(plan)
    if plan.how == DROP:
        click.echo(f"Dropped its commit ({plan.why}; git's reflog still has it).")
    else:
        share = "; 'plaincrm sync' shares it" if plan.why.startswith("pushed") else ""
        click.echo(f"Commit {(made or '')[:7]} reverts it ({plan.why}{share}).")


def _changes(plan: Undo) -> None:
    for record in plan.changes:
        words = "; ".join(change.text for change in record.changes) or "no change in words"
        click.echo(f"  {record.path} ({record.title}): {words}")
