"""Document numbers that stay unique and gap-free when people work offline.

A numbered kind (invoices by default) has a ``format`` and one or more
*series*: ``documents.numbering.invoice`` in ``plaincrm.yaml``::

    format: "{series}-{year}-{seq:4}"     ->  A-2026-0007
    series: {anna: A, ben: B}             one series per person (or device)

A series belongs to one person or device, so the only numbers a clone ever
hands out are in its own series, and it hands them out in order: the next
number is one more than the highest in the series (and year, when the format
has ``{year}``) that the clone has seen.  Two people issuing invoices offline
therefore never pick the same number, and because numbers are given only
when a document is *issued* (drafts have none), deleting a draft leaves no
gap.  ``check`` reports what can still go wrong by hand: a number used twice,
a gap in a series, or a number dated before the one it follows.

Placeholders: ``{series}``, ``{year}`` (the document date's year; the
sequence starts again each year) and ``{seq}`` or ``{seq:N}`` (zero-padded to
N digits); everything else is literal text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

from ..core.errors import InvalidError, Problem

DEFAULT_FORMAT = "{series}-{year}-{seq:4}"
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_SEQ_RE = re.compile(r"^seq(?::(\d{1,2}))?$")
_SERIES_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class NumberKey:
    """Where a number sits: its series, its year (None without ``{year}``) and sequence."""

    series: str
    year: int | None
    seq: int

    @property
    def scope(self) -> tuple[str, int | None]:
        return (self.series, self.year)


@dataclass(frozen=True)
class NumberFormat:
    """A parsed numbering format: literal text and the placeholders between it."""

    text: str
    parts: tuple[str | tuple[str, int], ...]  # literal text, or (placeholder, width)

    @property
    def has_year(self) -> bool:
        return any(isinstance(p, tuple) and p[0] == "year" for p in self.parts)

    @property
    def has_series(self) -> bool:
        return any(isinstance(p, tuple) and p[0] == "series" for p in self.parts)

    def render(self, series: str, year: int, seq: int) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "series":
                out.append(series)
            elif part[0] == "year":
                out.append(f"{year:04d}")
            else:
                out.append(f"{seq:0{part[1]}d}")
        return "".join(out)

    def parse(self, number: str) -> NumberKey | None:
        """The series, year and sequence of ``number``; None when it does not follow the format.

        The sequence is the digits at its place up to what follows it, so a
        series may itself hold the separators and digits (``KT-2``).
        """
        match = self._regex.match(number)
        if not match:
            return None
        groups = match.groupdict()
        year = groups.get("year")
        return NumberKey(
            groups.get("series") or "", int(year) if year else None, int(groups["seq"])
        )

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(re.escape(part))
            elif part[0] == "series":
                out.append("(?P<series>.+?)")
            elif part[0] == "year":
                out.append(r"(?P<year>\d{4})")
            else:
                out.append(r"(?P<seq>\d+)")
        return re.compile("^" + "".join(out) + "$")


def parse_format(text: str) -> NumberFormat:
    """Parse a numbering format; an ``InvalidError`` says what is wrong with it."""
    parts: list[str | tuple[str, int]] = []
    pos = 0
    seen: set[str] = set()
    for match in _PLACEHOLDER_RE.finditer(text):
        literal = text[pos : match.start()]
        if "{" in literal or "}" in literal:
            raise InvalidError(f"format '{text}' has an unmatched brace")
        if literal:
            parts.append(literal)
        name = match.group(1)
        seq = _SEQ_RE.match(name)
        if seq:
            placeholder = ("seq", int(seq.group(1) or 1))
        elif name in ("series", "year"):
            placeholder = (name, 0)
        else:
            raise InvalidError(
                f"format '{text}': unknown placeholder {{{name}}} "
                "(use {series}, {year}, {seq} or {seq:4})"
            )
        if placeholder[0] in seen:
            raise InvalidError(f"format '{text}' has {{{placeholder[0]}}} twice")
        seen.add(placeholder[0])
        parts.append(placeholder)
        pos = match.end()
    rest = text[pos:]
    if "{" in rest or "}" in rest:
        raise InvalidError(f"format '{text}' has an unmatched brace")
    if rest:
        parts.append(rest)
    if "seq" not in seen:
        raise InvalidError(f"format '{text}' needs {{seq}}, the running number")
    for before, after in pairwise(parts):
        if isinstance(before, tuple) and isinstance(after, tuple):
            raise InvalidError(
                f"format '{text}': put a separator between {{{before[0]}}} and {{{after[0]}}} "
                "so numbers can be read back"
            )
    return NumberFormat(text, tuple(parts))


@dataclass(frozen=True)
class Numbering:
    """The numbering of one document kind."""

    kind: str
    format: NumberFormat
    shared: str | None = None  # one series for everybody
    series: Mapping[str, str] = field(default_factory=dict)  # person or device -> series

    def series_for(self, user: str | None, device: str | None) -> str:
        """The series this clone numbers in: PLAINCRM_SERIES (``device``), else the user's."""
        if self.shared is not None:
            return self.shared
        key = device or user
        if key and key in self.series:
            return self.series[key]
        where = f"documents.numbering.{self.kind}.series in plaincrm.yaml"
        if device:
            raise InvalidError(
                f"PLAINCRM_SERIES={device} names no {self.kind} series; the series are "
                f"{', '.join(sorted(self.series))} ({where})"
            )
        who = user or "you"
        raise InvalidError(
            f"{who} has no {self.kind} number series: add '{who}: PREFIX' under {where} "
            "(each person or device that issues numbers needs its own series, so numbers "
            "given offline never collide)"
        )

    def key(self, number: str) -> NumberKey | None:
        return self.format.parse(number)

    def next_number(self, series: str, year: int, taken: Iterable[str]) -> str:
        """One more than the highest number of ``series`` (in ``year``) among ``taken``."""
        used = set(taken)
        highest = 0
        for number in used:
            key = self.key(number)
            if key is None or key.series != series:
                continue
            if self.format.has_year and key.year != year:
                continue
            highest = max(highest, key.seq)
        seq = highest + 1
        while (candidate := self.format.render(series, year, seq)) in used:
            seq += 1
        return candidate


def read_numbering(kind: str, raw: object) -> Numbering:
    """``documents.numbering.<kind>`` settings; an ``InvalidError`` names the problem."""
    if not isinstance(raw, dict):
        raise InvalidError(
            f"documents.numbering.{kind} must be 'format: ...' and 'series: ...' settings"
        )
    unknown = [key for key in raw if key not in ("format", "series")]
    if unknown:
        raise InvalidError(
            f"unknown setting documents.numbering.{kind}.{unknown[0]} (known: format, series)"
        )
    text = raw.get("format", DEFAULT_FORMAT)
    if not isinstance(text, str) or not text.strip():
        raise InvalidError(f"documents.numbering.{kind}.format must be text like {DEFAULT_FORMAT}")
    number_format = parse_format(text)
    series = raw.get("series", kind[:3].upper())
    if isinstance(series, str):
        _check_series(kind, series)
        return Numbering(kind, number_format, shared=series)
    if not isinstance(series, dict) or not series:
        raise InvalidError(
            f"documents.numbering.{kind}.series must be one series (INV) or one per person "
            "or device ({anna: A, ben: B})"
        )
    owners: dict[str, str] = {}
    for who, prefix in series.items():
        if not isinstance(prefix, str):
            raise InvalidError(f"documents.numbering.{kind}.series.{who} must be a prefix like A")
        _check_series(kind, prefix)
        if prefix in owners:
            raise InvalidError(
                f"documents.numbering.{kind}.series: '{prefix}' is given to both "
                f"{owners[prefix]} and {who}; each needs its own series, or numbers "
                "given offline can collide"
            )
        owners[prefix] = who
    if len(series) > 1 and not number_format.has_series:
        raise InvalidError(
            f"documents.numbering.{kind}.format must contain {{series}} when there are "
            "several series, or their numbers collide"
        )
    return Numbering(kind, number_format, series=dict(series))


def series_setting(users: Iterable[str]) -> str:
    """The ``series:`` of a new repository: one per user (the shortest upper-case
    prefix of each name that no other name starts with), else the shared ``INV``."""
    cleaned = {name: re.sub(r"[^A-Za-z0-9]", "", name).upper() or "U" for name in users}
    if not cleaned:
        return "INV"
    prefixes: dict[str, str] = {}
    for name, clean in cleaned.items():
        others = [other for key, other in cleaned.items() if key != name]
        size = 1
        while size < len(clean) and any(o.startswith(clean[:size]) for o in others):
            size += 1
        prefix = clean[:size]
        while prefix in prefixes.values():
            prefix += "X"
        prefixes[name] = prefix
    return "{" + ", ".join(f"{name}: {prefix}" for name, prefix in prefixes.items()) + "}"


def _check_series(kind: str, prefix: str) -> None:
    if not _SERIES_RE.match(prefix):
        raise InvalidError(
            f"documents.numbering.{kind}: series '{prefix}' must be letters, digits, '.', "
            "'-', '_' or '/', starting with a letter or digit"
        )


# ---------------------------------------------------------------- check


@dataclass(frozen=True)
class Numbered:
    """A numbered document as the numbering check sees it."""

    path: str
    line: int  # of its number: field
    number: str
    date: str | None


def numbering_problems(numbering: Numbering, docs: Iterable[Numbered]) -> list[Problem]:
    """Numbers used twice, gaps in a series, and numbers dated before their predecessor.

    Gaps are counted from the lowest number of a series (and year) in the
    repository: earlier numbers may live in a system used before plaincrm.
    Numbers that do not follow the format are checked for duplicates only.
    """
    kind = numbering.kind
    problems: list[Problem] = []
    by_key: dict[object, list[Numbered]] = {}
    scopes: dict[tuple[str, int | None], dict[int, Numbered]] = {}
    for doc in docs:
        key = numbering.key(doc.number)
        by_key.setdefault(key or doc.number, []).append(doc)
        if key is not None:
            scopes.setdefault(key.scope, {}).setdefault(key.seq, doc)
    for same in by_key.values():
        if len(same) < 2:
            continue
        for doc in same:
            others = ", ".join(o.path for o in same if o is not doc)
            problems.append(
                Problem(
                    doc.path,
                    doc.line,
                    f"{kind} number {doc.number} is used twice (also {others}): give one of "
                    "them the next free number of its series",
                )
            )
    for (series, year), seqs in scopes.items():
        ordered = sorted(seqs)
        for before, after in pairwise(ordered):
            doc = seqs[after]
            if after > before + 1:
                missing = [
                    numbering.format.render(series, year or 0, n) for n in range(before + 1, after)
                ]
                listed = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
                problems.append(
                    Problem(
                        doc.path,
                        doc.line,
                        f"{kind} numbering gap before {doc.number}: {listed} missing (cancel "
                        f"{kind}s instead of deleting them; restore a deleted one from git)",
                    )
                )
            previous = seqs[before]
            if doc.date and previous.date and doc.date < previous.date:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line,
                        f"{kind} {doc.number} is dated {doc.date}, before {previous.number} "
                        f"({previous.date}): numbers must follow the dates",
                    )
                )
    return problems
