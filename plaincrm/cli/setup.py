"""``plaincrm init`` and ``plaincrm demo``."""

from __future__ import annotations

from pathlib import Path

import click

from ..crm.setup import init_repo, make_demo
from ..git import repo as gitrepo
from .common import get_app, warn

NO_GIT = (
    "git is not installed, so this CRM has no history and cannot sync: install git, "
    "then run 'git init', 'plaincrm setup-git' and 'git add -A && git commit' in it"
)


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="NAME",
    help="A team member (repeatable); the first is you.",
)
@click.option("--no-git", is_flag=True, help="Do not create a git repository or commit.")
def init(directory: Path, users: tuple[str, ...], no_git: bool) -> None:
    """Create a CRM repository in DIRECTORY: plaincrm.yaml, the record folders and a
    .gitignore; run 'git init' when DIRECTORY is not inside a git work tree, and
    commit.

    \b
    Example:
      plaincrm init ~/crm --user anna --user ben
    """
    created = init_repo(directory, list(users), use_git=not no_git)
    if not no_git and not gitrepo.available():
        warn(NO_GIT)
    click.echo(f"Created a plaincrm repository in {directory.resolve()}")
    for name in created:
        click.echo(f"  {name}")
    click.echo(
        'Next: plaincrm client add "Acme Ltd"; then plaincrm task add acme "Call" '
        "--due tomorrow --at 09:30"
    )


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def demo(ctx: click.Context, directory: Path) -> None:
    """Copy the bundled sample CRM to DIRECTORY with every date moved so that its
    agenda is today's, make it a git repository, and show today's agenda.

    \b
    Example:
      plaincrm demo /tmp/crm-demo && cd /tmp/crm-demo && plaincrm plan
    """
    from ..core.dates import today as current_date
    from .agenda import today

    make_demo(directory, current_date())
    if gitrepo.available():
        click.echo(f"Demo CRM created in {directory.resolve()} (a git repository).")
    else:
        warn(NO_GIT)
        click.echo(f"Demo CRM created in {directory.resolve()}.")
    click.echo(f"Try: cd {directory} && plaincrm plan; plaincrm client show kovacs\n")
    get_app().repo = str(directory)
    ctx.invoke(today, owner=None, all_owners=True, on=None, as_json=False)
