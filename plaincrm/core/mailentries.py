"""The grammar of the ``## Mail`` section of a client file (``schema/mail.md``).

::

    ## Mail

    ### Lease calculation for 14 machines

    - 2026-11-20 09:14 in: Gábor Tóth <gabor.toth@danubehotels.example> -> anna@example.com
      Attached: requirements.pdf, floor-plan.png
      > Could you send the calculation for 14 machines before Tuesday? The
      > board meets on the 1st.
      <!-- Message-ID: <CAB123@mail.danubehotels.example> deal: danube-2027 -->
    - 2026-11-21 10:02 out: Anna Kovács <anna@example.com> -> Gábor Tóth <gabor.toth@...>
      > Here it is: 14 machines on a 36-month lease.
      <!-- Message-ID: <20261121.abc@example.com> -->

A thread is a ``### subject`` heading (the subject without ``Re:``, ``Fwd:`` ...)
and its entries in date order; threads stand in the order of their first mail.
An entry is a list item: date, time, ``in`` (a client wrote) or ``out`` (the team
wrote), sender ``->`` recipients; then, indented, the attachment names, the
excerpt as a quote, and an HTML comment (hidden on GitHub) with the Message-ID
and the deal the mail counts for.  Typed by hand, only the first line is needed.
A deal's ``## Log`` records a mail as ``mail in: SUBJECT`` / ``mail out: SUBJECT``
(``is_mail_line``).

An entry's key is its Message-ID (else its first line): no file holds a key
twice, which is how two clones that imported the same mail end with one entry
after a merge (``merge_thread``, ``dedupe``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .tasklines import Section, find_section

SECTION = "Mail"
NO_SUBJECT = "(no subject)"
EXCERPT_WIDTH = 76  # characters of an excerpt line, after "  > "
MAIL_SECTION_RE = re.compile(r"^##[ \t]+mail[ \t]*\r?$", re.I | re.M)
MAIL_SECTION_BYTES = re.compile(MAIL_SECTION_RE.pattern.encode(), re.I | re.M)  # the first run
_ENTRY_RE = re.compile(
    r"^[-*+][ \t]+(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?[ \t]+(in|out)\b:?[ \t]*(.*?)\s*$",
    re.I,
)
_HEADING_RE = re.compile(r"^###[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*\r?$")
_META_RE = re.compile(r"^<!--(.*?)-->$")
_ID_RE = re.compile(r"message-id:\s*<?([^\s<>]+)>?", re.I)
_DEAL_RE = re.compile(r"(?:^|\s)deal:\s*([^\s<>]+)", re.I)
_ADDRESS_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Reply and forward prefixes in the languages a European team meets (Hungarian Vá:, Tov:)
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|vá|va|tov|továbbítás|r|rif|i|tr|antw|doorst|odp|"
    r"res|enc|rv|ynt|ilt|atb|ref|vl|fs|vb)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.I,
)
# Characters never written into a record: controls, and the bidirectional overrides
# that make text read differently from what it is.
_UNSAFE_RE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
SUBJECT_CHARS = 200  # a longer subject is cut (the same way everywhere: it names the thread)


def clean(text: str) -> str:
    """``text`` on one line, without control characters or direction overrides."""
    return " ".join(_UNSAFE_RE.sub(" ", text).split())


def normalize_subject(subject: str | None) -> str:
    """The thread a subject belongs to: without reply and forward prefixes."""
    text = clean(subject or "")
    while True:
        stripped = _PREFIX_RE.sub("", text, count=1).strip()
        if stripped == text:
            break
        text = stripped
    if len(text) > SUBJECT_CHARS:
        text = text[: SUBJECT_CHARS - 1].rstrip() + "…"
    return text or NO_SUBJECT


def thread_key(subject: str) -> str:
    """How threads are told apart: their normalised subject, in any case and accents
    as typed (``Offer`` and ``offer`` are one thread)."""
    return unicodedata.normalize("NFC", normalize_subject(subject)).casefold()


def addresses_in(text: str) -> list[str]:
    """The e-mail addresses written in ``text``, lower case, in order."""
    return [found.lower() for found in _ADDRESS_RE.findall(text)]


def is_mail_line(text: str) -> bool:
    """Whether a deal's log text records a mail (``mail in: ...``, ``mail out: ...``)."""
    return text.startswith(("mail in: ", "mail out: "))


@dataclass
class MailEntry:
    """One mail as a client file records it."""

    date: str
    time: str | None
    direction: str  # in | out
    sender: str  # as written: "Name <address>" or an address
    recipients: str  # as written, "cc" and "and N more" included
    thread: str  # the subject of the thread heading ("" above any heading)
    line: int  # of the entry's first line, 1-based
    excerpt: str = ""
    attachments: list[str] = field(default_factory=list)
    message_id: str | None = None
    deal: str | None = None
    header: str = ""  # the first line as written

    @property
    def key(self) -> str:
        """What no file holds twice: the Message-ID, else the first line."""
        return self.message_id or f"line:{self.header.strip()}"

    @property
    def stamp(self) -> str:
        return f"{self.date} {self.time or '00:00'}"

    @property
    def sender_name(self) -> str:
        """The sender's name (their address when the entry gives no name)."""
        name = self.sender.split("<", 1)[0].strip().strip('"')
        return name or self.sender.strip("<> ")

    def who(self, users: dict[str, str]) -> str:
        """Who sent it: a team member's user name (``users``: address -> name), else
        the sender's name."""
        found = addresses_in(self.sender)
        return users.get(found[0], self.sender_name) if found else self.sender_name

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "time": self.time,
            "direction": self.direction,
            "from": self.sender,
            "to": self.recipients,
            "subject": self.thread,
            "excerpt": self.excerpt,
            "attachments": self.attachments,
            "message_id": self.message_id,
            "deal": self.deal,
            "line": self.line,
        }


@dataclass
class Thread:
    """A thread of a ``## Mail`` section: its lines are ``[start, stop)``."""

    subject: str
    key: str
    start: int  # the heading line (the first entry's, above any heading)
    stop: int  # after its last non-blank line
    entries: list[tuple[MailEntry, int, int]] = field(default_factory=list)  # with span

    @property
    def first(self) -> str:
        return min((entry.stamp for entry, _, _ in self.entries), default="9999")


def has_mail(text: str) -> bool:
    return MAIL_SECTION_RE.search(text) is not None


def mail_section(lines: list[str]) -> Section | None:
    return find_section(lines, SECTION)


def threads_of(lines: list[str], section: Section | None = None) -> list[Thread]:
    """The threads of the ``## Mail`` section of a file's ``lines``."""
    section = section or mail_section(lines)
    if section is None:
        return []
    threads: list[Thread] = []
    current: Thread | None = None
    entry: MailEntry | None = None
    index = section.heading + 1
    while index < section.end:
        raw = lines[index].rstrip("\r")
        heading = _HEADING_RE.match(raw)
        match = None if heading else _ENTRY_RE.match(raw)
        if heading:
            subject = clean(heading.group(1))
            current = Thread(subject, thread_key(subject), index, index + 1)
            threads.append(current)
            entry = None
        elif match:
            if current is None:
                current = Thread("", "", index, index + 1)
                threads.append(current)
            entry = _entry(match, current.subject, index + 1, raw)
            current.entries.append((entry, index, index + 1))
            current.stop = index + 1
        elif raw.strip() and raw[:1] in " \t" and entry is not None and current is not None:
            _continue(entry, raw.strip())
            last, start, _ = current.entries[-1]
            current.entries[-1] = (last, start, index + 1)
            current.stop = index + 1
        elif raw.strip():
            entry = None
            if current is not None:
                current.stop = index + 1
        index += 1
    return threads


def thread_entries(lines: list[str]) -> list[MailEntry]:
    """The entries of one thread's lines (a ``thread`` atom of ``recordparts``)."""
    return [entry for thread in threads_of(["## Mail", *lines]) for entry, _, _ in thread.entries]


def describe_entry(entry: MailEntry) -> str:
    """A mail in a few words (its sender is said apart): ``mail in: SUBJECT``, ``mail out
    to NAME: SUBJECT``."""
    subject = entry.thread or NO_SUBJECT
    if entry.direction == "in":
        return f"mail in: {subject}"
    first = entry.recipients.split(",", 1)[0]
    name = first.split("<", 1)[0].strip().strip('"') or first.strip("<> ")
    return f"mail out to {name}: {subject}" if name else f"mail out: {subject}"


def parse_mail(lines: list[str]) -> list[MailEntry]:
    """Every entry of the ``## Mail`` section, in file order."""
    return [entry for thread in threads_of(lines) for entry, _, _ in thread.entries]


def _entry(match: re.Match[str], thread: str, line: int, raw: str) -> MailEntry:
    date, time, direction, rest = match.groups()
    if time and len(time) == 4:
        time = "0" + time
    sender, _, recipients = rest.replace(" → ", " -> ").partition(" -> ")
    return MailEntry(
        date,
        time,
        direction.lower(),
        sender.strip(),
        recipients.strip(),
        thread,
        line,
        header=raw,
    )


def _continue(entry: MailEntry, text: str) -> None:
    """An indented line of an entry: metadata, attachments, or the excerpt."""
    meta = _META_RE.match(text)
    if meta:
        found = _ID_RE.search(meta.group(1))
        if found:
            entry.message_id = found.group(1)
        deal = _DEAL_RE.search(meta.group(1))
        if deal:
            entry.deal = deal.group(1)
        return
    if text.lower().startswith("attached:"):
        names = text.split(":", 1)[1]
        entry.attachments += [name.strip() for name in names.split(", ") if name.strip()]
        return
    quoted = text[1:].strip() if text.startswith(">") else text
    entry.excerpt = f"{entry.excerpt} {quoted}".strip()


# ---------------------------------------------------------------- writing


@dataclass
class NewEntry:
    """A mail to write: what ``entry_lines`` renders, and where it goes."""

    subject: str  # the thread's subject (normalised)
    date: str
    time: str
    direction: str
    sender: str
    recipients: str
    excerpt: str
    attachments: list[str]
    message_id: str
    deal: str | None = None

    @property
    def stamp(self) -> str:
        return f"{self.date} {self.time}"

    @property
    def key(self) -> str:
        return self.message_id


def entry_lines(entry: NewEntry, width: int = EXCERPT_WIDTH) -> list[str]:
    """The lines of one entry (without newlines)."""
    head = f"- {entry.date} {entry.time} {entry.direction}: {clean(entry.sender)}"
    if entry.recipients:
        head += f" -> {clean(entry.recipients)}"
    lines = [head]
    names = [clean(name).replace(", ", " ") for name in entry.attachments]
    if names:
        lines.append("  Attached: " + ", ".join(name for name in names if name))
    lines += ["  > " + part for part in wrap(clean(entry.excerpt), width)]
    meta = f"Message-ID: <{entry.message_id}>"
    if entry.deal:
        meta += f" deal: {entry.deal}"
    lines.append(f"  <!-- {meta} -->")
    return lines


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` characters (a longer word whole)."""
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return out


def add_entries(text: str, new: list[NewEntry]) -> str:
    """``text`` with the entries of ``new`` (their keys not in it yet) added: each into
    its thread in date order, new threads placed by their first mail, the ``## Mail``
    section made at the end of the file when missing.  Only lines are inserted."""
    if not new:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.split("\n")
    section = mail_section(lines)
    if section is None:
        body = text if text.endswith("\n") or not text else text + nl
        if body.strip() and not body.endswith(nl + nl):
            body += nl
        text = body + "## Mail" + nl
        lines = text.split("\n")
        section = mail_section(lines)
        assert section is not None
    threads = threads_of(lines, section)
    by_key: dict[str, Thread] = {}
    for thread in threads:
        by_key.setdefault(thread.key, thread)
    inserts: list[tuple[int, int, list[str]]] = []  # (before line, order, lines)
    fresh: dict[str, list[NewEntry]] = {}
    for order, entry in enumerate(sorted(new, key=lambda e: e.stamp)):
        home = by_key.get(thread_key(entry.subject))
        if home is None:
            fresh.setdefault(thread_key(entry.subject), []).append(entry)
            continue
        inserts.append((_place_in(home, entry.stamp), order, entry_lines(entry)))
    end = _content_end(lines, section)
    for order, group in enumerate(sorted(fresh.values(), key=lambda g: g[0].stamp)):
        block = [f"### {group[0].subject}", ""]
        for entry in group:
            block += entry_lines(entry)
        later = [t for t in threads if t.subject and t.first > group[0].stamp]
        if later:
            inserts.append((later[0].start, len(new) + order, [*block, ""]))
        else:
            tail = [""] if end < len(lines) and lines[end].strip() else []
            inserts.append((end, len(new) + order, ["", *block, *tail]))
    cr = nl[:-1]
    for before, _, block in sorted(inserts, key=lambda item: (-item[0], -item[1])):
        lines[before:before] = [line + cr for line in block]
    out = "\n".join(lines)
    return out if out.endswith("\n") else out + nl


def _place_in(thread: Thread, stamp: str) -> int:
    """The line before which an entry of ``stamp`` goes in ``thread``."""
    for entry, start, _ in thread.entries:
        if entry.stamp > stamp:
            return start
    return thread.stop


def _content_end(lines: list[str], section: Section) -> int:
    """The line after the last non-blank line of the section."""
    end = section.end
    while end > section.heading + 1 and not lines[end - 1].strip():
        end -= 1
    return end


# ---------------------------------------------------------------- merging


def split_thread(lines: list[str]) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """A thread's lines as its head (heading and lines before the first entry) and its
    entries ``(key, stamp, lines)``; lines between entries stay with the one before."""
    threads = threads_of(["## Mail", *lines])
    if not threads or not threads[0].entries:
        return lines, []
    spans = threads[0].entries
    head = lines[: spans[0][1] - 1]
    items = []
    for number, (entry, start, _) in enumerate(spans):
        stop = spans[number + 1][1] if number + 1 < len(spans) else len(lines) + 1
        items.append((entry.key, entry.stamp, lines[start - 1 : stop - 1]))
    return head, items


def merge_thread(base: list[str] | None, ours: list[str], theirs: list[str]) -> list[str]:
    """One thread changed on both sides: its entries merged by key (an entry either side
    added is kept once, in date order; one deleted on a side and unchanged on the other
    is gone; one changed on both keeps ours), the heading and head lines ours."""
    head, mine = split_thread(ours)
    _, yours = split_thread(theirs)
    old = {key: block for key, _, block in split_thread(base or [])[1]}
    their_blocks = {key: block for key, _, block in yours}
    result: list[tuple[str, str, list[str]]] = []
    for key, stamp, block in mine:
        other = their_blocks.get(key)
        if other is None:
            if old.get(key) != block:  # added here, or changed here and deleted there
                result.append((key, stamp, block))
            continue
        result.append((key, stamp, other if old.get(key) == block else block))
    kept = {key for key, _, _ in result} | {key for key, _, _ in mine}
    for key, stamp, block in yours:
        if key in kept or old.get(key) == block:  # ours, or deleted here and not changed
            continue
        position = next((i for i, (_, other, _) in enumerate(result) if other > stamp), len(result))
        result.insert(position, (key, stamp, block))
    return [*head, *(line for _, _, block in result for line in _closed(block))]


def _closed(block: list[str]) -> list[str]:
    """An entry's lines without trailing blank lines (merged entries stand together)."""
    end = len(block)
    while end > 1 and not block[end - 1].strip():
        end -= 1
    return block[:end]


def dedupe(text: str) -> str:
    """``text`` with every second entry of a key in its ``## Mail`` section removed."""
    if not has_mail(text):
        return text
    lines = text.split("\n")
    seen: set[str] = set()
    drop: list[tuple[int, int]] = []
    for thread in threads_of(lines):
        for entry, start, stop in thread.entries:
            if entry.key in seen:
                drop.append((start, stop))
            seen.add(entry.key)
    if not drop:
        return text
    for start, stop in sorted(drop, reverse=True):
        del lines[start:stop]
    return "\n".join(lines)
