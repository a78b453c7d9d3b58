"""The record-aware three-way merge behind ``sync`` (git calls it as a merge driver).

Each version of the record is cut into atoms (``recordparts``): front matter
keys, tasks, log lines.  Every atom is replaced by one placeholder line that
names it and a digest of its text, and git's own three-way merge
(``git merge-file``) merges these skeletons: the free text merges line by line
exactly as git would, while each atom is one line whose content the merge
decides here, key by key against the common ancestor:

- a front matter key changed on one side takes that side's lines; changed on
  both to different values: the value of *theirs* (the side merged in, for
  ``sync`` the one already pushed) is kept, and ours is written to the
  ``## Log`` (``- DATE plaincrm: merge kept phone: X, other value Y``); lists
  of plain values (tags) are merged item by item;
- tasks merge by id: a task changed on both sides is merged token by token
  (box, title, due, at, dur, done, owner) and its notes line by line; a task
  deleted on one side but changed on the other is kept; two different tasks
  added with the same id both stay, theirs with a fresh id;
- log lines are a union, placed in date order;
- the threads of the ``## Mail`` section merge mail by mail (``core.mailentries.
  merge_thread``): a mail both sides recorded is there once, and no mail is
  there twice however the sides grouped it (``dedupe``);
- the front matter, the body, and the ``## Tasks``, ``## Log`` and ``## Mail`` sections are
  merged apart (a section created on both sides becomes one).

Where git itself would stop with conflict markers, the atoms on both sides are
all kept, and free text changed on both sides keeps both versions (ours
first).  The merge never fails and never writes conflict markers; what it had
to decide is returned as notes for ``sync`` to report.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import ids, tasklines
from ..core.dates import today
from ..core.frontmatter import FrontError, load, render_value_lines, split
from ..core.mailentries import dedupe, merge_thread
from ..core.model import is_record_path
from ..core.recordparts import Atom, Parts, cut, follow_ids
from ..core.records import append_log, append_to_section, log_line
from ..core.settings import find_root
from . import repo as gitrepo

MARKER_SIZE = 63
_OURS = "<" * MARKER_SIZE + " ours"
_SPLIT = "=" * MARKER_SIZE
_THEIRS = ">" * MARKER_SIZE + " theirs"
_PLACE = "\x1e"  # starts a placeholder line; no record text uses this control character
_TEXT = "\x1dT"  # starts every line of text while git merges (see _Merger.resolve)
_PAD = "\x1dP"  # starts the padding lines added while git merges
REPORT_ENV = "PLAINCRM_MERGE_REPORT"  # a file where the driver writes its notes (for sync)


@dataclass
class MergeResult:
    text: str
    notes: list[str] = field(default_factory=list)  # what the merge decided, in words


def merge_record(base: str, ours: str, theirs: str) -> MergeResult:
    """Merge two versions of a record file against their common ancestor.

    A change of form alone is no change to merge: the byte order mark and the line
    breaks (CRLF or LF) are taken off the three versions and the result gets the form
    their three-way merge gives; a line one side changed only in trailing whitespace
    takes the other side's change of it (``_settle_blank_changes``).  When the front
    matter of a version cannot be cut into keys (its YAML does not parse), the front
    matter of all three is merged as lines.
    """
    forms = [_form(text) for text in (base, ours, theirs)]
    texts = _settle_blank_changes(
        *(_undress(text, form) for text, form in zip((base, ours, theirs), forms, strict=True))
    )
    parts = [cut(text) for text in texts]
    if any(_front_not_by_key(text, part) for text, part in zip(texts, parts, strict=True)):
        parts = [cut(text, by_key=False) for text in texts]
    follow_ids(parts[0], parts[1])
    follow_ids(parts[0], parts[2])
    merger = _Merger(parts[0], parts[1], parts[2], atoms=_PLACE not in "".join(texts))
    if merger.atoms:
        text = dedupe(merger.run())
    else:
        text = "\n".join(merger.resolve([version.split("\n") for version in texts]))
    form = tuple(_theirs_on_clash(*side) for side in zip(*forms, strict=True))
    return MergeResult(_dress(text, form), merger.notes)


_BOM = "\ufeff"
Form = tuple[bool, bool]  # a byte order mark; CRLF line breaks


def _form(text: str) -> Form:
    """Whether ``text`` starts with a byte order mark, and whether most of its line
    breaks are CRLF."""
    return text.startswith(_BOM), text.count("\r\n") * 2 > text.count("\n")


def _undress(text: str, form: Form) -> str:
    """``text`` without its byte order mark, its CRLF line breaks made LF (``_form``)."""
    bom, crlf = form
    text = text.removeprefix(_BOM) if bom else text
    return text.replace("\r\n", "\n") if crlf else text


def _dress(text: str, form: Form) -> str:
    bom, crlf = form
    if crlf:
        text = re.sub(r"\r?\n", "\r\n", text)
    return _BOM + text if bom else text


def _theirs_on_clash(base: Any, ours: Any, theirs: Any) -> Any:
    value = _three(base, ours, theirs)
    return theirs if value is _CLASH else value


def _front_not_by_key(text: str, parts: Parts) -> bool:
    """Whether ``text`` has front matter that ``cut`` could not cut into keys (its YAML
    does not parse, or its shape is not key after key)."""
    try:
        front = split(text).front
    except FrontError:
        return True  # not closed
    return front is not None and not parts.of_kind("field") and parts.fields != {}


def _settle_blank_changes(base: str, ours: str, theirs: str) -> tuple[str, str, str]:
    """The three versions, where one side changed a line only in its trailing whitespace
    and the other side changed it too, with that side's line back as in ``base``: the
    other side's change is then the only one (theirs, when both changes are of
    whitespace)."""
    lines = [text.split("\n") for text in (base, ours, theirs)]
    if not any(_blank_changes(lines[0], side) for side in lines[1:]):
        return base, ours, theirs
    settled_ours = _unchange(lines[0], lines[1], _changed(lines[0], lines[2], strip=False))
    settled_theirs = _unchange(lines[0], lines[2], _changed(lines[0], lines[1], strip=True))
    return base, "\n".join(settled_ours), "\n".join(settled_theirs)


def _blank_changes(base: list[str], side: list[str]) -> bool:
    """Whether ``side`` has a line that is a line of ``base`` but for trailing whitespace."""
    raw = set(base)
    stripped = {line.rstrip() for line in base}
    return any(line not in raw and line.rstrip() in stripped for line in side)


def _changed(base: list[str], side: list[str], *, strip: bool) -> set[int]:
    """The lines of ``base`` that ``side`` changed (``strip``: beyond trailing whitespace)."""
    key = str.rstrip if strip else str
    matcher = difflib.SequenceMatcher(
        None, [key(line) for line in base], [key(line) for line in side], False
    )
    kept = {
        i for tag, i1, i2, _, _ in matcher.get_opcodes() if tag == "equal" for i in range(i1, i2)
    }
    return set(range(len(base))) - kept


def _unchange(base: list[str], side: list[str], changed_elsewhere: set[int]) -> list[str]:
    """``side`` with its lines that differ from their line of ``base`` only in trailing
    whitespace put back as in ``base``, where that line is in ``changed_elsewhere``."""
    out = list(side)
    matcher = difflib.SequenceMatcher(
        None, [line.rstrip() for line in base], [line.rstrip() for line in side], False
    )
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag != "equal":
            continue
        for offset in range(i2 - i1):
            i, j = i1 + offset, j1 + offset
            if side[j] != base[i] and i in changed_elsewhere:
                out[j] = base[i]
    return out


def _placeholder(atom: Atom) -> str:
    digest = hashlib.blake2s(atom.text.encode("utf-8"), digest_size=8).hexdigest()
    return f"{_PLACE}{atom.kind}\x1f{atom.key}\x1f{digest}"


def _double_blank(lines: list[str]) -> bool:
    return any(not one.strip() and not two.strip() for one, two in itertools.pairwise(lines))


def _tidy(lines: list[str], sides: list[str]) -> list[str]:
    """Runs of blank lines that the merge made (neither side has one) become one."""
    if any(_double_blank(side.split("\n")) for side in sides):
        return lines
    out: list[str] = []
    for line in lines:
        if line.strip() or not out or out[-1].strip():
            out.append(line)
    return out


def _lines(items: list[str | Atom]) -> list[str]:
    return [line for item in items for line in (item.lines if isinstance(item, Atom) else [item])]


def _unmark(line: str) -> str:
    """A conflict marker as ``resolve`` looks for it: git ends it with the CR of the
    lines around it in a CRLF file."""
    bare = line.removesuffix("\r")
    return bare if bare in (_OURS, _SPLIT, _THEIRS) else line


def _atom_id(line: str) -> tuple[str, str] | None:
    """The atom a skeleton line stands for (None for a line of text)."""
    if not line.startswith(_PLACE):
        return None
    kind, key, _ = line[1:].split("\x1f")
    return kind, key


class _Merger:
    def __init__(self, base: Parts, ours: Parts, theirs: Parts, atoms: bool) -> None:
        self.base, self.ours, self.theirs = base, ours, theirs
        self.atoms = atoms  # False: a file holding our placeholder character, merged as text
        self.notes: list[str] = []
        self.log_lines: list[str] = []
        self.emitted: set[tuple[str, str]] = set()
        self.skip_blank = False  # drop the next line if blank (after a duplicate heading)
        self.after_thread = False  # the last line out ends a mail thread
        self.day = today().isoformat()
        self.task_ids = {
            atom.task.id
            for parts in (base, ours, theirs)
            for atom in parts.of_kind("task").values()
            if atom.task and atom.task.id
        }

    # ---------------------------------------------------------- the whole file

    def run(self) -> str:
        versions = (self.base, self.ours, self.theirs)
        if all(parts.body_start > 0 for parts in versions):
            # Front matter and body are merged apart, so that no conflict spans both.
            cuts = [parts.body_start - 1 for parts in versions]  # the closing --- line
            pairs = list(zip(versions, cuts, strict=True))
            front = self.resolve([[*self._region(p, 0, c), ""] for p, c in pairs], front=True)
            if front and not front[-1]:
                front.pop()
            body = self.resolve([self._region(p, c, len(p.items)) for p, c in pairs], len(front))
            lines = front + body
        else:
            lines = self.resolve([self._region(p, 0, len(p.items)) for p in versions])
        text = self._add_missing("\n".join(_tidy(lines, [self.ours.text(), self.theirs.text()])))
        if self.log_lines:
            text = append_log(text, self.log_lines)
        return text

    def _region(self, parts: Parts | None, start: int, stop: int) -> list[str]:
        """The skeleton of ``parts.items[start:stop]``: a placeholder line for each atom,
        one for each whole ``## Tasks`` or ``## Log`` section (merged on its own)."""
        if parts is None:
            return []
        heads = {first: (name, end) for name, (first, end) in parts.sections.items()}
        out = []
        i = start
        while i < stop:
            if i in heads:
                name, i = heads[i]
                out.append(f"{_PLACE}section\x1f{name}\x1f")
                continue
            item = parts.items[i]
            out.append(_placeholder(item) if isinstance(item, Atom) else item)
            i += 1
        return out

    def resolve(
        self, versions: list[list[str]], offset: int = 0, *, front: bool = False
    ) -> list[str]:
        """git's merge of the lines of base, ours and theirs, every conflict resolved (see
        the module docstring); ``offset``: how many lines precede them in the file;
        ``front``: they are the front matter, where both versions of a line of text
        cannot be kept (a key would be there twice).

        git joins two conflicts into one when at most three lines, or only lines without
        a letter or digit (``---``, blank lines), lie between them.  So that a conflict
        is only where both sides changed the same or adjacent lines, every line of text
        gets a prefix with a letter, and every line is followed by three padding lines.
        """
        if not any(versions):
            return []
        base, ours, theirs = ("\n".join(self._pad(lines)) for lines in versions)
        merged, _ = gitrepo.merge_file(ours, base, theirs, MARKER_SIZE)
        lines = [
            _unmark(line.removeprefix(_TEXT))
            for line in merged.split("\n")
            if not line.startswith(_PAD)
        ]
        out: list[str] = []
        i = 0
        while i < len(lines):
            if lines[i] != _OURS:
                self._emit_line(out, lines[i], offset)
                i += 1
                continue
            split_at = lines.index(_SPLIT, i)
            end = lines.index(_THEIRS, split_at)
            mine, yours = lines[i + 1 : split_at], lines[split_at + 1 : end]
            if front and self._has_text(mine) and self._has_text(yours):
                self._front_clash(out, mine, yours, offset)
            else:
                self._resolve_hunk(out, mine, yours, offset)
            i = end + 1
        return out

    def _pad(self, lines: list[str]) -> list[str]:
        padded = []
        for line in lines:
            escaped = line if self._atom_id(line) else _TEXT + line
            padded += [escaped, *(f"{_PAD}{n}{escaped}" for n in (1, 2, 3))]
        return padded

    def _atom_id(self, line: str) -> tuple[str, str] | None:
        return _atom_id(line) if self.atoms else None

    def _emit_line(self, out: list[str], line: str, offset: int) -> None:
        atom_id = self._atom_id(line)
        skip, self.skip_blank = self.skip_blank, False
        after_thread, self.after_thread = self.after_thread, False
        if atom_id is None:
            if not (skip and not line.strip()):
                out.append(line)
            return
        if atom_id in self.emitted:
            if atom_id[0] == "section":
                # A section both sides created: one heading, and no gap for the other one.
                if out and not out[-1].strip():
                    out.pop()
                self.skip_blank = True
            self.after_thread = after_thread
            return
        self.emitted.add(atom_id)
        if atom_id[0] == "section":
            out.extend(self._section(atom_id[1], offset + len(out)))
        elif atom_id[0] == "thread":
            lines = self._resolve(*atom_id)
            if lines and after_thread and out and out[-1].strip():
                out.append("")  # threads placed one after the other stand apart
            out.extend(lines)
            self.after_thread = bool(lines)
        else:
            out.extend(self._resolve(*atom_id))

    def _section(self, name: str, offset: int) -> list[str]:
        """A merged ``## Tasks`` or ``## Log`` section: its heading and its lines."""
        versions = (self.base, self.ours, self.theirs)
        spans = [parts.sections.get(name) for parts in versions]
        texts = [
            "\n".join(_lines(parts.items[span[0] : span[1]])) if span else None
            for parts, span in zip(versions, spans, strict=True)
        ]
        base, ours, theirs = texts
        if ours is None and theirs is None:
            return []
        if (ours is None or theirs is None) and base == (ours or theirs):
            return []  # deleted on one side, unchanged on the other
        heading = (
            self._resolve("section", name)
            or (
                self.ours.atoms.get(("section", name)) or self.theirs.atoms[("section", name)]
            ).lines
        )
        content = self.resolve(
            [
                self._region(parts, span[0] + 1, span[1]) if span else []
                for parts, span in zip(versions, spans, strict=True)
            ],
            offset + len(heading),
        )
        return [*heading, *content]

    def _resolve_hunk(
        self, out: list[str], ours: list[str], theirs: list[str], offset: int
    ) -> None:
        """A place where both sides changed the same lines: lines both sides have are kept
        once, atoms of both sides are kept (theirs after ours, log lines by date), and
        text only one side has is kept too (ours first), with a note."""
        at = offset + len(out) + 1
        clash = False
        # Blank lines are junk: they only join a match that other lines start.
        matcher = difflib.SequenceMatcher(lambda line: not line.strip(), ours, theirs, False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            mine, yours = ours[i1:i2], theirs[j1:j2]
            kinds = {self._kind(line) for line in mine + yours}
            if tag == "equal":
                lines = mine
            elif kinds <= {"field", "task", "log", "thread", "blank"}:
                lines = _interleave(mine, yours, self._date_of)
            else:
                clash = clash or (self._has_text(mine) and self._has_text(yours))
                heading = bool(yours) and self._kind(yours[0]) in ("section", "heading")
                gap = [""] if heading and mine and self._kind(mine[-1]) != "blank" else []
                lines = [*mine, *gap, *yours]
            for line in lines:
                self._emit_line(out, line, offset)
        if clash:
            self.notes.append(
                f"the text near line {at} was changed on both sides; "
                "both versions are kept, yours first"
            )

    def _front_clash(self, out: list[str], ours: list[str], theirs: list[str], offset: int) -> None:
        """Front matter lines that are not fields (it could not be cut into keys) changed on
        both sides: theirs are kept, as for a field, and ours go to the ``## Log``."""
        at = offset + len(out) + 1
        for line in theirs:
            self._emit_line(out, line, offset)
        mine = [line for line in ours if not self._atom_id(line) and line.strip()]
        text = f"merge kept the other front matter near line {at}, yours was {_one_line(mine)}"
        self.log_lines.append(log_line(self.day, None, text))
        self.notes.append(f"changed on both sides: {text} (written to ## Log)")

    def _has_text(self, lines: list[str]) -> bool:
        return any(self._kind(line) in ("text", "heading") for line in lines)

    def _kind(self, line: str) -> str:
        """An atom's kind, or ``blank``, ``heading`` or ``text`` for a line of text."""
        atom_id = self._atom_id(line)
        if atom_id:
            return atom_id[0]
        if not line.strip():
            return "blank"
        return "heading" if line.startswith("#") else "text"

    def _date_of(self, atom_id: tuple[str, str]) -> str:
        atom = self._atom(self.ours, atom_id) or self._atom(self.theirs, atom_id)
        entry = atom.entry if atom else None
        return f"{entry.date} {entry.time or ''}" if entry else ""

    @staticmethod
    def _atom(parts: Parts, atom_id: tuple[str, str]) -> Atom | None:
        return parts.atoms.get(atom_id)

    def _add_missing(self, text: str) -> str:
        """Atoms that the merged skeleton lost track of (moved on one side) go back in."""
        for parts in (self.ours, self.theirs):
            for atom_id in parts.atoms:
                if atom_id in self.emitted:
                    continue
                self.emitted.add(atom_id)
                lines = self._resolve(*atom_id)
                if lines:
                    text = _put_back(text, atom_id[0], lines)
        return text

    # ---------------------------------------------------------- one atom

    def _resolve(self, kind: str, key: str) -> list[str]:
        b, o, t = (parts.atoms.get((kind, key)) for parts in (self.base, self.ours, self.theirs))
        if o is None or t is None:
            return self._one_side(kind, b, o, t)
        if o.text == t.text:
            return o.lines
        if b is not None and o.text == b.text:
            return t.lines
        if b is not None and t.text == b.text:
            return o.lines
        if kind == "field":
            return self._field(key, b, o, t)
        if kind == "task":
            return self._task(b, o, t)
        if kind == "thread":
            return merge_thread(b.lines if b else None, o.lines, t.lines)
        return o.lines  # a log line or heading changed on both sides: ours

    def _one_side(self, kind: str, b: Atom | None, o: Atom | None, t: Atom | None) -> list[str]:
        kept = o or t
        if kept is None:
            return []
        if b is None:
            return kept.lines  # added on one side
        if kept.text == b.text:
            return []  # deleted on the other side, unchanged here
        if kind == "log":
            return []
        self.notes.append(f"{_describe(kept)}: deleted on one side, changed on the other; kept")
        return kept.lines

    # ---------------------------------------------------------- front matter

    def _field(self, key: str, b: Atom | None, o: Atom, t: Atom) -> list[str]:
        bv, ov, tv = (_field_value(atom, key) for atom in (b, o, t))
        if ov == tv:
            return o.lines
        if b is not None and ov == bv:  # ours only wrote it differently (quotes ...)
            return t.lines
        if b is not None and tv == bv:
            return o.lines
        if _plain_list(ov) and _plain_list(tv) and (bv is None or _plain_list(bv)):
            base_items = bv or []
            items = [x for x in ov if x in tv or x not in base_items]
            items += [x for x in tv if x not in ov and x not in base_items]
            if items == tv:
                return t.lines
            return render_value_lines(key, items)
        self._conflict(f"{key}: {_show(tv)}", f"{_show(ov)}")
        return t.lines

    def _conflict(self, kept: str, other: str) -> None:
        """Both sides changed a value: theirs is kept, ours goes to the ## Log."""
        text = f"merge kept {kept}, other value {other}"
        self.log_lines.append(log_line(self.day, None, text))
        self.notes.append(f"changed on both sides: {text} (written to ## Log)")

    # ---------------------------------------------------------- tasks

    def _task(self, b: Atom | None, o: Atom, t: Atom) -> list[str]:
        ot, tt = o.task, t.task
        assert ot is not None and tt is not None
        if b is None and ot.id:
            # Two different tasks were given the same id on two machines: keep both.
            new = _fresh_id(t.text, self.task_ids)
            self.task_ids.add(new)
            renamed = [tasklines.set_token(t.lines[0], "id", new), *t.lines[1:]]
            self.notes.append(f"two tasks had the id {ot.id}; '{tt.title}' now has the id {new}")
            return o.lines + renamed
        bt = b.task if b else None
        where = f"on task {ot.id or repr(ot.title)}"
        title = _three(bt.title if bt else None, ot.title, tt.title)
        if title is _CLASH:
            self._conflict(f"the title '{tt.title}' {where}", f"'{ot.title}'")
        line = o.lines[0] if title == ot.title else t.lines[0]
        for keys in _TASK_UNITS:
            ours, theirs = _unit(ot, keys), _unit(tt, keys)
            value = _three(_unit(bt, keys) if bt else None, ours, theirs)
            if value is _CLASH:
                if _set(ours) and _set(theirs):
                    self._conflict(f"{_show_unit(theirs, keys)} {where}", _show_unit(ours, keys))
                # a unit emptied on one side, changed on the other: the change is kept
                value = theirs if _set(theirs) else ours
            for key, token in zip(keys, value, strict=True):
                if key == _BOX:
                    line = tasklines.set_checked(line, bool(token))
                    continue
                current = tasklines.parse_line(line, 1)
                if current is not None and current.attrs.get(key) != token:
                    line = tasklines.set_token(line, key, token)
        notes = _merge_note(b.lines[1:] if b else [], o.lines[1:], t.lines[1:])
        return [line, *notes]


# The parts of a task line that merge as one: the schedule (the day, time and length
# someone chose together), the completion (the box, "x" when ticked, and its date), and
# the owner.  Changed differently on both sides, one side's unit is kept whole, never a mix.
_BOX = "[x]"
_TASK_UNITS = (("due", "at", "dur"), (_BOX, "done"), ("owner",))


def _unit(task: tasklines.Task, keys: tuple[str, ...]) -> tuple[str | None, ...]:
    return tuple(
        ("x" if task.checked else None) if key == _BOX else task.attrs.get(key) for key in keys
    )


def _set(unit: tuple[str | None, ...]) -> bool:
    return any(unit)


def _show_unit(unit: tuple[str | None, ...], keys: tuple[str, ...]) -> str:
    """A unit as written on the task line: ``due:2026-12-18 at:09:00``, ``done:2026-11-27``
    (or ``[x]``: ticked without a date)."""
    tokens = [
        f"{key}:{value}" for key, value in zip(keys, unit, strict=True) if value and key != _BOX
    ]
    return " ".join(tokens) or _BOX


_CLASH = object()  # both sides changed a value, differently


def _fresh_id(text: str, taken: set[str]) -> str:
    """A task id made from the task's text (the same merge gives the same id) that is
    not ``taken``."""
    attempt = 0
    while True:
        digest = hashlib.blake2s(f"{attempt}:{text}".encode()).digest()
        candidate = "".join(ids.ALPHABET[b % len(ids.ALPHABET)] for b in digest[: ids.ID_LENGTH])
        if candidate not in taken:
            return candidate
        attempt += 1


def _three(base: Any, ours: Any, theirs: Any) -> Any:
    """The three-way result of one value, or ``_CLASH``."""
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    return _CLASH


def _merge_note(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return ours + [line for line in theirs if line not in ours]


def _interleave(
    ours: list[str], theirs: list[str], date_of: Callable[[tuple[str, str]], str]
) -> list[str]:
    """Both sides' atom lines: ours in place, theirs' new ones after ours of the same kind
    (log lines by date)."""
    seq = list(ours)
    present = {_atom_id(line) for line in ours}
    for index, line in enumerate(theirs):
        atom_id = _atom_id(line)
        if atom_id is None or atom_id in present:
            continue
        present.add(atom_id)
        seq.insert(_position(seq, atom_id, date_of, min(index, len(seq))), line)
    return seq


def _position(
    seq: list[str],
    atom_id: tuple[str, str],
    date_of: Callable[[tuple[str, str]], str],
    fallback: int,
) -> int:
    kind = atom_id[0]
    placed = [(i, _atom_id(line)) for i, line in enumerate(seq)]
    same = [(i, other) for i, other in placed if other and other[0] == kind]
    if not same:
        return fallback
    if kind == "log":
        date = date_of(atom_id)
        earlier = [i for i, other in same if date_of(other) <= date]
        return earlier[-1] + 1 if earlier else same[0][0]
    return same[-1][0] + 1


def _put_back(text: str, kind: str, lines: list[str]) -> str:
    if kind == "section":
        return text  # its lines come back with them
    if kind == "task":
        return append_to_section(text, "Tasks", lines)
    if kind == "log":
        return append_to_section(text, "Log", lines)
    if kind == "thread":
        return append_to_section(text, "Mail", ["", *lines])
    parts = split(text)
    if parts.front is None:
        return text
    at = parts.front_start + len(parts.front)
    return text[:at] + "".join(line.rstrip("\r") + "\n" for line in lines) + text[at:]


def _field_value(atom: Atom | None, key: str) -> Any:
    if atom is None:
        return None
    try:
        return load("\n".join(atom.lines) + "\n", 1).values.get(key)
    except FrontError:
        return atom.text


def _plain_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _show(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    text = str(value)
    # a block value (notes: |) on the one line of the ## Log: quoted, its newlines as \n
    return json.dumps(text, ensure_ascii=False) if "\n" in text or "\r" in text else text


def _one_line(lines: list[str]) -> str:
    """Lines of a record shown in one line of the ``## Log`` (JSON-quoted when several)."""
    text = "\n".join(line.rstrip("\r") for line in lines)
    return json.dumps(text, ensure_ascii=False) if "\n" in text else text


def _describe(atom: Atom) -> str:
    if atom.kind == "task" and atom.task:
        return f"task '{atom.task.title}'"
    return atom.key


# ---------------------------------------------------------------- the merge driver


def drive(base: Path, ours: Path, theirs: Path, path: str, marker_size: int) -> int:
    """What git runs for a Markdown file (``merge-driver %O %A %B %P``): merge into ``ours``.

    Record files are merged by ``merge_record`` (always clean: 0); other files,
    and files that are not UTF-8, get git's plain merge (1 when conflicts remain).
    """
    try:
        texts = [file.read_bytes().decode("utf-8") for file in (base, ours, theirs)]
    except UnicodeDecodeError:
        texts = []
    rel = _crm_path(path)
    if not texts or rel is None:
        merged, conflicts = gitrepo.merge_files(ours, base, theirs, marker_size)
        ours.write_bytes(merged)
        return 1 if conflicts else 0
    result = merge_record(*texts)
    ours.write_bytes(result.text.encode("utf-8"))
    _report(rel, result.notes)
    return 0


def _crm_path(path: str) -> str | None:
    """``path`` (relative to the work tree) relative to its CRM folder, when it is a record."""
    full = Path.cwd() / path
    root = find_root(full.parent)
    if root is None:
        return None
    rel = os.path.relpath(full.resolve(), root).replace(os.sep, "/")
    return rel if is_record_path(rel) else None


def _report(path: str, notes: list[str]) -> None:
    target = os.environ.get(REPORT_ENV)
    if not notes:
        return
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            for note in notes:
                handle.write(json.dumps({"path": path, "note": note}) + "\n")
        return
    for note in notes:
        sys.stderr.write(f"plaincrm merge: {path}: {note}\n")
