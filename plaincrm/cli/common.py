"""What the commands share: the application context and option decorators."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..core.dates import parse_date, parse_duration, parse_time
from ..core.errors import UsageError
from ..core.model import Kind, slug_of
from ..core.settings import read_config
from ..core.store import Store, discover_root
from .completion import complete_owner

if TYPE_CHECKING:
    from ..core.query import Query
    from ..core.setfields import Edit, Wanted

F = TypeVar("F", bound=Callable[..., Any])


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


class App:
    """Per-invocation state: the global options and the store, built on first use."""

    def __init__(self, repo: str | None) -> None:
        self.repo = repo

    @cached_property
    def store(self) -> Store:
        return Store(discover_root(self.repo), warn=warn, progress=True)

    def lenient_store(self) -> Store:
        """A store that accepts settings with problems (for ``check``)."""
        root = discover_root(self.repo)
        return Store(root, config=read_config(root), warn=lambda message: None)

    def today(self) -> date:
        return self.store.today()

    def date(self, text: str, *, past: bool = False) -> date:
        return parse_date(text, self.today(), past=past)


def get_app() -> App:
    app: App = click.get_current_context().find_root().obj
    return app


def json_option(func: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print JSON (stable keys, see README 'JSON output').",
    )(func)


def echo_created(path: str, detail: str = "") -> None:
    """What an add command prints: the new record's ref on stdout (for scripts:
    ``REF=$(plaincrm deal add ...)``) and where it was created on stderr."""
    click.echo(slug_of(path))
    click.echo(f"Created {path}{detail}", err=True)


def owner_option(text: str) -> Callable[[F], F]:
    """``--owner NAME``, completing the users of plaincrm.yaml; ``text`` is its help.
    ``me`` is the current user, wherever the option is."""
    return click.option(
        "--owner", metavar="NAME", help=text, shell_complete=complete_owner, callback=_me
    )


def _me(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value != "me" or ctx.resilient_parsing:
        return value
    me = get_app().store.current_user()
    if me is None:
        raise UsageError("who is 'me'? set PLAINCRM_USER or git's user.name")
    return me


def as_of_option(func: F) -> F:
    """``--as-of DATE[ HH:MM]``: the command reads the CRM as it was at the end of that day
    (or that minute), from git's objects (``core.snapshot``): the app's store becomes
    the snapshot's, whose today is that day.  The output starts with the commit shown
    (on stderr with ``--json``, and as an ``as_of`` key of a JSON object)."""

    @functools.wraps(func)
    def run(*args: Any, as_of: str | None = None, **kwargs: Any) -> Any:
        if as_of is None:
            return func(*args, **kwargs)
        from ..core.snapshot import snapshot_of  # not on the path of the other commands
        from .output import json_extra

        app = get_app()
        snapshot = snapshot_of(app.store, as_of)
        app.__dict__["store"] = snapshot
        if not kwargs.get("as_json"):
            click.echo(snapshot.heading())
            return func(*args, **kwargs)
        click.echo(snapshot.heading(), err=True)
        with json_extra({"as_of": snapshot.as_of_json()}):
            return func(*args, **kwargs)

    return click.option(
        "--as-of",
        "as_of",
        metavar="'DATE[ HH:MM]'",
        help="Show the CRM as it was at the end of DATE (or at HH:MM), read from git's history.",
    )(run)  # type: ignore[return-value]


def owner_options(func: F) -> F:
    """``--owner NAME`` and ``--all`` for the views that default to the current user."""
    func = click.option(
        "--all", "all_owners", is_flag=True, help="Everybody's tasks, not only yours."
    )(func)
    return owner_option("Show NAME's tasks (default: you; 'me' works too).")(func)


def resolve_owner(app: App, owner: str | None, all_owners: bool) -> str | None:
    """The owner a view is for: None means everybody."""
    if owner and all_owners:
        raise UsageError("use either --owner or --all, not both")
    if all_owners:
        return None
    store = app.store
    if owner is None:
        me = store.default_owner()
        if me is not None and me not in store.config.user_names():
            warn(
                f"you ({me}) are not a user in plaincrm.yaml; showing everybody's tasks "
                "(set PLAINCRM_USER or add yourself to users)"
            )
            return None
        return me
    user = store.config.find_user(owner)
    if user is None and store.config.users:
        warn(
            f"'{owner}' is not a user in plaincrm.yaml "
            f"(users: {', '.join(store.config.user_names())}); "
            f"showing what '{owner}' owns"
        )
    return user.name if user else owner


def task_owner(app: App, owner: str | None, all_owners: bool, query: Query[Any]) -> str | None:
    """Whose tasks a task list with a query starts from (None: everybody's): ``--owner``
    or ``--all``, else everybody's when the query names an owner (``owner:ben``,
    ``owner:none``, ``not owner:me``: the query decides), else yours."""
    from ..core.query import tested_fields

    if owner is None and not all_owners and "owner" in tested_fields(query.where):
        return None
    return resolve_owner(app, owner, all_owners)


def query_argument(func: F) -> F:
    """The optional QUERY words of a list command (see README 'Queries')."""
    return click.argument("query", nargs=-1, metavar="[QUERY]...")(func)


def build_query(app: App, words: Sequence[str], kinds: dict[str, Kind]) -> Query[Any]:
    from ..core.query import parse  # not on the path of today and plan

    return parse(words, kinds=kinds, today=app.today(), me=app.store.current_user())


def date_arg(text: str | None, *, past: bool = False) -> date | None:
    if text is None:
        return None
    return get_app().date(text, past=past)


def time_arg(text: str | None) -> str | None:
    return parse_time(text) if text is not None else None


def duration_arg(text: str | None) -> int | None:
    return parse_duration(text) if text is not None else None


def field_option(func: F) -> F:
    """``--field KEY=VALUE`` of the set commands (repeatable; ``KEY=`` clears it)."""
    return click.option(
        "--field",
        "fields",
        multiple=True,
        metavar="KEY=VALUE",
        help="Set any other field, your own ones too (KEY= clears it; repeatable).",
    )(func)


def wanted_fields(fields: Sequence[str], **options: str | None) -> Wanted:
    """What a set command was asked: its ``--field`` options and its own options
    (``--email`` ...: option name -> value, None when not given)."""
    from ..core.setfields import Wanted, field_options

    wanted = Wanted(field_options(fields))
    for name, value in options.items():
        wanted.give(name, value, f"--{name.replace('_', '-')}")
    return wanted


def nothing_asked(wanted: Wanted, options: str) -> None:
    """Refuse a set command given nothing to change."""
    if not wanted:
        from ..core.errors import InvalidError

        raise InvalidError(f"nothing to change: give new values with {options} or --field")


def echo_changed(path: str, edit: Edit) -> None:
    click.echo(f"{slug_of(path)}: changed {'; '.join(edit.said)}")
