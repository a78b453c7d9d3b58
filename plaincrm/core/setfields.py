"""``set``: change the details of a record, the same way for every record type.

``client set``, ``ticket set``, ``doc set`` and ``deal set`` go through
``set_record``.  What to change is decided on the text being changed, under
the write lock (inside ``Store.modify``'s edit): each value the command was
given is converted by its field's kind in the schema (text, date, number,
list ...), an empty value clears the field, list items (tags) are added or
removed one by one.  The result is checked as ``plaincrm check`` checks it
(the schema, owners that are users, references to records that exist): a
change that would give the record a problem it did not have is refused with
check's own message.  The front matter is rewritten through
``frontmatter.set_fields`` (only the changed values' text; a block list gains
lines), record types with a ``## Log`` get a ``changed ...`` line, and the
whole change is one commit.

Each kind's ``by_command`` (``core.kinds``) names the fields only their own
commands change, because those commands record the change (a deal's stage, a
ticket's status, an invoice's number): ``set`` and ``import`` refuse them and
say which command to use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidError, UsageError
from .frontmatter import append_items, remove_items, set_fields
from .model import TYPES, Kind, Record, field_kinds, slug_of
from .records import ParseFailure, append_log, one_line, parse_record
from .schemas import load_schema
from .settings import one_word_problem
from .store import Store, type_of_path, writes

_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # a front matter key 'set' may add


def check_owner(store: Store, owner: str | None) -> None:
    """Refuse an owner that is not a configured user (when users are configured),
    or that is not one word (owner:NAME ends at a space)."""
    problem = one_word_problem(owner) if owner else None
    if problem:
        raise InvalidError(problem)
    names = store.config.user_names()
    if owner and names and owner not in names:
        raise InvalidError(
            f"'{owner}' is not a user in plaincrm.yaml; known users: {', '.join(names)}"
        )


@dataclass
class Wanted:
    """What a set command was asked to change, as typed."""

    values: dict[str, str] = field(default_factory=dict)  # key -> text ('' clears it)
    add: dict[str, list[str]] = field(default_factory=dict)  # list key -> items to add
    remove: dict[str, list[str]] = field(default_factory=dict)  # list key -> items to remove

    def __bool__(self) -> bool:
        return bool(self.values or self.add or self.remove)

    def give(self, key: str, text: str | None, option: str) -> None:
        """Set ``key`` to ``text`` (None: not asked); refuses a field given twice."""
        if text is None:
            return
        if key in self.values:
            raise UsageError(f"{option} and --field {key}=... both set {key}: give it once")
        self.values[key] = text


@dataclass
class Edit:
    """What one set command changes in a record."""

    changes: dict[str, Any] = field(default_factory=dict)  # key -> new value (None: remove)
    appended: dict[str, list[Any]] = field(default_factory=dict)  # list key -> items added
    removed: dict[str, list[Any]] = field(default_factory=dict)  # list key -> items removed
    said: list[str] = field(default_factory=list)  # the changes in words: "email a -> b"
    log: list[str] = field(default_factory=list)  # whole ## Log lines to add
    already: list[str] = field(default_factory=list)  # asked for, but so already: "tag vip"

    def __bool__(self) -> bool:
        return bool(self.changes or self.log)

    def merge(self, other: Edit) -> None:
        self.changes.update(other.changes)
        self.appended.update(other.appended)
        self.removed.update(other.removed)
        self.said.extend(other.said)
        self.log.extend(other.log)
        self.already.extend(other.already)


Decide = Callable[[Record], Edit]


def field_options(items: Iterable[str]) -> dict[str, str]:
    """``--field KEY=VALUE`` options as key -> text (``KEY=`` clears the field)."""
    found: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not _KEY_RE.match(key):
            raise UsageError(
                f"--field '{item}': write it as KEY=VALUE, e.g. --field vat_number=HU12345678 "
                "(KEY= clears the field)"
            )
        if key in found:
            raise UsageError(f"--field {key} is given twice: give it once")
        found[key] = value
    return found


@writes
def set_record(store: Store, path: str, decide: Decide, verb: str) -> Edit:
    """Change the record at ``path`` as ``decide`` says, deciding on the text being
    changed (under the write lock), check the result as ``check`` does, and make
    one commit (``"<verb>: <title> (<path>)"``).  Returns what was done.

    ``decide`` raises when the change makes no sense; an empty edit is "nothing to
    change".
    """
    rtype = type_of_path(path)
    title = store.load(path).title  # for the commit message; a broken file stops here
    done: list[Edit] = []

    def edit(text: str) -> str:
        record = parse_record(rtype, path, text)
        wanted = decide(record)
        if not wanted:
            raise InvalidError(
                f"nothing to change: {record.slug} already has "
                + (", ".join(wanted.already) or "those values")
            )
        new = _apply(text, wanted)
        try:
            after = parse_record(rtype, path, new)
        except ParseFailure as failure:  # a value YAML cannot hold as written
            raise InvalidError(f"not changing {path}: {failure.problem.message}") from None
        _refuse_new_problems(store, path, record, after)
        done.append(wanted)
        return append_log(new, wanted.log) if wanted.log else new

    store.modify(path, edit, f"{verb}: {title} ({path})")
    return done[0]


def _apply(text: str, wanted: Edit) -> str:
    """The changes as minimal edits: a block list loses and gains item lines (its
    other lines and their comments stay); every other value is set in place."""
    rest = dict(wanted.changes)
    for key in dict.fromkeys([*wanted.removed, *wanted.appended]):
        edited: str | None = text
        if key in wanted.removed and edited is not None:
            edited = remove_items(edited, key, wanted.removed[key])
        if key in wanted.appended and edited is not None:
            edited = append_items(edited, key, wanted.appended[key])
        if edited is not None:
            text = edited
            del rest[key]
    return set_fields(text, rest)


def _refuse_new_problems(store: Store, path: str, before: Record, after: Record) -> None:
    """Refuse a change that gives the record a problem ``check`` would report and it
    did not have (problems it already had are its own business)."""
    from .check import record_problems

    old = {problem.message for problem in record_problems(before)}
    new = [problem.message for problem in record_problems(after) if problem.message not in old]
    if new:
        raise InvalidError(f"not changing {path}: {'; '.join(dict.fromkeys(new))}")


@writes
def change_record(
    store: Store, path: str, wanted: Wanted, verb: str, log: Callable[[str], str] | None = None
) -> Edit:
    """``set_record`` of the values ``wanted`` gives (``plan_edit``); ``log`` makes the
    ``## Log`` line that says what changed (``changed email a -> b``), for the record
    types that keep one."""

    def decide(record: Record) -> Edit:
        edit = plan_edit(store, record, wanted)
        if edit.changes and log is not None:
            edit.log.append(log(f"changed {'; '.join(edit.said)}"))
        return edit

    return set_record(store, path, decide, verb)


# ---------------------------------------------------------------- typed values


def plan_edit(store: Store, record: Record, wanted: Wanted) -> Edit:
    """The changes ``wanted`` makes to ``record``: values converted by their fields'
    kinds, unchanged values left out, list items added and removed."""
    rtype = record.type
    kinds = field_kinds(rtype.name)
    props: dict[str, Any] = load_schema(rtype.schema).get("properties", {})
    out = Edit()
    for key in [*wanted.values, *wanted.add, *wanted.remove]:
        _refuse_guarded(record, key, kinds.get(key))
    for key, text in wanted.values.items():
        old = record.fields.get(key)
        new = None if not text.strip() else _value(store, record, key, kinds.get(key), props, text)
        if _same(old, new):
            out.already.append(f"{key} {_shown(old)}" if new is not None else f"no {key}")
            continue
        out.changes[key] = new
        out.said.append(f"{key} {_shown(old)} -> {_shown(new)}")
    for key in dict.fromkeys([*wanted.add, *wanted.remove]):
        _list_change(record, key, kinds.get(key), wanted, out)
    return out


def _refuse_guarded(record: Record, key: str, kind: Kind | None) -> None:
    how = record.type.by_command.get(key)
    if how:
        raise InvalidError(f"{record.slug}: set does not change {key}: use {how}")
    nested = kind is not None and (
        kind.name == "mapping"
        or (kind.name == "list" and kind.items and kind.items.name == "mapping")
    )
    if nested:
        raise InvalidError(
            f"{record.slug}: {key} holds entries of their own: change them with "
            f"'plaincrm edit {record.slug}'"
        )


def _value(
    store: Store, record: Record, key: str, kind: Kind | None, props: dict[str, Any], text: str
) -> Any:
    """A typed value as its field holds it.  What cannot be converted stays text, so
    that the check of the result says what is wrong with it, as ``check`` would."""
    value = one_line(text)
    prop = props.get(key)
    prop = prop if isinstance(prop, dict) else {}
    if prop.get("x-ref") == "user":
        check_owner(store, value)
        return value
    target = prop.get("x-ref")
    if target in TYPES:  # a record, named as on the command line: any unambiguous prefix
        return slug_of(store.resolve(value, [target]))
    if kind is None:
        return value
    if prop.get("enum"):
        return next((v for v in prop["enum"] if str(v).lower() == value.lower()), value)
    if kind.name == "date":
        from .dates import parse_date

        return parse_date(value, store.today())
    if kind.name in ("number", "integer"):
        from .model import parse_number

        number = parse_number(value)
        return value if number is None else number
    if kind.name == "boolean":
        lowered = value.lower()
        return (
            True if lowered in ("yes", "true") else False if lowered in ("no", "false") else value
        )
    if kind.name == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def _list_change(record: Record, key: str, kind: Kind | None, wanted: Wanted, out: Edit) -> None:
    if kind is not None and kind.name != "list":
        raise InvalidError(f"{record.slug}: {key} is not a list, so nothing is added to it")
    current = record.get_list(key)
    noun = key[:-1] if key.endswith("s") else key
    added: list[str] = []
    removed: list[str] = []
    for item in map(one_line, wanted.add.get(key, [])):
        if not item:
            raise InvalidError(f"an empty {noun} adds nothing: give it a name")
        if item in current:
            out.already.append(f"{noun} {item}")
        elif item not in added:
            added.append(item)
    for item in map(one_line, wanted.remove.get(key, [])):
        if item in added:
            raise UsageError(f"{noun} '{item}' is both added and removed: give it once")
        if item not in current:
            out.already.append(f"no {noun} {item}")
        elif item not in removed:
            removed.append(item)
    if not added and not removed:
        return
    kept = [item for item in current if item not in removed]
    out.changes[key] = [*kept, *added] or None
    if added:
        out.appended[key] = added
    if removed:
        out.removed[key] = removed
    words = [f"+ {', '.join(added)}"] if added else []
    words += [f"- {', '.join(removed)}"] if removed else []
    out.said.append(f"{key} {'; '.join(words)}")


def _same(old: Any, new: Any) -> bool:
    return _comparable(old) == _comparable(new)


def _comparable(value: Any) -> Any:
    if value in (None, "", []):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return str(value)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _shown(value: Any) -> str:
    if value in (None, "", []):
        return "none"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return one_line(str(value))
