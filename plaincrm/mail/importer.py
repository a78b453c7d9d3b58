"""``plaincrm mail import``: the mail of some sources into the client files, as one commit.

1. Each source lists its messages with their header summaries (``sources``):
   only mail that arrived since the last run is read.
2. Each message is matched to clients (``matching``); what a client's file
   records already (its Message-IDs, from the index) is left out, and so is mail
   from machines (auto-replies, mailing lists), mail from ignored addresses and
   mail before ``--since``.  What no client matches is counted, and its
   addresses listed with ``--unmatched``.
3. The messages to record are read in full (``message.read_content``).
4. Under the write lock, each client file gets its new entries (the keys it
   holds now are left out: what is decided is decided on the text changed), and
   the deal each mail refers to a log line (``mail in: SUBJECT``), which counts
   as the deal's activity; all files are written, then committed once.  When a
   write fails, every file is put back: nothing is half-written.

Bad mail never stops a run: a message that cannot be recorded is skipped with
a one-line reason, one recorded despite a defect carries a note.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import BrokenFileError, InvalidError, NotFoundError
from ..core.model import TYPES, path_of, slug_of
from ..core.records import ParseFailure, append_log, log_line, parse_record
from ..core.store import Store, type_of_path, writes
from ..sales.deallog import CLOSED
from .entries import NewEntry, add_entries, clean, normalize_subject, thread_key, threads_of
from .followup import recorded_keys
from .matching import Book, match
from .message import Content, Summary, read_content, show_addresses
from .settings import MailSettings, mail_settings
from .sources import Item, Source, open_sources

PASSCMD_CONFIG = "plaincrm.mailPasswordCommand"


@dataclass
class Candidate:
    """A message to record, for these clients."""

    source: str
    item: Item
    direction: str
    clients: list[str]
    content: Content | None = None


@dataclass
class Written:
    client: str
    entry: NewEntry
    where: str


@dataclass
class Outcome:
    """What an import did (or, with ``dry_run``, would do)."""

    sources: list[str]
    dry_run: bool
    read: int = 0
    written: list[Written] = field(default_factory=list)
    already: int = 0
    unmatched: int = 0
    strangers: Counter[str] = field(default_factory=Counter)
    automatic: int = 0
    ignored: int = 0
    before: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why)
    notes: list[tuple[str, str]] = field(default_factory=list)  # recorded, with a defect
    deal_lines: list[tuple[str, str]] = field(default_factory=list)  # (deal path, line)
    files: list[str] = field(default_factory=list)
    commit: str | None = None

    @property
    def messages(self) -> int:
        return len({written.entry.key for written in self.written})

    @property
    def clients(self) -> int:
        return len({written.client for written in self.written})

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "dry_run": self.dry_run,
            "read": self.read,
            "recorded": [
                {
                    "client": written.client,
                    "date": written.entry.date,
                    "time": written.entry.time,
                    "direction": written.entry.direction,
                    "from": written.entry.sender,
                    "subject": written.entry.subject,
                    "deal": written.entry.deal,
                    "message_id": written.entry.message_id,
                }
                for written in self.written
            ],
            "already_recorded": self.already,
            "unmatched": self.unmatched,
            "unmatched_addresses": dict(self.strangers.most_common()),
            "automatic": self.automatic,
            "ignored": self.ignored,
            "before_since": self.before,
            "skipped": [{"where": where, "reason": why} for where, why in self.skipped],
            "notes": [{"where": where, "note": note} for where, note in self.notes],
            "deal_log": [{"deal": path, "line": line} for path, line in self.deal_lines],
            "files": self.files,
            "commit": self.commit,
        }


def import_mail(
    store: Store, names: list[str], *, since: str | None = None, dry_run: bool = False
) -> Outcome:
    """Import the mail of the sources ``names`` (see the module docstring)."""
    settings = mail_settings(store.config)
    sources = open_sources(store.root, names, _password_command(store))
    outcome = Outcome([source.label for source in sources], dry_run)
    try:
        book = Book.of(store.records("client"), settings)
        recorded = recorded_keys(store)
        chosen: list[tuple[Source, list[Candidate]]] = []
        seen: set[str] = set()
        for source in sources:
            found = _select(source.scan(since), source, book, recorded, seen, since, outcome)
            chosen.append((source, found))
        for source, candidates in chosen:
            _read(source, candidates, settings, outcome)
    finally:
        for source in sources:
            source.save_state()
            source.close()
    candidates = [c for _, found in chosen for c in found if c.content is not None]
    if not candidates:
        return outcome
    if dry_run:
        _plan(store, candidates, settings, outcome)
        return outcome
    record_mail(store, candidates, settings, outcome)
    return outcome


@writes
def record_mail(
    store: Store, candidates: list[Candidate], settings: MailSettings, outcome: Outcome
) -> None:
    """Write the mail read (``candidates``) into the client files, in one commit: what is
    written (which mail is new, which deal it counts for) is decided under the write
    lock, on the files as they are then.  Reading the mailboxes comes before, without
    the lock: an IMAP server can take its time."""
    writer = Store(store.root, config=store.config, warn=store.warn)
    edits = _plan(writer, candidates, settings, outcome)
    if edits:
        outcome.commit = _write(writer, edits, _message(outcome))
        outcome.files = sorted(edits)


def _select(
    items: list[Item],
    source: Source,
    book: Book,
    recorded: dict[str, set[str]],
    seen: set[str],
    since: str | None,
    outcome: Outcome,
) -> list[Candidate]:
    """The messages of a source to record, each with the clients it is new to."""
    found = []
    for item in items:
        summary = item.summary
        outcome.read += 1
        if summary.skip:
            outcome.skipped.append((item.where, summary.skip))
            continue
        if since and summary.stamp[:10] < since:
            outcome.before += 1
            continue
        matched = match(book, summary)
        if matched is None:
            outcome.ignored += 1
            continue
        if not matched.clients:
            outcome.unmatched += 1
            outcome.strangers.update(matched.strangers)
            continue
        if summary.automatic:
            outcome.automatic += 1
            continue
        new = [c for c in matched.clients if summary.message_id not in recorded.get(c, ())]
        if not new or summary.message_id in seen:
            outcome.already += 1
            continue
        seen.add(summary.message_id)
        found.append(Candidate(source.label, item, matched.direction, new))
    return found


def _read(
    source: Source, candidates: list[Candidate], settings: MailSettings, outcome: Outcome
) -> None:
    if not candidates:
        return
    by_key = {candidate.item.key: candidate for candidate in candidates}
    for item, data in source.read([candidate.item for candidate in candidates]):
        candidate = by_key[item.key]
        if data is None:
            outcome.skipped.append((item.where, "could not be read any more (moved or deleted)"))
            continue
        try:
            content = read_content(data, full=settings.full_text)
        except Exception as exc:  # the last guard: bad mail never stops the import
            outcome.skipped.append((item.where, f"unreadable ({type(exc).__name__}: {exc})"))
            continue
        candidate.content = content
        for note in [*item.summary.notes, *content.notes]:
            outcome.notes.append((item.where, note))


def _entry(candidate: Candidate, summary: Summary) -> NewEntry:
    content = candidate.content
    assert content is not None
    date, _, time = summary.stamp.partition(" ")
    recipients = show_addresses(content.to, content.cc)
    return NewEntry(
        normalize_subject(content.subject),
        date,
        time,
        candidate.direction,
        content.sender or summary.sender,
        recipients,
        content.excerpt,
        content.attachments,
        summary.message_id,
    )


@dataclass
class _Deal:
    path: str
    title: str
    created: str


def _open_deals(store: Store) -> dict[str, list[_Deal]]:
    """Client slug -> its open deals."""
    out: dict[str, list[_Deal]] = {}
    for record in store.records("deal"):
        client = record.get_text("client")
        if client and record.get_text("stage") not in CLOSED:
            out.setdefault(client, []).append(
                _Deal(record.path, record.title, record.get_date("created") or "")
            )
    return out


def _plan(
    store: Store, candidates: list[Candidate], settings: MailSettings, outcome: Outcome
) -> dict[str, tuple[str, str]]:
    """The files to write, ``path -> (text now, new text)``, read as they are now."""
    deals = _open_deals(store)
    entries: dict[str, list[NewEntry]] = {}
    wheres: dict[str, str] = {}
    for candidate in sorted(candidates, key=lambda c: c.item.summary.utc):
        for client in candidate.clients:
            entry = _entry(candidate, candidate.item.summary)
            entries.setdefault(client, []).append(entry)
            wheres[entry.key] = candidate.item.where
    edits: dict[str, tuple[str, str]] = {}
    logs: dict[str, list[str]] = {}
    for client, new in entries.items():
        try:
            text = store.read_text(client)
            parse_record(TYPES["client"], client, text)
        except (NotFoundError, BrokenFileError, ParseFailure) as exc:
            problem = getattr(exc, "problem", None) or exc
            for entry in new:
                outcome.skipped.append((wheres[entry.key], f"{client} cannot be read ({problem})"))
            continue
        held = {e.key for thread in threads_of(text.split("\n")) for e, _, _ in thread.entries}
        fresh = [entry for entry in new if entry.key not in held]
        if not fresh:
            continue
        _choose_deals(text, fresh, deals.get(slug_of(client), []))
        edits[client] = (text, add_entries(text, fresh))
        for entry in fresh:
            outcome.written.append(Written(client, entry, wheres[entry.key]))
            if entry.deal:
                logs.setdefault(path_of("deal", entry.deal), []).append(_deal_line(entry, settings))
    for deal, lines in logs.items():
        try:
            text = store.read_text(deal)
            record = parse_record(type_of_path(deal), deal, text)
        except (NotFoundError, BrokenFileError, ParseFailure):
            continue
        present = {line.strip() for line in text.split("\n")}
        lines = [line for line in dict.fromkeys(lines) if line not in present]
        if lines and record.get_text("stage") not in CLOSED:
            edits[deal] = (text, append_log(text, lines))
            outcome.deal_lines += [(deal, line) for line in lines]
    return edits


def _choose_deals(text: str, fresh: list[NewEntry], deals: list[_Deal]) -> None:
    """The open deal each mail refers to, if any: the deal of an earlier mail of its thread,
    else the one whose title its subject names, else the client's only open deal.  A
    deal opened after the mail was written is none of its business."""
    if not deals:
        return
    by_thread: dict[str, str] = {}
    for thread in threads_of(text.split("\n")):
        for held, _, _ in thread.entries:
            if held.deal:
                by_thread[thread.key] = held.deal
    open_slugs = {slug_of(deal.path) for deal in deals}
    for entry in fresh:
        eligible = [deal for deal in deals if deal.created <= entry.date]
        key = thread_key(entry.subject)
        known = by_thread.get(key)
        subject = entry.subject.casefold()
        named = [deal for deal in eligible if deal.title.casefold() in subject]
        if known in open_slugs and any(slug_of(d.path) == known for d in eligible):
            entry.deal = known
        elif len(named) == 1:
            entry.deal = slug_of(named[0].path)
        elif len(eligible) == 1 and len(deals) == 1:
            entry.deal = slug_of(eligible[0].path)
        if entry.deal:
            by_thread.setdefault(key, entry.deal)


def _deal_line(entry: NewEntry, settings: MailSettings) -> str:
    """The deal's log line of a mail: ``- DATE TIME who: mail in: SUBJECT``."""
    address = entry.sender.rsplit("<", 1)[-1].rstrip(">").strip().lower()
    who = settings.team.get(address) or clean(entry.sender.split("<", 1)[0]).strip('"')
    subject = entry.subject
    return log_line(
        f"{entry.date} {entry.time}", who or address, f"mail {entry.direction}: {subject}"
    )


def _write(reader: Store, edits: dict[str, tuple[str, str]], message: str) -> str | None:
    """Write every file (checking that each still parses), or none; commit them once.

    Through a store without an open index: writing a thousand files must not update
    the index after each one (it is updated once at the end), and one sync of the
    disk at the end instead of one per file (as ``import`` does)."""
    store = Store(reader.root, config=reader.config, warn=reader.warn)
    for path, (_, after) in edits.items():
        try:
            parse_record(type_of_path(path), path, after)
        except ParseFailure as failure:
            raise InvalidError(
                f"not writing {path}: the mail would leave it unreadable ({failure.problem}); "
                "nothing was written"
            ) from None
    _commit_hand_edits(store, list(edits))
    store.durable = len(edits) == 1
    try:
        for path, (before, after) in edits.items():
            if not store.replace(path, after, before):
                raise InvalidError(f"{path} changed while importing; nothing was written")
    except BaseException:  # a failed write, and Ctrl-C too: nothing stays half-written
        store.abandon()
        raise
    if not store.durable:
        os.sync()
    commit = store.commit(list(edits), message)
    reader.written(list(edits))  # the index, brought up to date in one go
    return commit


def _password_command(store: Store) -> str | None:
    """The IMAP password command of this clone (``git config plaincrm.mailPasswordCommand``,
    the clone's or the user's own git config): never the shared ``plaincrm.yaml``."""
    from ..git import repo as gitrepo

    if gitrepo.toplevel(store.root) is None:
        return None
    return gitrepo.config_value(store.root, PASSCMD_CONFIG) or None


def _commit_hand_edits(store: Store, paths: list[str]) -> None:
    """Files about to change that hold uncommitted hand edits: committed first, on their
    own, so that the import's commit holds only the mail (as ``Store.modify`` does)."""
    if not store.config.git_commit:
        return
    from ..git import repo as gitrepo

    if gitrepo.toplevel(store.root) is None:
        return
    wanted = set(paths)
    edited = [path for _, path in gitrepo.changed_paths(store.root) if path in wanted]
    if edited:
        store.commit(edited, f"hand edits to {', '.join(sorted(edited))}", by_plaincrm=False)


def _message(outcome: Outcome) -> str:
    mails = outcome.messages
    clients = outcome.clients
    where = ", ".join(outcome.sources)
    return (
        f"mail import: {mails} mail{'s' if mails != 1 else ''} for {clients} "
        f"client{'s' if clients != 1 else ''} ({where})"
    )
