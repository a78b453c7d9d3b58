"""The ``plaincrm`` command line.

Commands are loaded lazily: the table ``COMMANDS`` names the module of each
top-level command and its one-line help, so ``plaincrm --help`` imports
nothing but click, and each command imports only what it uses.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from .. import __version__
from ..core.errors import EXIT_INVALID, EXIT_USAGE, PlaincrmError

# name -> (module, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("setup", "init", "Create a CRM repository in DIR (default: here)."),
    "demo": ("setup", "demo", "Copy the sample CRM to DIR with its dates moved to today."),
    "client": ("clients", "client", "Add, change, list and show clients."),
    "edit": ("clients", "edit", "Open a record in your editor and check it afterwards."),
    "task": ("tasks", "task", "Add, complete, reschedule and list tasks."),
    "today": ("agenda", "today", "What to do today: overdue, schedule, untimed tasks."),
    "plan": (
        "agenda",
        "plan",
        "Plan a day (the next working day by default): schedule, free slots, load.",
    ),
    "check": ("check", "check", "Validate the whole repository; problems as path:line: message."),
    "completion": ("completion", "completion", "Shell completion script for bash, zsh or fish."),
    "import": ("transfer", "import_", "Import records or tasks from CSV, XLSX or vCard files."),
    "export": ("transfer", "export", "Export records or tasks as CSV, XLSX, JSON or vCard."),
    "calendar": ("transfer", "calendar", "Write tasks as an iCalendar (.ics) file for calendars."),
    "deal": ("deals", "deal", "Open deals and move them through the pipeline to won or lost."),
    "pipeline": ("deals", "pipeline_command", "Open deals by stage: counts, totals, weighted."),
    "forecast": ("deals", "forecast_command", "Open and won amounts by month or quarter of close."),
    "report": ("reports", "report", "Reports: lost deals, competitors, stage conversion."),
    "ticket": ("tickets", "ticket", "Service tickets: open, answer, wait, close with an upsell."),
    "campaign": ("campaigns", "campaign", "Direct campaigns: audience, mailing list, responses."),
    "doc": ("documents", "doc", "Quotes, contracts, invoices, payments, shipments of deals."),
    "pay": ("documents", "pay_command", "Record a payment of an invoice (partial payments too)."),
    "receivables": ("documents", "receivables_command", "Invoiced, paid, owed per client; ageing."),
    "mail": ("mail", "mail", "Record e-mail from Maildir, mbox, .eml or IMAP in client cards."),
    "history": ("history", "history", "A record's timeline: git changes, done tasks, log lines."),
    "activity": ("history", "activity_command", "What the team did, by day and person."),
    "sync": ("sync", "sync", "Commit your edits, merge the team's, check, and push."),
    "setup-git": ("sync", "setup_git", "Register the record merge driver and pre-commit hook."),
    "serve": ("serve", "serve", "The web app: today, the pipeline board, clients, reports."),
    "undo": ("undo", "undo", "Take back your last change (drop it, or revert it once pushed)."),
    # run by git (merge driver, pre-commit hook): an empty help keeps them out of --help
    "merge-driver": ("sync", "merge_driver", ""),
    "pre-commit": ("sync", "pre_commit", ""),
}


# The commands that read the index at once: git's look at the work tree starts before
# their modules are imported, and runs meanwhile (``gitrepo.start_changes``).
LOOK_FIRST = {"today", "plan"}


class CliError(click.ClickException):
    """A ``PlaincrmError`` shown as ``Error: ...`` with its own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class LazyGroup(click.Group):
    """A group whose subcommands live in modules imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            if cmd_name in LOOK_FIRST and not {"-h", "--help"} & set(sys.argv):
                _start_looking(ctx.params.get("repo"))
            module_name, attribute, _ = self.lazy[cmd_name]
            module = importlib.import_module(f"{__name__}.{module_name}")
            command: click.Command = getattr(module, attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, self.lazy[name][2])
            for name in self.list_commands(ctx)
            if name in self.lazy and self.lazy[name][2]
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """No command at all (``plaincrm``) asks for the help: it is printed, exit 0."""
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(0)
        _refuse_undecodable(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError as exc:  # a group alone: 'plaincrm deal'
            click.echo(exc.ctx.get_help() if exc.ctx else exc.message)
            ctx.exit(0)
        except BaseException as exc:  # a failed command takes back what it did not commit
            store = getattr(ctx.obj, "__dict__", {}).get("store")
            if store is not None and not isinstance(exc, (SystemExit, click.exceptions.Exit)):
                store.abandon()
            if isinstance(exc, PlaincrmError):
                raise CliError(exc.message, exc.exit_code) from exc
            if isinstance(exc, OSError):  # the system refused a file: a name too long ...
                raise CliError(_os_error(exc), EXIT_INVALID) from exc
            raise
        finally:  # the command is over: others may write (Store.lock_writes)
            if "store" in getattr(ctx.obj, "__dict__", {}):
                ctx.obj.store.release()


def _os_error(exc: OSError) -> str:
    """What the system said when it refused a file, and which file."""
    reason = (exc.strerror or str(exc)).lower()
    name = exc.filename
    if name is None:
        return f"the system refused: {reason}"
    shown = os.fsdecode(name) if isinstance(name, (str, bytes)) else str(name)
    return f"cannot use {_shown(shown)}: {reason}"


def _refuse_undecodable(args: list[str]) -> None:
    """Refuse arguments (and ``PLAINCRM_*`` settings) that are not UTF-8 text: Python
    hands their bytes on as lone surrogates, which no file, message or commit can hold."""
    fix = "set the terminal to UTF-8, or give the file a UTF-8 name"
    named = [(f"argument '{_shown(arg)}'", arg, fix) for arg in args]
    named += [
        (name, value, "set it again in UTF-8")
        for name, value in os.environ.items()
        if name.startswith("PLAINCRM_")
    ]
    for what, text, how in named:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise CliError(
                f"{what} is not UTF-8 text: plaincrm reads text as UTF-8 ({how})", EXIT_USAGE
            ) from None
        if "\0" in text:  # no command line holds one; a program calling plaincrm might
            raise CliError(f"{what} holds a NUL character", EXIT_USAGE)


def _shown(text: str) -> str:
    """``text`` with the bytes that are not UTF-8 shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _start_looking(repo: str | None) -> None:
    """Start git's look at the record files of the CRM (where there is one to find: else
    the command says what is wrong)."""
    from ..core.model import TYPES
    from ..core.store import discover_root
    from ..git.repo import start_changes

    try:
        root = discover_root(repo)
    except PlaincrmError:
        return
    start_changes(root, [rtype.folder for rtype in TYPES.values()])


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Run 'plaincrm COMMAND --help' for a command's options and an example.",
)
@click.version_option(__version__, "--version", prog_name="plaincrm")
@click.option(
    "-C",
    "--repo",
    metavar="PATH",
    help="The CRM repository (default: PLAINCRM_REPO, else the nearest plaincrm.yaml above "
    "the current folder).",
)
@click.pass_context
def cli(ctx: click.Context, repo: str | None) -> None:
    """plaincrm: a CRM in plain text. Clients, tasks and deals are Markdown files
    in a git repository; plan the next working day with 'plaincrm plan', start
    the day with 'plaincrm today'.

    \b
    Example:
      plaincrm init mycrm && cd mycrm
      plaincrm client add "Acme Ltd" --email info@acme.example
      plaincrm task add acme "Call about the renewal" --due tomorrow --at 09:30
      plaincrm plan
    """
    from .common import App

    ctx.obj = App(repo)


def main() -> None:
    """Console entry point: run the CLI; an unexpected failure is reported, not dumped."""
    try:
        cli.main(prog_name="plaincrm")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("PLAINCRM_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"Error: internal error ({type(exc).__name__}: {exc}); please report it "
            "(PLAINCRM_DEBUG=1 shows the traceback)",
            err=True,
        )
        sys.exit(70)
