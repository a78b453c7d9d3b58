"""Tickets: open, answer, put on hold, resolve, close (with an upsell deal) and reopen.

A ticket is ``tickets/<client>-<subject>.md``.  Its body holds the
conversation, one block per message under ``## Conversation``::

    ### 2026-11-27 09:15 — client

    The grinder rattles since Monday.

    ### 2026-11-27 10:02 — anna

    A technician comes tomorrow at 10.

The author is a user name or ``client``; the text is free Markdown (a line
that starts with ``#`` or a code fence is written with a ``\\`` in front, so a
message can never end the section).  Status changes go to ``## Log`` (grammar
in ``sla``).  Every operation reads the ticket fresh, refuses what makes no
sense with a message that says what to do instead, and makes one commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from ..clients.clients import new_owner
from ..core import tasklines
from ..core.dates import now
from ..core.errors import ConflictError, InvalidError, NotFoundError, Problem, UsageError
from ..core.frontmatter import set_fields
from ..core.ids import slugify, unique_slug
from ..core.model import Record, RecordView, path_of, slug_of
from ..core.records import (
    append_log,
    append_to_section,
    insert_lines_after,
    log_line,
    new_record_text,
    one_line,
)
from ..core.schemas import load_schema, wrong_value
from ..core.setfields import Edit, Wanted, change_record
from ..core.store import Store, writes
from ..core.workhours import Hours
from ..sales.dealops import NewDeal
from .sla import (
    DONE,
    KINDS,
    PRIORITIES,
    RUNNING,
    STATUSES,
    Clocks,
    Service,
    clocks,
    format_stamp,
    parse_stamp,
    read_service,
    service_settings,
    status_change,
    status_line_text,
    timeline,
)

CONVERSATION = "Conversation"
CLIENT = "client"  # the author of the client's messages
STAMP_FIELDS = ("opened", "first_response", "resolved")
SLUG_WORDS = 5  # a ticket's file name: the client's, then the subject's first words
SMALL_WORDS = frozenset(
    {"a", "an", "the", "in", "on", "at", "of", "for", "to", "and", "or", "with"}
)
_ENTRY_RE = re.compile(
    r"^### (\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2})(?:[ \t]+[—–-]+)?[ \t]+(\S.*?)\s*$"
)
_ESCAPE_RE = re.compile(r"^(\s{0,3})(\\*(?:#|```|~~~))")
_UNESCAPE_RE = re.compile(r"^(\s{0,3})\\(\\*(?:#|```|~~~))")


# ---------------------------------------------------------------- the conversation


@dataclass
class Message:
    """One message of a ticket's conversation."""

    stamp: str  # YYYY-MM-DD HH:MM
    who: str  # a user name, or "client"
    text: str
    line: int  # the heading's line in the file

    @property
    def from_client(self) -> bool:
        return self.who == CLIENT

    def as_json(self) -> dict[str, Any]:
        return {"at": self.stamp, "who": self.who, "text": self.text, "line": self.line}


def message_lines(moment: datetime, who: str, text: str) -> list[str]:
    """A message as the lines appended to the conversation (a blank line first)."""
    body = [_ESCAPE_RE.sub(r"\1\\\2", line.rstrip()) for line in text.strip("\n").split("\n")]
    return ["", f"### {format_stamp(moment)} — {who}", "", *body]


def add_message(text: str, lines: list[str]) -> str:
    """Append a message (``message_lines``) to the conversation; a file without the
    section gets it before its Tasks and Log sections (or at the end)."""
    all_lines = text.split("\n")
    if tasklines.find_section(all_lines, CONVERSATION) is not None:
        return append_to_section(text, CONVERSATION, lines)
    later = [
        section.heading
        for name in ("Tasks", "Log")
        if (section := tasklines.find_section(all_lines, name)) is not None
    ]
    if not later:
        return append_to_section(text, CONVERSATION, lines[1:])
    return insert_lines_after(text, min(later), [f"## {CONVERSATION}", *lines, ""])


def parse_conversation(text: str) -> list[Message]:
    """The messages of the ``## Conversation`` section, oldest first as written."""
    lines = text.split("\n")
    section = tasklines.find_section(lines, CONVERSATION)
    if section is None:
        return []
    messages: list[Message] = []
    body: list[str] = []
    for index in range(section.heading + 1, section.end):
        line = lines[index].rstrip("\r")
        match = _ENTRY_RE.match(line)
        if match:
            _finish(messages, body)
            day, clock, who = match.groups()
            messages.append(Message(f"{day} {clock.zfill(5)}", who, "", index + 1))
            body = []
        elif messages:
            body.append(_UNESCAPE_RE.sub(r"\1\2", line.rstrip()))
    _finish(messages, body)
    return messages


def _finish(messages: list[Message], body: list[str]) -> None:
    if messages:
        messages[-1].text = "\n".join(body).strip("\n")


# ---------------------------------------------------------------- reading


@dataclass
class Ticket(RecordView):
    """A ticket record with its SLA clocks at the moment ``current`` (worked out
    when first asked for)."""

    service: Service
    hours: Hours
    current: datetime

    @cached_property
    def clocks(self) -> Clocks:
        return clocks(self.record, self.service, self.hours, self.current)

    @property
    def status(self) -> str:
        return self.record.get_text("status") or "new"

    def get(self, key: str) -> str | None:
        return self.record.get_text(key)

    def as_json(self) -> dict[str, Any]:
        fields = self.record.fields
        return {
            "ref": self.ref,
            "path": self.path,
            "subject": self.title,
            "client": fields.get("client"),
            "kind": fields.get("kind"),
            "priority": fields.get("priority"),
            "status": self.status,
            "channel": fields.get("channel"),
            "owner": fields.get("owner"),
            "opened": fields.get("opened"),
            "first_response": fields.get("first_response"),
            "resolved": fields.get("resolved"),
            "resolution": fields.get("resolution"),
            "deal": fields.get("deal"),
            "sla": {
                "summary": self.clocks.summary(),
                "response": self.clocks.response.as_json(),
                "resolution": self.clocks.resolution.as_json(),
            },
        }


def ticket_of(store: Store, record: Record, current: datetime | None = None) -> Ticket:
    return Ticket(record, service_settings(store.config), Hours.of(store.config), current or now())


def tickets(store: Store, current: datetime | None = None) -> list[Ticket]:
    """Every readable ticket, newest first."""
    service = service_settings(store.config)
    hours = Hours.of(store.config)
    moment = current or now()
    found = [Ticket(r, service, hours, moment) for r in store.records("ticket")]
    found.sort(key=lambda t: (t.get("opened") or "", t.ref), reverse=True)
    return found


# ---------------------------------------------------------------- operations


@writes
def add_ticket(
    store: Store,
    client_path: str,
    subject: str,
    *,
    kind: str = "request",
    priority: str = "normal",
    channel: str | None = None,
    owner: str | None = None,
    message: str | None = None,
    at: datetime | None = None,
) -> str:
    """Open a ticket for the client at ``client_path``; return its path.

    ``message`` (what the client wrote or said) becomes the first message of
    the conversation; ``at`` is when the ticket came in (default: now).
    """
    subject = one_line(subject)
    if not subject:
        raise InvalidError("a ticket needs a subject, e.g. 'Grinder makes a rattling noise'")
    kind = _choice(kind, KINDS, "kind")
    priority = _choice(priority, PRIORITIES, "priority")
    client = store.indexed(client_path)
    if client is None or client.type.name != "client":
        raise NotFoundError(f"no client {client_path} (list them with 'plaincrm client list')")
    service_settings(store.config)  # refuse to open tickets under broken SLA settings
    owner = new_owner(store, owner)
    moment = at or now()
    slug = unique_slug(
        slugify(slug_base(client.slug, subject)), lambda s: store.exists("ticket", s)
    )
    path = path_of("ticket", slug)
    fields: dict[str, Any] = {
        "client": client.slug,
        "subject": subject,
        "kind": kind,
        "priority": priority,
        "status": "new",
        "channel": one_line(channel) if channel else None,
        "owner": owner,
        "opened": format_stamp(moment),
    }
    how = ", ".join(filter(None, [kind, priority, fields["channel"]]))
    body = [f"## {CONVERSATION}"]
    if message and message.strip():
        body += message_lines(moment, CLIENT, message)
    body += ["", "## Tasks", "", "## Log", "", _log(store, moment, f"opened ({how})")]
    store.create(path, new_record_text(fields, "\n".join(body)))
    store.commit([path], f"ticket add: {subject} ({path})")
    return path


def slug_base(client: str, subject: str) -> str:
    """What a ticket's file name is made of: the client's ref, then the first words
    of the subject (a small word does not end it)."""
    words = subject.split()[:SLUG_WORDS]
    while len(words) > 1 and words[-1].lower() in SMALL_WORDS:
        words.pop()
    return " ".join([client, *words])


@writes
def reply(
    store: Store,
    path: str,
    text: str,
    *,
    from_client: bool = False,
    wait: bool = False,
    at: datetime | None = None,
) -> str:
    """Add a message to the conversation; return the ticket's status afterwards.

    The team's first reply sets ``first_response`` and opens a new ticket;
    ``wait`` then puts it on hold for the client.  A client's message takes a
    ticket that waits on the client back to ``open``.
    """
    if not text.strip():
        raise InvalidError("the reply is empty: give its text (or '-' to read it from stdin)")
    if wait and from_client:
        raise UsageError("--wait is for your own replies: the ticket then waits on the client")
    record, status = _load(store, path)
    if status == "closed":
        raise ConflictError(
            f"{record.slug} is closed: reopen it first ('plaincrm ticket reopen {record.slug}') "
            "or open a new ticket"
        )
    moment = _moment(store, record, at)
    who = CLIENT if from_client else (store.current_user() or "plaincrm")
    changes: dict[str, Any] = {}
    log: list[str] = []
    new_status = status
    if from_client:
        if status == "waiting":
            new_status = "open"
    else:
        if not record.get_text("first_response"):
            changes["first_response"] = format_stamp(moment)
        if status == "new":
            new_status = "open"
        if wait:
            if status in DONE:
                raise ConflictError(
                    f"{record.slug} is {status}: reopen it before waiting on the client"
                )
            new_status = "waiting"
    if new_status != status:
        changes["status"] = new_status
        log.append(_log(store, moment, status_line_text(status, new_status)))
    lines = message_lines(moment, who, text)

    def edit(old: str) -> str:
        new = add_message(set_fields(old, changes), lines)
        return append_log(new, log) if log else new

    author = "the client" if from_client else who
    store.modify(path, edit, f"ticket reply: {author} on {record.title} ({path})")
    return new_status


@writes
def wait(store: Store, path: str, *, note: str | None = None, at: datetime | None = None) -> None:
    """Put a new or open ticket on hold: it waits on the client and the clocks stop."""
    record, status = _load(store, path)
    if status not in RUNNING:
        what = "already waits on the client" if status == "waiting" else f"is {status}"
        raise ConflictError(f"{record.slug} {what}; only new or open tickets wait")
    moment = _moment(store, record, at)
    _change(store, record, status, "waiting", moment, {}, note, "ticket wait")


@writes
def resolve(store: Store, path: str, *, resolution: str, at: datetime | None = None) -> None:
    """Mark a ticket resolved: the solution is given, the resolution clock stops."""
    record, status = _load(store, path)
    if status in DONE:
        raise ConflictError(f"{record.slug} is already {status}")
    text = _resolution(resolution)
    moment = _moment(store, record, at)
    changes = {"resolved": format_stamp(moment), "resolution": text}
    _change(store, record, status, "resolved", moment, changes, text, "ticket resolve")


@writes
def close(
    store: Store,
    path: str,
    *,
    resolution: str | None = None,
    upsell: NewDeal | None = None,
    at: datetime | None = None,
) -> str | None:
    """Close a ticket (resolving it when that was not done yet); with ``upsell``,
    open a deal for the client whose source is the ticket, link the ticket to
    it, and commit both files together.  Returns the deal's path."""
    record, status = _load(store, path)
    if status == "closed":
        raise ConflictError(f"{record.slug} is already closed")
    text = _resolution(resolution) if resolution is not None else record.get_text("resolution")
    if not text:
        raise InvalidError(f"say how {record.slug} was resolved: --resolution TEXT")
    if upsell is not None and record.get_text("deal"):
        raise ConflictError(
            f"{record.slug} already led to the deal {record.get_text('deal')}; "
            "open another deal with 'plaincrm deal add'"
        )
    moment = _moment(store, record, at)
    changes: dict[str, Any] = {}
    if not record.get_text("resolved") or status not in DONE:
        changes["resolved"] = format_stamp(moment)
    changes["resolution"] = text
    client = record.get_text("client") or ""
    deal_path = None
    extra: list[str] = []
    if upsell is not None:
        deal_path = upsell.add(store, path_of("client", client), path[:-3])
        deal_slug = slug_of(deal_path)
        changes["deal"] = deal_slug
        extra.append(_log(store, moment, f"upsell: deal {deal_slug} ({one_line(upsell.title)})"))
    offer = f" with upsell {deal_path}" if deal_path else ""
    store.modify_all(
        [(path, _status_edit(store, status, "closed", moment, changes, text, extra))],
        f"ticket close: {record.title}{offer} ({path})",
        created=[deal_path] if deal_path else [],
    )
    return deal_path


@writes
def reopen(store: Store, path: str, *, note: str | None = None, at: datetime | None = None) -> None:
    """Reopen a resolved or closed ticket: it is open again and the resolution clock runs."""
    record, status = _load(store, path)
    if status not in DONE:
        raise ConflictError(f"{record.slug} is {status}, not resolved or closed")
    moment = _moment(store, record, at)
    _change(store, record, status, "open", moment, {"resolved": None}, note, "ticket reopen")


def set_ticket(store: Store, path: str, wanted: Wanted) -> Edit:
    """Change a ticket's details (``setfields``): its subject, kind, priority, channel,
    owner, own fields; the log says what changed.  The status and the moments the
    SLA clocks read change only through the ticket commands."""
    return change_record(store, path, wanted, "ticket set", lambda text: _log(store, now(), text))


# ---------------------------------------------------------------- helpers


def _load(store: Store, path: str) -> tuple[Record, str]:
    record = store.load(path)
    if record.type.name != "ticket":
        raise NotFoundError(f"{path} is not a ticket")
    status = record.get_text("status") or "new"
    if status not in STATUSES:
        raise InvalidError(
            f"{path}: status '{status}' is not one of {', '.join(STATUSES)}; fix it with "
            f"'plaincrm edit {record.slug}'"
        )
    opened = record.fields.get("opened")
    if parse_stamp(opened, store.config.day_start) is None:
        said = _stamp_problem("opened", opened)
        raise InvalidError(f"{path}: {said}; fix it with 'plaincrm edit {record.slug}'")
    return record, status


def _stamp_problem(key: str, value: Any) -> str:
    """What is wrong with a moment field, in the words ``check`` uses for it."""
    return wrong_value(key, load_schema("ticket")["properties"][key], value)


def _moment(store: Store, record: Record, at: datetime | None) -> datetime:
    """When an event happens: ``at`` or now, never before the ticket's last change."""
    moment = at or now()
    changes = timeline(record, store.config.day_start)
    last = changes[-1][0] if changes else None
    if last is not None and moment < last:
        raise UsageError(
            f"{format_stamp(moment)} is before the last change of {record.slug} "
            f"({format_stamp(last)}): events are recorded in order"
        )
    return moment


def _change(
    store: Store,
    record: Record,
    old: str,
    new: str,
    moment: datetime,
    changes: dict[str, Any],
    note: str | None,
    verb: str,
) -> None:
    """Set the status (and ``changes``), log the change, and commit."""
    edit = _status_edit(store, old, new, moment, changes, note)
    store.modify(record.path, edit, f"{verb}: {record.title} {old} -> {new} ({record.path})")


def _status_edit(
    store: Store,
    old: str,
    new: str,
    moment: datetime,
    changes: dict[str, Any],
    note: str | None,
    extra: list[str] | None = None,
) -> Callable[[str], str]:
    """The edit that sets the status (and ``changes``) and logs the change (and ``extra``)."""
    line = _log(store, moment, status_line_text(old, new, one_line(note) if note else None))
    lines = [line, *(extra or [])]
    return lambda text: append_log(set_fields(text, {"status": new, **changes}), lines)


def _log(store: Store, moment: datetime, text: str) -> str:
    return log_line(format_stamp(moment), store.current_user(), text)


def _resolution(text: str) -> str:
    cleaned = one_line(text)
    if not cleaned:
        raise InvalidError("the resolution is empty: say in a sentence how it was resolved")
    return cleaned


def _choice(value: str, choices: tuple[str, ...], name: str) -> str:
    wanted = value.strip().lower()
    if wanted in choices:
        return wanted
    raise InvalidError(f"'{value}' is not a ticket {name}; use one of: {', '.join(choices)}")


# ---------------------------------------------------------------- check


def check_tickets(store: Store) -> list[Problem]:
    """``check``: the service settings (``check`` reads each ticket with ``ticket_problems``)."""
    return list(read_service(store.config)[1])


def ticket_problems(record: Record, day_start: int) -> list[Problem]:
    """``check``: a ticket's moments (a date alone is the start of that working day: no
    problem) and its status history."""
    found: list[Problem] = []

    def problem(key: str, message: str, line: int | None = None) -> None:
        found.append(Problem(record.path, line or record.line_of(key), message))

    stamps: dict[str, datetime] = {}
    for key in STAMP_FIELDS:
        value = record.fields.get(key)
        if value in (None, ""):
            continue
        moment = parse_stamp(value, day_start)
        if moment is None:  # the schema's words: a value it refuses too is told once
            problem(key, _stamp_problem(key, value))
        else:
            stamps[key] = moment
    opened = stamps.get("opened")
    for key in ("first_response", "resolved"):
        if opened is not None and key in stamps and stamps[key] < opened:
            problem(key, f"{key} ({format_stamp(stamps[key])}) is before opened")
    status = record.get_text("status")
    if status in DONE and "resolved" not in stamps:
        problem("status", f"a {status} ticket needs resolved: like resolved: 2026-02-11 16:30")
    if status in ("new", "open", "waiting") and "resolved" in stamps:
        problem("resolved", f"resolved is set but the ticket is {status}: remove it")
    last = None
    for entry in record.log:
        found_change = status_change(entry.text)
        if found_change is None:
            continue
        if entry.time is not None and parse_stamp(f"{entry.date} {entry.time}", 0) is None:
            problem(
                "",
                f"'{entry.date} {entry.time}' is no moment: expected a date and time like "
                "2026-02-11 09:30",
                entry.line,
            )
        for name in found_change[:2]:
            if name not in STATUSES:
                problem("", f"'{name}' is not a ticket status ({', '.join(STATUSES)})", entry.line)
        last = found_change[1]
    if last is not None and status in STATUSES and last != status:
        problem(
            "status",
            f"status is '{status}' but the log's last change is to '{last}': change the "
            "status with the 'plaincrm ticket' commands so the SLA clocks stay right",
        )
    return found


# ---------------------------------------------------------------- import (service/kind.py)


def imported_ticket(store: Store, fields: dict[str, Any]) -> str:
    """A ticket a spreadsheet brings in: its kind, priority, status and opening time, the
    empty conversation and the ``opened`` log line, as ``add_ticket`` writes them (the
    body).  A ticket that comes in with another status than ``new`` also gets the status
    change the SLA clocks read (``status new -> waiting: imported``), at its opening
    time: its clocks then run, pause or stop as its status says."""
    fields.setdefault("kind", "request")
    fields.setdefault("priority", "normal")
    fields.setdefault("status", "new")
    fields.setdefault("opened", format_stamp(now()))
    how = ", ".join(str(fields[k]) for k in ("kind", "priority", "channel") if fields.get(k))
    lines = [log_line(str(fields["opened"]), store.current_user(), f"opened ({how})")]
    if fields["status"] != "new":
        change = status_line_text("new", str(fields["status"]), "imported")
        lines.append(log_line(str(fields["opened"]), store.current_user(), change))
    return f"## {CONVERSATION}\n\n## Tasks\n\n## Log\n\n" + "\n".join(lines)


def imported_slug(values: dict[str, Any]) -> str:
    """The client's ref and the subject's first words, as ``ticket add`` names a file."""
    return slug_base(str(values.get("client") or ""), str(values.get("subject") or ""))
