"""``plaincrm.yaml``: the settings of a CRM repository.

Read with the same typed-text reader as records, so ``start: 09:00`` is the
text ``09:00``.  ``load_config`` returns the settings with defaults filled in
and the problems found (``path:line: message``); commands refuse to run on a
settings file with problems, ``check`` lists them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from .dates import normalize_time, parse_duration_minutes, time_to_minutes, weekday_index
from .errors import ConfigError, Problem
from .frontmatter import Front, FrontError, line_of, load_full

CONFIG_NAME = "plaincrm.yaml"
T = TypeVar("T")

TEMPLATE = """\
# plaincrm settings for this CRM repository.  Edit freely: comments and the
# order of keys are kept by every plaincrm command.  Reference: README.md,
# "Settings", and schema/config.schema.json.

# The team.  `name` is what you write in `owner:` fields and task `owner:`
# tokens; `full_name` and `email` let plaincrm recognise you from git's
# user.name / user.email (or set PLAINCRM_USER).  Leave the list empty and
# every view shows everybody's work.
users:{users}

# Your working day: `today` and `plan` fit timed tasks into it.
workday:
  start: "09:00"
  end: "17:00"
  days: [mon, tue, wed, thu, fri]

tasks:
  # Length of a task that has no dur: token.
  default_duration: 30m

git:
  # Commit every change plaincrm makes (one commit per command).
  commit: true

# Sales (docs/sales.md).  Stages in order, each with the probability (%) a
# deal in it gets and an optional rotting limit: the days a deal may go
# without a stage change or a completed task before `today` flags it.  New
# deals start in the first stage; `won` and `lost` close a deal.
pipeline:
  stages:
    - {{name: lead, probability: 10, rotting: 30}}
    - {{name: qualified, probability: 25, rotting: 21}}
    - {{name: proposal, probability: 50, rotting: 14}}
    - {{name: negotiation, probability: 75, rotting: 14}}
    - {{name: won, probability: 100}}
    - {{name: lost, probability: 0}}
  # Why deals are lost (`deal lose --reason`).  The competitor_reasons mean a
  # competitor won the deal, so they require --competitor.  Set other_reasons
  # to true to allow reasons not in the list.
  lost_reasons: [price, competitor, no budget, timing, no decision, requirements not met]
  competitor_reasons: [competitor]
  other_reasons: false
  # Competitors you meet.  When any are listed (or have a competitors/ card),
  # --competitor must name one of them.
  competitors: []
  # The currency of amounts given without one, and exchange rates to it
  # (the value of 1 unit, e.g. USD: 0.92) for `pipeline/forecast --currency`.
  currency: EUR
  rates: {{}}

# Service (docs/service.md).  SLA targets per ticket priority, in working hours
# of the working day above: `response` until the first reply, `resolution`
# until the ticket is resolved ('none': no target).  Time a ticket waits on
# the client does not count.  `today` warns when `warn` of a target is used.
service:
  sla:
    urgent: {{response: 1h, resolution: 8h}}
    high: {{response: 4h, resolution: 16h}}
    normal: {{response: 8h, resolution: 40h}}
    low: {{response: 16h, resolution: 80h}}
  warn: 75%

# Commercial documents (docs/documents.md) of deals.  An issued invoice is due
# payment_days later.  Invoices get their number when issued, the next in the
# series of whoever issues them: one series per person (or per device, picked
# with PLAINCRM_SERIES) keeps numbers unique while people work offline.  A
# stage can require documents before a deal enters it: add e.g.
# `requires: [contract]` (a signed one) to the won stage above.
documents:
  payment_days: 14
  kinds: [quote, contract, invoice, payment, shipment]
  numbering:
    invoice:
      format: "{{series}}-{{year}}-{{seq:4}}"
      series: {series}
"""


@dataclass
class User:
    name: str
    full_name: str | None = None
    email: str | None = None


@dataclass
class Config:
    path: Path
    raw: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    users: list[User] = field(default_factory=list)
    day_start: int = 9 * 60
    day_end: int = 17 * 60
    workdays: frozenset[int] = frozenset(range(5))
    default_duration: int = 30
    git_commit: bool = True
    problems: list[Problem] = field(default_factory=list)

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays

    def next_workday(self, after: date) -> date:
        """The first working day (``workday.days``) after ``after``; the next day when
        no day of the week is a working day."""
        for ahead in range(1, 8):
            day = after + timedelta(days=ahead)
            if self.is_workday(day):
                return day
        return after + timedelta(days=1)

    def next_workday_word(self, today: date) -> str:
        """The next working day as ``--due`` takes it in a hint: ``tomorrow``, or its
        weekday (``monday`` on a Friday) when tomorrow is a day off."""
        day = self.next_workday(today)
        return "tomorrow" if day == today + timedelta(days=1) else day.strftime("%A").lower()

    def section(self, key: str) -> dict[str, Any]:
        value = self.raw.get(key)
        return value if isinstance(value, dict) else {}

    def user_names(self) -> list[str]:
        return [user.name for user in self.users]

    def find_user(self, text: str) -> User | None:
        """The user whose name, full name or email is ``text`` (case-insensitive)."""
        wanted = text.strip().lower()
        for user in self.users:
            keys = [user.name, user.full_name or "", user.email or ""]
            if wanted in (k.lower() for k in keys if k):
                return user
        return None

    def line_of(self, dotted: str) -> int:
        """The line of a setting (or of its nearest parent); 1 when unknown."""
        return line_of(self.lines, dotted)

    def problem(self, dotted: str, message: str) -> None:
        self.problems.append(Problem(CONFIG_NAME, self.line_of(dotted), message))


def render_template(
    users: list[str], identity: tuple[str | None, str | None] = (None, None)
) -> str:
    """The commented settings of a new CRM.  ``identity`` (git's user.name and
    user.email) is written as the first user's ``full_name`` and ``email``, so
    that plaincrm recognises whoever ran ``init`` without ``PLAINCRM_USER``."""
    from ..documents.numbering import series_setting
    from .frontmatter import render_scalar

    series = series_setting(users)
    if not users:
        return TEMPLATE.format(users=" []", series=series)
    entries = "".join(f"\n  - name: {name}" for name in users)
    full_name, email = identity
    first = f"\n  - name: {users[0]}"
    if full_name and full_name != users[0]:
        first += f"\n    full_name: {render_scalar(full_name)}"
    if email:
        first += f"\n    email: {render_scalar(email)}"
    entries = first + entries[len(f"\n  - name: {users[0]}") :]
    return TEMPLATE.format(users=entries, series=series)


def _parsed(root: Path, text: str) -> Front:
    """The settings read with the full YAML reader, remembered in ``.plaincrm/settings.json``.

    The copy is keyed by the whole text, so it is never stale, and spares the
    commands that follow an import of PyYAML and a parse.
    """
    cache = root / ".plaincrm" / "settings.json"  # beside the index (index.INDEX_DIR)
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved["text"] == text:
            return Front(saved["values"], saved["lines"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    front = load_full(text, 1)
    with suppress(OSError):
        cache.parent.mkdir(exist_ok=True)
        temporary = cache.with_name(f".settings.{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps({"text": text, "values": front.values, "lines": front.lines}),
            encoding="utf-8",
        )
        os.replace(temporary, cache)
    return front


def read_config(root: Path) -> Config:
    """Load the settings; problems are collected in ``Config.problems``."""
    path = root / CONFIG_NAME
    config = Config(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} is missing: run 'plaincrm init' to create it") from None
    except UnicodeDecodeError:
        config.problems.append(Problem(CONFIG_NAME, 1, "the file is not UTF-8 text"))
        return config
    try:
        front = _parsed(root, text)
    except FrontError as exc:
        config.problems.append(Problem(CONFIG_NAME, exc.line, exc.message))
        return config
    config.raw, config.lines = front.values, front.lines
    _read_users(config)
    _read_workday(config)
    _read_tasks(config)
    git = config.section("git")
    commit = git.get("commit", "true")
    if str(commit).lower() not in ("true", "false", "yes", "no"):
        config.problem("git.commit", "git.commit must be true or false")
    config.git_commit = str(commit).lower() in ("true", "yes")
    return config


def load_config(root: Path) -> Config:
    """Load the settings and refuse to go on when they have problems."""
    config = read_config(root)
    return settled(config, config.problems, "settings")


def settled(found: T, problems: Sequence[Problem], what: str) -> T:
    """``found``, the settings read, unless they have ``problems``: then a
    ``ConfigError`` that lists them.  Commands refuse to run on settings with
    problems; ``check`` lists them."""
    if problems:
        listed = "\n".join(str(p) for p in problems)
        raise ConfigError(f"the {what} have problems, fix them first:\n{listed}")
    return found


class SectionReader:
    """Reads a section of the settings (``pipeline``, ``service`` ...) and
    collects its problems, each at the line of its setting."""

    def __init__(self, config: Config, section: str = "") -> None:
        self.config = config
        self.section = section
        self.problems: list[Problem] = []

    def problem(self, dotted: str, message: str) -> None:
        """A problem at ``<section>.<dotted>`` (the section itself when ``dotted`` is empty)."""
        key = ".".join(part for part in (self.section, dotted) if part)
        self.problems.append(Problem(CONFIG_NAME, self.config.line_of(key), message))


def _read_users(config: Config) -> None:
    users = config.raw.get("users") or []
    if not isinstance(users, list):
        config.problem("users", "users must be a list of '- name: ...' entries")
        return
    seen: set[str] = set()
    for i, entry in enumerate(users):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            config.problem(f"users.{i}", "each user needs a name (- name: anna)")
            continue
        name = entry["name"]
        wrong = one_word_problem(name)
        if wrong:
            config.problem(f"users.{i}", wrong)
        if name in seen:
            config.problem(f"users.{i}", f"user '{name}' is listed twice")
        seen.add(name)
        texts: list[str | None] = []
        for key in ("full_name", "email"):
            value = entry.get(key)
            if value is not None and not isinstance(value, str):
                config.problem(f"users.{i}.{key}", f"{key} of user '{name}' must be text")
                value = None
            texts.append(value)
        config.users.append(User(name, *texts))


def one_word_problem(name: str) -> str | None:
    """What is wrong with a user name that is not one word (owner:NAME ends at a space)."""
    if name.split() == [name]:
        return None
    return (
        f"user name '{name}' has a space: a name goes in owner:NAME task tokens, "
        f"so write it as one word like '{'-'.join(name.split()) or 'anna'}'"
    )


def _read_workday(config: Config) -> None:
    workday = config.section("workday")
    start = normalize_time(str(workday.get("start", "09:00")))
    end = normalize_time(str(workday.get("end", "17:00")))
    if start is None:
        config.problem("workday.start", "workday.start must be a time like 09:00")
    if end is None:
        config.problem("workday.end", "workday.end must be a time like 17:00")
    if start and end:
        config.day_start, config.day_end = time_to_minutes(start), time_to_minutes(end)
        if config.day_end <= config.day_start:
            config.problem("workday.end", "workday.end must be after workday.start")
    days = workday.get("days")
    if days is not None:
        if not isinstance(days, list):
            config.problem("workday.days", "workday.days must be a list like [mon, tue]")
            return
        indices = set()
        for i, day in enumerate(days):
            index = weekday_index(str(day)) if day else None
            if index is None:
                config.problem(f"workday.days.{i}", f"'{day}' is not a weekday")
            else:
                indices.add(index)
        config.workdays = frozenset(indices)


def _read_tasks(config: Config) -> None:
    tasks = config.section("tasks")
    value = tasks.get("default_duration")
    if value is None:
        return
    minutes = parse_duration_minutes(str(value))
    if not minutes:
        config.problem("tasks.default_duration", f"'{value}' is not a duration like 30m or 1h")
        return
    config.default_duration = minutes


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``plaincrm.yaml``."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None
