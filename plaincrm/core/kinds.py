"""Record kinds: each domain declares its kinds here, the core iterates over them.

A record kind is one ``RecordType``: its folder, title field and schema, and what
the core asks of it -- the facts the index keeps of a record (``facts``), what the
first run's cheap look decides (``first_run``), what ``check`` finds in one file
(``rules``) and across records (``checks``), what needs attention ``today``
(``attention``), what the client card shows of a linked record (``card``), what a
new record gets when imported (``new_record``, ``slug_base``, ``updated``), the
fields only its own commands change (``by_command``), the command that lists it,
and the extension points other domains fill (``hooks``: documents gate deal stages
by adding to the deal's ``"stage_gate"``).

Each domain package declares its kinds in its ``kind.py``, which imports nothing
but this module (the functions it names import their modules when called, so that
loading the registry stays cheap); ``TYPES`` is filled by ``load()`` from every
``plaincrm/<package>/kind.py``, in ``rank`` order.  A domain adds to a kind of
another domain with ``extend`` (mail adds the index facts, the attention lists and
the check of its settings to clients).  docs/ARCHITECTURE.md walks through adding
a kind.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import Problem
    from .model import Record
    from .settings import Config
    from .store import Store


@dataclass
class Attention:
    """A record that needs a look today, and why."""

    kind: str  # "deal", "ticket", "invoice" ...
    path: str
    title: str
    reason: str
    client: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "record": self.path,
            "title": self.title,
            "reason": self.reason,
            "client": self.client,
        }


class KindRules:
    """What ``check`` finds in one file of a kind on its own, beyond its schema
    (``check.FileRules`` asks each kind's ``rules(config)`` for one).

    ``context`` is what else the verdicts depend on (JSON-able: the settings read), kept
    in the key of every verdict; ``texts``: ``judge`` reads the file's text.  ``judge``
    returns the problems and the needs: ``(need, name, problem)``, a problem that holds
    when ``name`` is missing -- ``need`` ``"record"`` (``type:slug``, looked up by the
    core) or one of the kind's own, decided by ``unmet``."""

    context: Any = None
    texts: bool = False

    def judge(
        self, record: Record, text: str
    ) -> tuple[list[Problem], list[tuple[str, str, Problem]]]:
        return [], []

    def unmet(self, store: Store, needs: list[tuple[str, str, Problem]]) -> list[Problem]:
        """Of the needs of the kind's own (not ``"record"``), the problems that hold."""
        return []


# A provider gives, for (store, day, owner, limit), the first ``limit`` records of its
# kind that need attention (None: all; most urgent first) and how many there are: the
# text views show a few of each kind, and a provider's work should be that of those.
# A provider that reads other records or fields must teach ``first_run`` to pick them.
AttentionProvider = Callable[
    ["Store", date, "str | None", "int | None"], tuple[list[Attention], int]
]
Facts = Callable[["Record"], "dict[str, Any] | None"]
# The first run's cheap look at a file (``firstrun.needs_parse``), given the raw top-level
# front matter values (``firstrun.scalar`` reads one), the bytes, and whether the record
# is the viewer's (its owner is the viewer, none or unsure, or the view is everybody's):
# True to parse it, False to leave it out, a str: what the view shows for it.
FirstRun = Callable[[dict[bytes, bytes], bytes, bool], "bool | str"]
Check = Callable[["Store"], "list[Problem]"]


@dataclass(frozen=True, eq=False)
class RecordType:
    """A record kind: a Markdown file in ``folder``, described by ``schema/<schema>``."""

    name: str  # "client"
    folder: str  # "clients"
    title_field: str  # the front matter key that names a record
    schema: str  # schema/<schema>.schema.json
    rank: int = 100  # the order of the kinds (lists, the index, check)
    schema_file: Path | None = None  # a schema outside plaincrm's schema/ folder
    list_command: str = ""  # the command that lists them; default "<name> list"
    # Called once per run for each record, these two return the function (importing it):
    # the facts the index keeps of a record (a new value needs a new index.SCHEMA_VERSION)
    facts: Callable[[], Facts] | None = None
    # the first run's look; its str is the title the view shows (``first_run_link``:
    # the client whose card may hold the record's next step)
    first_run: Callable[[], FirstRun] | None = None
    first_run_link: bool = False
    rules: Callable[[Config], KindRules] | None = None
    checks: tuple[Check, ...] = ()  # across records and of the kind's settings
    # its checks judge the kind as a whole (a numbering series): a change to one of its
    # records answers for every problem they find (``check.check_touched``, for sync)
    checks_whole: bool = False
    attention: tuple[AttentionProvider, ...] = ()
    attention_rank: int = 100  # the order of today's attention lists
    # what a linked record shows on the client card after its ref and title
    card: Callable[[Store, Record], dict[str, str]] | None = None
    # import: a new record's defaults (filled into the fields) and body, as its own
    # command makes them; its file name's words; an updated record's text with what
    # its commands would add, given what changed in words (a deal logs it)
    # (the store, the fields, the stage a closed record was at before, from another CRM)
    new_record: Callable[[Store, dict[str, Any], str | None], str] | None = None
    slug_base: Callable[[dict[str, Any]], str] | None = None
    updated: Callable[[Store, str, str], str] | None = None
    # the fields only their own commands change: field -> the command that does
    by_command: Mapping[str, str] = field(default_factory=dict)
    # extension points that other domains fill: name -> functions
    hooks: Mapping[str, tuple[Callable[..., Any], ...]] = field(default_factory=dict)

    def listed_by(self) -> str:
        return f"plaincrm {self.list_command or self.name + ' list'}"

    def hook(self, name: str) -> tuple[Callable[..., Any], ...]:
        return self.hooks.get(name, ())


TYPES: dict[str, RecordType] = {}
TYPE_BY_FOLDER: dict[str, RecordType] = {}
SCHEMA_FILES: dict[str, Path] = {}  # schema name -> file, of kinds with a schema_file
_EXTENSIONS: list[tuple[str, dict[str, Any]]] = []


def _settle() -> None:
    ordered = sorted(TYPES.values(), key=lambda t: t.rank)
    TYPES.clear()
    TYPES.update((t.name, t) for t in ordered)
    TYPE_BY_FOLDER.clear()
    TYPE_BY_FOLDER.update((t.folder, t) for t in ordered)


def _extended(kind: RecordType, more: dict[str, Any]) -> RecordType:
    changes: dict[str, Any] = {}
    for name, value in more.items():
        current = getattr(kind, name)
        if name == "hooks":
            merged = dict(current)
            for hook, functions in value.items():
                merged[hook] = (*merged.get(hook, ()), *functions)
            changes[name] = merged
        elif isinstance(current, tuple):
            changes[name] = (*current, *value)
        elif current is None:
            changes[name] = value
        else:
            raise ValueError(f"the {kind.name} kind has its {name} already")
    return replace(kind, **changes)


def register(kind: RecordType) -> None:
    """Add a record kind (with what other domains added to it already)."""
    if kind.name in TYPES or kind.folder in TYPE_BY_FOLDER:
        raise ValueError(f"a record kind {kind.name} or folder {kind.folder} exists")
    for name, more in _EXTENSIONS:
        if name == kind.name:
            kind = _extended(kind, more)
    if kind.schema_file is not None:
        SCHEMA_FILES[kind.schema] = kind.schema_file
    TYPES[kind.name] = kind
    _settle()


def extend(name: str, **more: Any) -> None:
    """Add to the kind ``name`` of another domain: tuples and hooks are appended to, a slot
    it does not fill is filled.  Applied when that kind is registered, if not yet."""
    known = {f.name for f in fields(RecordType)}
    unknown = set(more) - known
    if unknown:
        raise TypeError(f"RecordType has no {', '.join(sorted(unknown))}")
    _EXTENSIONS.append((name, more))
    if name in TYPES:
        TYPES[name] = _extended(TYPES[name], more)
        _settle()


@contextmanager
def changed() -> Iterator[None]:
    """The registrations made inside are taken back at its end (a test's kind or gate)."""
    load()
    saved = dict(TYPES), dict(SCHEMA_FILES), list(_EXTENSIONS)
    try:
        yield
    finally:
        TYPES.clear()
        TYPES.update(saved[0])
        SCHEMA_FILES.clear()
        SCHEMA_FILES.update(saved[1])
        _EXTENSIONS[:] = saved[2]
        _settle()


def declarations() -> Iterator[str]:
    """The modules that declare kinds: ``plaincrm.<package>.kind``, every package that has
    one, in name order."""
    here = Path(__file__).resolve().parents[1]  # plaincrm/
    for entry in sorted(os.scandir(here), key=lambda e: e.name):
        if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "kind.py")):
            yield f"plaincrm.{entry.name}.kind"


def load() -> None:
    """Fill ``TYPES`` from every package's ``kind.py`` (once)."""
    if TYPES:
        return
    for module in declarations():
        importlib.import_module(module)
