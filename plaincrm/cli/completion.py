"""``plaincrm completion bash|zsh|fish`` and the completion callbacks of arguments.

The callbacks complete from the repository's index: record references
(``complete_ref(types)``), task ids (``complete_task_id``), pipeline stages
(``complete_stage``) and owners (``complete_owner``).  Use them as
``shell_complete=`` of a click argument or option::

    @click.argument("ref", shell_complete=complete_ref(["deal"]))

A callback never fails: outside a CRM, or when anything goes wrong, it offers
nothing and the shell falls back to its default.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import (
    BashComplete,
    CompletionItem,
    FishComplete,
    ShellComplete,
    ZshComplete,
)

from ..core.errors import PlaincrmError

PROG = "plaincrm"
COMPLETE_VAR = "_PLAINCRM_COMPLETE"
SHELLS: dict[str, type[ShellComplete]] = {
    "bash": BashComplete,
    "zsh": ZshComplete,
    "fish": FishComplete,
}
LIMIT = 200  # the most candidates offered at once

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]

if TYPE_CHECKING:  # the store is imported lazily: completing commands needs no index
    from ..core.store import Store


def _store(ctx: click.Context) -> Store | None:
    """The store of the CRM the command line points at (``-C``), or None."""
    from ..core.store import Store, discover_root

    repo = ctx.find_root().params.get("repo")
    try:
        return Store(discover_root(repo), warn=lambda message: None)
    except (PlaincrmError, OSError, sqlite3.Error):
        return None


def _safely(func: Callable[[click.Context, str], list[CompletionItem]]) -> Completer:
    """A click completion callback that offers nothing instead of failing."""

    def callback(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        try:
            return func(ctx, incomplete)
        except (PlaincrmError, OSError, sqlite3.Error, ValueError):
            return []

    return callback


def _query(ctx: click.Context, sql: str, params: Iterable[Any]) -> list[Any]:
    store = _store(ctx)
    if store is None:
        return []
    return store.index.conn.execute(sql, tuple(params)).fetchall()


def ref_candidates(ctx: click.Context, incomplete: str, types: Iterable[str] | None) -> list[Any]:
    """Record references starting with ``incomplete``: slugs, or ``folder/slug``."""
    from ..core.model import TYPE_BY_FOLDER, TYPES

    wanted = [name for name in (types if types is not None else TYPES) if name in TYPES]
    text = incomplete.lower()
    folder = ""
    if "/" in text:
        folder, _, text = text.partition("/")
        rtype = TYPE_BY_FOLDER.get(folder)
        if rtype is None or rtype.name not in wanted:
            return []
        wanted = [rtype.name]
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = _query(
        ctx,
        f"SELECT slug, title, type FROM files WHERE slug >= ? AND slug < ? "
        f"AND type IN ({marks}) AND fatal IS NULL ORDER BY slug, type LIMIT {LIMIT}",
        (text, text + "\U0010ffff", *wanted),
    )
    prefix = f"{folder}/" if folder else ""
    return [CompletionItem(f"{prefix}{slug}", help=title or None) for slug, title, _ in rows]


def complete_ref(types: Iterable[str] | None = None) -> Completer:
    """A callback completing references to records of ``types`` (default: every type)."""
    chosen = list(types) if types is not None else None
    return _safely(lambda ctx, incomplete: ref_candidates(ctx, incomplete, chosen))


def _task_ids(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    text = incomplete.lower()
    if "#" in text:  # REF#N: the tasks of one record by position
        record, _, _ = text.rpartition("#")
        rows = _query(
            ctx,
            "SELECT f.slug, t.pos, t.title FROM tasks t JOIN files f ON f.path = t.path "
            "WHERE f.slug = ? AND f.fatal IS NULL AND t.checked = 0 ORDER BY t.pos",
            (record,),
        )
        return [
            CompletionItem(f"{slug}#{pos}", help=title)
            for slug, pos, title in rows
            if f"{slug}#{pos}".startswith(text)
        ]
    rows = _query(
        ctx,
        "SELECT t.id, t.title, coalesce(f.title, f.slug) FROM tasks t "
        "JOIN files f ON f.path = t.path WHERE t.id >= ? AND t.id < ? AND t.checked = 0 "
        f"AND f.fatal IS NULL ORDER BY t.id LIMIT {LIMIT}",
        (text, text + "\U0010ffff"),
    )
    return [CompletionItem(tid, help=f"{title} [{record}]") for tid, title, record in rows]


complete_task_id: Completer = _safely(_task_ids)
"""Completes the ids of open tasks (and ``REF#N`` once a ``#`` is typed)."""


def _stages(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    store = _store(ctx)
    if store is None:
        return []
    from ..sales.deallog import CLOSED
    from ..sales.pipeline import read_pipeline

    stages = read_pipeline(store.config)[0].stages
    return [
        CompletionItem(stage.name, help=f"{stage.probability}%")
        for stage in stages
        if stage.name.startswith(incomplete) and stage.name not in CLOSED
    ]


complete_stage: Completer = _safely(_stages)
"""Completes the open stage names of the pipeline settings in plaincrm.yaml (a deal is
closed by ``deal win`` and ``deal lose``, never moved or added to won or lost)."""


def _owners(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    store = _store(ctx)
    if store is None:
        return []
    items = [
        CompletionItem(user.name, help=user.full_name)
        for user in store.config.users
        if user.name.startswith(incomplete)
    ]
    if "me".startswith(incomplete):
        items.append(CompletionItem("me", help="you"))
    return items


complete_owner: Completer = _safely(_owners)
"""Completes the users of plaincrm.yaml (and ``me``)."""


@click.command()
@click.argument("shell", type=click.Choice(list(SHELLS)))
def completion(shell: str) -> None:
    """Print the completion script for SHELL: commands, options, record
    references, task ids, stages and owners complete from the repository.

    \b
    Example (install it once, for bash, zsh or fish):
      echo 'eval "$(plaincrm completion bash)"' >> ~/.bashrc
      echo 'eval "$(plaincrm completion zsh)"' >> ~/.zshrc
      plaincrm completion fish > ~/.config/fish/completions/plaincrm.fish
    """
    root = click.get_current_context().find_root().command  # the plaincrm group
    click.echo(SHELLS[shell](root, {}, PROG, COMPLETE_VAR).source())
