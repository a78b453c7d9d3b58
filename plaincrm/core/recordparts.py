"""A record file cut into the pieces that merge and history reason about.

``cut(text)`` turns any version of a record file (however broken) into a
sequence of plain lines and *atoms*:

- a ``field`` atom: one top-level front matter key with its value lines;
- a ``task`` atom: one task line of the ``## Tasks`` section with its note;
- a ``log`` atom: one dated line of the ``## Log`` section;
- a ``thread`` atom: one thread of the ``## Mail`` section (its ``### subject``
  heading and its entries, ``mailentries``);
- a ``section`` atom: the ``## Tasks``, ``## Log`` or ``## Mail`` heading itself.

Every atom has a key that names it in any version of the file: the field
name, the task id (``title:<title>`` for a task without one), the log line's
text, the thread's normalised subject, ``tasks``, ``log`` or ``mail`` for a
heading.  A key that occurs twice in a file gets ``#2``, ``#3`` ... appended.
Joining the lines of the items gives back the exact text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import tasklines
from .frontmatter import FrontError, load, split
from .mailentries import threads_of
from .model import LogEntry
from .records import parse_log
from .tasklines import Task

SECTIONS = ("Tasks", "Log", "Mail")  # the sections whose lines are atoms
# A top-level key: quoted ('it''s', "a\tb") or plain (any letters, not starting with a YAML
# indicator; a colon inside it is one not followed by a space), then a colon and a space.
_TOP_KEY_RE = re.compile(
    r"""^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^\s#'"?:,\[\]{}&*!|>%@`-](?:[^:]|:(?=\S))*?)"""
    r"[ \t]*:(?:[ \t]|$)"
)


@dataclass
class Atom:
    kind: str  # field | task | log | section
    key: str
    lines: list[str]  # the file's lines, without their "\n"
    task: Task | None = None
    entry: LogEntry | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Parts:
    items: list[str | Atom]
    fields: dict[str, Any] | None  # the typed-text front matter; None when it does not parse
    problem: str | None = None  # why the front matter could not be read
    atoms: dict[tuple[str, str], Atom] = field(default_factory=dict)
    body_start: int = 0  # index of the first item after the front matter
    # the items of the ## Tasks and ## Log sections: name -> (heading index, end index)
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)

    def text(self) -> str:
        out: list[str] = []
        for item in self.items:
            out.extend(item.lines if isinstance(item, Atom) else [item])
        return "\n".join(out)

    def of_kind(self, kind: str) -> dict[str, Atom]:
        return {key: atom for (k, key), atom in self.atoms.items() if k == kind}

    def body_text(self) -> str:
        """The free text: lines that are neither front matter nor atoms, without blank lines."""
        body = self.items[self.body_start :]
        return "\n".join(item.strip() for item in body if isinstance(item, str) and item.strip())


def task_key(task: Task) -> str:
    return task.id or f"title:{task.title}"


def given_ids(before: Parts, after: Parts) -> dict[str, str]:
    """``after``'s keys of tasks that were given an id since ``before`` -> their key there.

    plaincrm gives hand-written tasks an id the first time it edits their record;
    such a task is still the one ``before`` knew by its title.
    """
    old, new = before.of_kind("task"), after.of_kind("task")
    found = {}
    for key, atom in new.items():
        untitled = f"title:{atom.task.title}" if atom.task else ""
        if key not in old and untitled in old and untitled not in new:
            found[key] = untitled
    return found


def follow_ids(before: Parts, after: Parts) -> None:
    """Re-key ``after``'s tasks that were given an id since ``before`` (``given_ids``)."""
    for key, untitled in given_ids(before, after).items():
        atom = after.atoms.pop(("task", key))
        atom.key = untitled
        after.atoms[("task", untitled)] = atom


def cut(text: str, *, by_key: bool = True) -> Parts:
    """Cut a record's text into lines and atoms (see the module docstring).

    ``by_key=False``: the front matter stays lines (no field atoms), and where it ends
    is found even when its YAML does not parse.
    """
    lines = text.split("\n")
    kinds: dict[int, Atom] = {}  # first line index -> atom
    covered: set[int] = set()
    fields: dict[str, Any] | None = None
    problem: str | None = None
    body_start = 0
    try:
        parts = split(text)
        if parts.front is None:
            raise FrontError(1, "no front matter")
        if not by_key:
            body_start = parts.body_line - 1
        fields = load(parts.front, parts.front_line).values
        body_start = parts.body_line - 1
        first, end = parts.front_line - 1, parts.body_line - 2  # end: the closing --- line
        blocks = _field_blocks(lines, first, end) if by_key else None
        if blocks is not None and set(blocks) == set(fields):
            for key, (start, stop) in blocks.items():
                kinds[start] = Atom("field", key, lines[start:stop])
                covered.update(range(start, stop))
    except FrontError as exc:
        fields, problem = None, exc.message
    found = {}
    for name in SECTIONS:
        section = tasklines.find_section(lines, name)
        if section is not None:
            found[name.lower()] = section
            heading = lines[section.heading]
            kinds[section.heading] = Atom("section", name.lower(), [heading])
            covered.add(section.heading)
    for task in tasklines.parse_tasks(lines):
        start, stop = task.line - 1, task.line + task.note_lines
        kinds[start] = Atom("task", task_key(task), lines[start:stop], task=task)
        covered.update(range(start, stop))
    for entry in parse_log(lines):
        line = lines[entry.line - 1]
        kinds[entry.line - 1] = Atom("log", line.rstrip(), [line], entry=entry)
        covered.add(entry.line - 1)
    if "mail" in found:
        for thread in threads_of(lines, found["mail"]):
            kinds[thread.start] = Atom("thread", thread.key, lines[thread.start : thread.stop])
            covered.update(range(thread.start, thread.stop))
    items: list[str | Atom] = []
    atoms: dict[tuple[str, str], Atom] = {}
    item_of_line: dict[int, int] = {}
    for index, line in enumerate(lines):
        item_of_line[index] = len(items)
        atom = kinds.get(index)
        if atom is not None:
            key, n = atom.key, 2
            while (atom.kind, key) in atoms:
                key, n = f"{atom.key}#{n}", n + 1
            atom.key = key
            atoms[(atom.kind, key)] = atom
            items.append(atom)
        elif index not in covered:
            items.append(line)
    item_of_line[len(lines)] = len(items)
    sections = {
        name: (item_of_line[section.heading], item_of_line[section.end])
        for name, section in found.items()
    }
    return Parts(items, fields, problem, atoms, item_of_line[body_start], sections)


def _field_blocks(lines: list[str], first: int, end: int) -> dict[str, tuple[int, int]] | None:
    """Line ranges ``[start, stop)`` of the top-level keys between ``first`` and ``end``.

    A key's block runs on over indented lines, ``- item`` lines and blank lines
    followed by more of those; comments and blank lines between keys stay out.
    None when the front matter has a shape this does not follow (a flow
    collection continued on an unindented line, ``? key`` ...).
    """
    blocks: dict[str, tuple[int, int]] = {}
    current: str | None = None
    start = stop = first
    for index in range(first, end):
        line = lines[index].rstrip("\r")
        if current is not None and (_continues(line) or _blank_inside(lines, index, end)):
            stop = index + 1
            continue
        if current is not None:
            blocks[current] = (start, stop)
            current = None
        match = _TOP_KEY_RE.match(line)
        if match:
            current, start, stop = _key_name(match.group(1)), index, index + 1
        elif line.strip() and not line.startswith("#"):
            return None
    if current is not None:
        blocks[current] = (start, stop)
    return blocks


def _key_name(key: str) -> str:
    """The name a key written as ``key`` has (quotes taken off)."""
    if key.startswith("'"):
        return key[1:-1].replace("''", "'")
    if key.startswith('"'):
        try:
            return str(json.loads(key))
        except ValueError:
            return key  # a YAML escape JSON lacks: the names differ, cut gives up on fields
    return key


def _continues(line: str) -> bool:
    return (line[:1] in (" ", "\t") and bool(line.strip())) or line == "-" or line.startswith("- ")


def _blank_inside(lines: list[str], index: int, end: int) -> bool:
    """A blank line followed (after more blank ones) by a line that continues a value."""
    if lines[index].strip():
        return False
    while index < end and not lines[index].strip():
        index += 1
    return index < end and _continues(lines[index].rstrip("\r"))
