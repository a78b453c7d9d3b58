"""What happened to records, from git: ``history`` of a record, ``activity`` of the team.

Everything comes from ``git log`` with patches (``gitrepo.log_patches``): each
commit with the whole old and new text of every record it touched; one log
for ``activity``, one per record for ``history`` (run side by side, so that git
can use its changed-path filters), never an object read per commit.  Two
versions of a record are compared the way people think about them
(``describe``): front matter field by field (``stage: proposal ->
negotiation``), tasks by id (added, done, moved, reopened, removed), log lines
added or removed, free text edited.  A commit made by a plaincrm command
carries the ``Made-with: plaincrm`` trailer; any other commit is an edit made
by hand.

A record's history also shows what its file says now: its completed tasks
with their result notes and its ``## Log`` lines, each dated as written; a
git change that only repeats one of those (the commit that ticked the task,
the commit that added the log line) lends it its author and time instead of
being listed twice.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Any

from ..core.model import TYPE_BY_FOLDER, TYPES, is_record_path, slug_of
from ..core.recordparts import Parts, cut, given_ids
from ..core.store import Store, type_of_path
from ..core.tasklines import Task
from ..mail.entries import MailEntry, describe_entry, thread_entries
from ..sales.deallog import is_mail_line
from . import repo as gitrepo

_MISSING = object()
SHORT_VALUE = 40  # values up to this long are quoted in a change; longer ones are "changed"
# git changes that a file's done task, log line or mail stands for
FOLDED = ("task-done", "log-added", "mail-added")
STAGE_FIELDS = ("stage", "status")  # a change of these moves a record through its stages
CLOSED_STAGES = ("won", "lost")


# ---------------------------------------------------------------- reading git's output


@dataclass
class FileDiff:
    status: str  # A (added), D (deleted), M (modified), R (renamed)
    old_path: str | None
    new_path: str | None
    old_text: str | None
    new_text: str | None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass
class CommitDiff:
    commit: str
    author: str
    email: str
    when: str  # ISO 8601 author date, in the author's time zone
    stamp: int  # commit time, seconds since 1970
    subject: str
    by_plaincrm: bool
    files: list[FileDiff] = field(default_factory=list)
    index: int = 0  # position in git's output: 0 for the newest commit

    @property
    def date(self) -> str:
        return self.when[:10]

    @property
    def time(self) -> str | None:
        return self.when[11:16] or None


def parse_patches(text: str) -> list[CommitDiff]:
    """Commits and their files from ``gitrepo.log_patches`` (or one unnamed commit from
    ``gitrepo.diff_patch``)."""
    commits: list[CommitDiff] = []
    current = CommitDiff("", "", "", "", 0, "", False)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\x1e"):
            sha, name, email, when, stamp, subject, trailer, *_ = line[1:].split("\x1f")
            current = CommitDiff(
                sha, name, email, when, int(stamp), subject, bool(trailer), index=len(commits)
            )
            commits.append(current)
            i += 1
        elif line.startswith("diff --git "):
            if not commits:
                commits.append(current)
            i = _parse_file(lines, i, current.files)
        else:
            i += 1
    return commits


def _parse_file(lines: list[str], i: int, files: list[FileDiff]) -> int:
    """Read one file's diff starting at ``lines[i]``; return the index after it."""
    status = "M"
    old_path = new_path = None
    header = lines[i][len("diff --git a/") :]
    i += 1
    while i < len(lines) and not lines[i].startswith(("@@", "diff --git ", "\x1e")):
        line = lines[i]
        if line.startswith("new file mode"):
            status = "A"
        elif line.startswith("deleted file mode"):
            status = "D"
        elif line.startswith("rename from "):
            status, old_path = "R", line[len("rename from ") :]
        elif line.startswith("rename to "):
            new_path = line[len("rename to ") :]
        elif line.startswith("--- a/"):
            old_path = line[len("--- a/") :]
        elif line.startswith("+++ b/"):
            new_path = line[len("+++ b/") :]
        elif line.startswith("Binary files"):
            return i + 1
        i += 1
    if old_path is None and new_path is None:
        old_path = new_path = header[: len(header) // 2 - 1]  # "X b/X": no content change
    old: list[str] = []
    new: list[str] = []
    if i < len(lines) and lines[i].startswith("@@"):
        i += 1
        while i < len(lines) and lines[i][:1] in (" ", "-", "+", "\\"):
            mark, content = lines[i][:1], lines[i][1:]
            if mark in (" ", "-"):
                old.append(content)
            if mark in (" ", "+"):
                new.append(content)
            i += 1
    hunk = bool(old or new)
    files.append(
        FileDiff(
            status,
            None if status == "A" else old_path,
            None if status == "D" else new_path or old_path,
            None if status == "A" or (status == "R" and not hunk) else _text(old),
            None if status == "D" or (status == "R" and not hunk) else _text(new),
        )
    )
    return i


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------- two versions, in words


@dataclass
class Change:
    kind: str  # created deleted renamed field task-added task-done task-reopened task-edited
    #            task-removed log-added log-removed mail-added mail-removed text
    text: str
    key: str | None = None  # the front matter key of a field change
    task: str | None = None  # the task's key (its id) for task changes; the line for log ones
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "field": self.key, "note": self.note}


def describe(old: str | None, new: str | None) -> list[Change]:
    """The differences between two versions of a record file, in words."""
    if old is None and new is None:
        return []
    if old is None:
        # what a new file already holds: the log lines and done tasks it was written with
        held = [change for change in describe("", new) if change.kind in FOLDED]
        return [Change("created", "record created"), *held]
    if new is None:
        return [Change("deleted", "deleted")]
    before, after = _cut(old), _cut(new)
    changes = _field_changes(before, after)
    changes += _task_changes(before, after)
    old_log, new_log = before.of_kind("log"), after.of_kind("log")
    changes += [
        Change("log-added", f"log: {_log_text(atom.lines[0])}", task=key)
        for key, atom in new_log.items()
        if key not in old_log
    ]
    changes += [
        Change("log-removed", f"log line removed: {_log_text(atom.lines[0])}", task=key)
        for key, atom in old_log.items()
        if key not in new_log
    ]
    changes += _mail_changes(before, after)
    if before.body_text() != after.body_text():
        changes.append(Change("text", "text edited"))
    return changes


def mail_of(parts: Parts) -> dict[str, MailEntry]:
    """The mail a version of a file records, by key."""
    return {
        entry.key: entry
        for atom in parts.of_kind("thread").values()
        for entry in thread_entries(atom.lines)
    }


def _mail_changes(before: Parts, after: Parts) -> list[Change]:
    old, new = mail_of(before), mail_of(after)
    changes = [
        Change("mail-added", describe_entry(entry), task=key, note=entry.excerpt)
        for key, entry in new.items()
        if key not in old
    ]
    changes += [
        Change("mail-removed", f"removed {describe_entry(entry)}", task=key)
        for key, entry in old.items()
        if key not in new
    ]
    return changes


@lru_cache(maxsize=16)
def _cut(text: str) -> Parts:
    """``cut``, remembered: each version of a file is the new text of one commit and the
    old text of the next.  The parts are only read, never changed."""
    return cut(text)


def _log_text(line: str) -> str:
    return line.strip()[2:]


def _field_changes(before: Parts, after: Parts) -> list[Change]:
    if before.fields is None or after.fields is None:
        if before.fields is None and after.fields is None:
            return []
        return [Change("text", "front matter edited (one version does not parse)")]
    old, new = before.fields, after.fields
    keys = list(new) + [key for key in old if key not in new]
    changes = []
    for key in keys:
        was, now = old.get(key, _MISSING), new.get(key, _MISSING)
        if was != now:
            changes.append(Change("field", _field_words(key, was, now), key=key))
    return changes


def _field_words(key: str, was: Any, now: Any) -> str:
    if isinstance(was, list) and isinstance(now, list):
        added = [f"+{v}" for v in now if v not in was]
        removed = [f"-{v}" for v in was if v not in now]
        if added or removed:
            return f"{key}: {' '.join(added + removed)}"
    if now is _MISSING or now is None:
        return f"{key} removed" + (f" (was {was})" if _quotable(was) else "")
    if was is _MISSING or was is None:
        return f"{key}: {now} (new)" if _quotable(now) else f"{key} added"
    if _quotable(was) and _quotable(now):
        return f"{key}: {was} -> {now}"
    return f"{key} changed"


def _quotable(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= SHORT_VALUE and "\n" not in value


def _task_changes(before: Parts, after: Parts) -> list[Change]:
    renamed = given_ids(before, after)
    old = {key: atom.task for key, atom in before.of_kind("task").items() if atom.task}
    new = {
        renamed.get(key, key): atom.task for key, atom in after.of_kind("task").items() if atom.task
    }
    changes = []
    for key, task in new.items():
        was = old.get(key)
        if was is None and task.checked:  # written down done: a contact made
            changes.append(
                Change("task-done", f"task done: {task.title}", task=key, note=task.note)
            )
            continue
        if was is None:
            changes.append(Change("task-added", f"task added: {_task_words(task)}", task=key))
            continue
        if task.checked and not was.checked:
            changes.append(
                Change("task-done", f"task done: {task.title}", task=key, note=task.note)
            )
        elif was.checked and not task.checked:
            changes.append(Change("task-reopened", f"task reopened: {task.title}", task=key))
        edits = _task_edits(was, task)
        if edits:
            changes.append(Change("task-edited", f"task {task.title}: {edits}", task=key))
        if task.note != was.note and task.note and not (task.checked and not was.checked):
            changes.append(
                Change("task-edited", f"note on task {task.title}", task=key, note=task.note)
            )
    for key, task in old.items():
        if key not in new:
            changes.append(Change("task-removed", f"task removed: {task.title}", task=key))
    return changes


def _task_words(task: Task) -> str:
    when = " ".join(f"{k}:{task.attrs[k]}" for k in ("due", "at", "owner") if task.attrs.get(k))
    return f"{task.title} ({when})" if when else task.title


def _task_edits(was: Task, task: Task) -> str:
    parts = []
    if was.title != task.title:
        parts.append(f"title was '{was.title}'")
    for key in ("due", "at", "dur", "every", "owner"):
        old, new = was.attrs.get(key), task.attrs.get(key)
        if key == "every" and task.checked and not was.checked and not new:
            continue  # done: the rule went on to the next occurrence
        if old != new:
            parts.append(f"{key} {old or '(none)'} -> {new or '(none)'}")
    return ", ".join(parts)


# ---------------------------------------------------------------- the history of a record


@dataclass
class Event:
    date: str
    time: str | None
    who: str | None
    path: str
    record: str  # the record's title
    kind: str  # a Change kind, or "done" / "log" / "mail" for what the file says now
    text: str
    note: str = ""
    commit: str | None = None
    by_hand: bool | None = None  # None: not a git change
    key: str | None = None  # the front matter key of a field change
    order: int = 1 << 30  # the commit's position in the log (newest first), for equal times
    details: list[str] = field(default_factory=list)  # field changes made with a log line

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "time": self.time,
            "who": self.who,
            "record": self.path,
            "record_type": type_of_path(self.path).name if "/" in self.path else None,
            "record_title": self.record,
            "kind": self.kind,
            "text": self.text,
            "note": self.note,
            "commit": self.commit,
            "by_hand": self.by_hand,
            "details": self.details,
        }


@dataclass
class History:
    path: str
    title: str
    linked: list[str]
    events: list[Event]
    git: bool  # False: not a git repository, so only what the files say


def record_history(
    store: Store,
    path: str,
    *,
    since: str | None = None,
    until: str | None = None,
    linked: bool = True,
) -> History:
    """One timeline, newest first, of a record and (with ``linked``) the records that
    refer to it: a client with its deals, tickets, documents ..."""
    record = store.load(path)
    others = store.linked(record.type.name, record.slug) if linked else []
    paths = [path, *(p for p in others if p != path)]
    now = {p: cut(store.read_text(p)) for p in paths}
    titles = {p: store.load(p).title for p in paths}
    in_git = gitrepo.toplevel(store.root) is not None
    sources: dict[tuple[str, str], Source] = {}
    committed = in_git and gitrepo.has_commits(store.root)  # a fresh repository: nothing yet
    changes = _record_changes(store, paths, since) if committed else []
    events = _git_events(store, changes, titles, _kept(now), sources)
    users = {u.email.lower(): u.name for u in store.config.users if u.email}
    for p, parts in now.items():
        events.extend(
            event
            for event in _file_events(p, titles[p], parts, sources, users)
            # a linked deal's line of a mail the client's own file shows
            if p == path or event.kind != "log" or not is_mail_line(event.text)
        )
    chosen = [e for e in events if (since or "") <= e.date <= (until or "9999")]
    chosen.sort(key=lambda e: (e.date, e.time or "", -e.order), reverse=True)
    return History(path, record.title, paths[1:], chosen, in_git)


def _kept(now: dict[str, Parts]) -> set[tuple[str, str]]:
    """What the files hold now that their history folds into one event: their log
    lines, completed tasks and mail, as (path, key)."""
    kept = {(p, key) for p, parts in now.items() for key in parts.of_kind("log")}
    kept |= {
        (p, key)
        for p, parts in now.items()
        for key, atom in parts.of_kind("task").items()
        if atom.task and atom.task.checked
    }
    kept |= {(p, key) for p, parts in now.items() for key in mail_of(parts)}
    return kept


def _git_events(
    store: Store,
    changes: list[tuple[CommitDiff, str, Change]],
    titles: dict[str, str],
    kept: set[tuple[str, str]],
    sources: dict[tuple[str, str], Source],
) -> list[Event]:
    """The events of the commits' ``changes``, commit by commit and file by file.  A
    change to what a file still holds (``kept``) is not an event of its own: the
    file's line is, and ``sources`` gets the commit that wrote it."""
    events: list[Event] = []
    for (_, home), group in groupby(changes, key=lambda item: (item[0].index, item[1])):
        items = list(group)
        commit = items[0][0]
        found = [change for _, _, change in items]
        who = user_of(store, commit)
        folded = [c for c in found if c.kind in FOLDED and (home, c.task) in kept]
        for change in folded:
            sources.setdefault((home, change.task or ""), Source(commit, who))
        rest = [change for change in found if change not in folded]
        logged = [c for c in folded if c.kind == "log-added"]
        source = sources[(home, logged[0].task or "")] if logged else None
        if source and source.commit is commit and commit.by_plaincrm:
            # the log line the command wrote says what its field changes were for
            source.details += [change.text for change in rest if change.kind == "field"]
            rest = [change for change in rest if change.kind != "field"]
        events += [_event(commit, who, home, titles[home], change) for change in rest]
    return events


@dataclass
class Source:
    """The commit that completed a task or wrote a log line the file holds now."""

    commit: CommitDiff
    who: str
    details: list[str] = field(default_factory=list)  # field changes made with it


def _event(commit: CommitDiff, who: str, path: str, title: str, change: Change) -> Event:
    return Event(
        commit.date,
        commit.time,
        who,
        path,
        title,
        change.kind,
        change.text,
        change.note,
        commit.commit[:10] or None,
        not commit.by_plaincrm,
        change.key,
        commit.index,
    )


def _file_events(
    path: str,
    title: str,
    parts: Parts,
    sources: dict[tuple[str, str], Source],
    users: dict[str, str],
) -> list[Event]:
    """The completed tasks, log lines and mail the record's file holds now (``users``:
    the team's addresses -> user names, who sent the team's mail)."""
    events = _mail_events(path, title, parts, sources, users)
    owner = parts.fields.get("owner") if parts.fields else None
    for (kind, key), atom in parts.atoms.items():
        source = sources.get((path, key))
        commit = source.commit if source else None
        if kind == "task" and atom.task and atom.task.checked:
            task = atom.task
            day = task.done or (commit.date if commit else None)
            if day is None:
                continue
            who = source.who if source else task.owner or owner
            text, note = f"done: {task.title}", task.note
        elif kind == "log" and atom.entry:
            day, who, text, note = atom.entry.date, atom.entry.who, atom.entry.text, ""
        else:
            continue
        events.append(
            Event(
                day,
                (atom.entry.time if atom.entry else None)
                or (commit.time if commit and commit.date == day else None),
                who if isinstance(who, str) else None,
                path,
                title,
                "done" if kind == "task" else "log",
                text,
                note,
                commit.commit[:10] if commit else None,
                (not commit.by_plaincrm) if commit else None,
                order=commit.index if commit else 1 << 30,
                details=source.details if source else [],
            )
        )
    return events


def _mail_events(
    path: str,
    title: str,
    parts: Parts,
    sources: dict[tuple[str, str], Source],
    users: dict[str, str],
) -> list[Event]:
    events = []
    for key, entry in mail_of(parts).items():
        source = sources.get((path, key))
        commit = source.commit if source else None
        events.append(
            Event(
                entry.date,
                entry.time,
                entry.who(users),
                path,
                title,
                "mail",
                describe_entry(entry),
                entry.excerpt,
                commit.commit[:10] if commit else None,
                (not commit.by_plaincrm) if commit else None,
                order=commit.index if commit else 1 << 30,
            )
        )
    return events


def _record_changes(
    store: Store, paths: list[str], since: str | None
) -> list[tuple[CommitDiff, str, Change]]:
    """Every change git recorded to ``paths`` (under any earlier name), newest first,
    with the record's current path."""
    alias = {p: p for p in paths}
    commits = _logs(store.root, paths, since, [])
    renames: dict[str, list[tuple[str, str]]] = {}
    asked: set[str] = set()
    while True:  # a file's creation may be a rename: then follow the old name too
        created = [
            c.commit
            for c in commits
            for f in c.files
            if f.status == "A" and f.new_path in alias and c.commit not in asked
        ]
        asked.update(created)
        found = [
            (sha, old, new)
            for sha, old, new in gitrepo.renames_in(store.root, created)
            if new in alias and old not in alias
        ]
        if not found:
            break
        for sha, old, new in found:
            alias[old] = alias[new]
            renames.setdefault(sha, []).append((old, new))
        # The old name from the rename down only: before sync renames a record that two
        # people created under one name, the other person's record has that name too.
        olds = [old for _, old, _ in found]
        commits = _logs(store.root, olds, since, commits, [sha for sha, _, _ in found])
    others = _other_lives(store.root, commits, alias)
    out = []
    for commit in commits:
        _pair_renames(commit, renames.get(commit.commit, []))
        for diff in commit.files:
            home = alias.get(diff.new_path or "") or alias.get(diff.old_path or "")
            if home is None or (commit.commit, diff.path) in others:
                continue
            if diff.status == "R":
                out.append((commit, home, Change("renamed", f"renamed from {diff.old_path}")))
            out.extend((commit, home, change) for change in describe(diff.old_text, diff.new_text))
    return out


def _other_lives(
    root: Path, commits: list[CommitDiff], alias: dict[str, str]
) -> set[tuple[str, str]]:
    """``(commit, path)`` of changes to another record that had one of the record's names:
    a file renamed away to a name that is not the record's (a twin that sync renamed,
    a record moved aside before another took its name) was that record up to then."""
    gone = [c.commit for c in commits for f in c.files if f.status == "D" and f.old_path in alias]
    found: set[tuple[str, str]] = set()
    for sha, old, new in gitrepo.renames_in(root, list(dict.fromkeys(gone))):
        if old in alias and alias.get(new) != alias[old]:
            found |= {(commit, old) for commit in gitrepo.commits_touching(root, sha, old)}
    return found


def _logs(
    root: Path,
    paths: list[str],
    since: str | None,
    known: list[CommitDiff],
    tips: list[str] | None = None,
) -> list[CommitDiff]:
    """``known`` and the commits of one ``git log`` per path (from its tip in ``tips``),
    as one list, newest first."""
    texts = gitrepo.log_patches_each(root, paths, since=since, tips=tips)
    logs = [parse_patches(text) for text in texts]
    commits: dict[str, CommitDiff] = {}
    for commit in heapq.merge(known, *logs, key=lambda c: -c.stamp):
        if commit.commit in commits:
            commits[commit.commit].files += commit.files
        else:
            commits[commit.commit] = commit
    for index, commit in enumerate(commits.values()):
        commit.index = index
    return list(commits.values())


def _pair_renames(commit: CommitDiff, renames: list[tuple[str, str]]) -> None:
    """A file one path's log saw created and another's saw deleted was renamed."""
    for old, new in renames:
        added = [f for f in commit.files if f.status == "A" and f.new_path == new]
        gone = [f for f in commit.files if f.status == "D" and f.old_path == old]
        if added and gone:
            commit.files.remove(added[0])
            commit.files.remove(gone[0])
            commit.files.append(FileDiff("R", old, new, gone[0].old_text, added[0].new_text))


def user_of(store: Store, commit: CommitDiff) -> str:
    """The team member who made a commit (by git e-mail or name), else git's author name."""
    user = store.config.find_user(commit.email) or store.config.find_user(commit.author)
    return user.name if user else commit.author


def _title(path: str, text: str | None) -> str:
    """A record's title in one version of its file (its file name when it has none)."""
    rtype = TYPE_BY_FOLDER.get(path.split("/", 1)[0])
    fields = cut(text).fields if text is not None else None
    value = fields.get(rtype.title_field) if fields and rtype else None
    if isinstance(value, str) and value:
        return value
    return slug_of(path)


# ---------------------------------------------------------------- the team's activity


@dataclass
class Activity:
    """One line of the activity report: something a person did to a record on a day."""

    date: str
    time: str | None
    who: str
    category: str  # created, won, lost, moved, done, edited, renamed, deleted
    path: str
    record: str
    text: str
    note: str = ""
    by_hand: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "time": self.time,
            "who": self.who,
            "category": self.category,
            "record": self.path,
            "record_type": TYPE_BY_FOLDER[self.path.split("/", 1)[0]].name,
            "record_title": self.record,
            "text": self.text,
            "note": self.note,
            "by_hand": self.by_hand,
        }


CATEGORIES = (
    "created", "won", "lost", "moved", "done", "mail", "edited", "renamed", "deleted",
)  # fmt: skip


def activity(
    store: Store, *, since: str, until: str | None = None, by: str | None = None
) -> list[Activity]:
    """What the team did to records between ``since`` and ``until`` (ISO dates), newest
    first; ``by`` keeps one person's (a user name, git author name or e-mail)."""
    folders = [t.folder for t in TYPES.values() if (store.root / t.folder).is_dir()]
    if not folders or not gitrepo.has_commits(store.root):
        return []
    wanted = _person(store, by) if by else None
    items: list[Activity] = []
    for commit in parse_patches(gitrepo.log_patches(store.root, folders, since=since)):
        if commit.date < since or (until and commit.date > until):
            continue
        who = user_of(store, commit)
        if wanted and wanted not in (who.lower(), commit.author.lower(), commit.email.lower()):
            continue
        for diff in commit.files:
            if not is_record_path(diff.path):
                continue
            title = _title(diff.path, diff.new_text if diff.new_text is not None else diff.old_text)
            for category, text, note in summarize(describe(diff.old_text, diff.new_text), diff):
                items.append(
                    Activity(
                        commit.date,
                        commit.time,
                        who,
                        category,
                        diff.path,
                        title,
                        text,
                        note,
                        not commit.by_plaincrm,
                    )
                )
    return items


def _person(store: Store, by: str) -> str:
    user = store.config.find_user(by)
    return (user.name if user else by).strip().lower()


def summarize(changes: list[Change], diff: FileDiff) -> list[tuple[str, str, str]]:
    """A commit's changes to one record as activity lines ``(category, text, note)``.

    A stage change is one line (``moved``, ``won`` or ``lost``) that names the fields
    changed with it; the log line a stage change writes is not repeated.
    """
    if diff.status == "A":
        return [("created", "", "")]
    if diff.status == "D":
        return [("deleted", "", "")]
    out: list[tuple[str, str, str]] = []
    if diff.status == "R":
        out.append(("renamed", f"renamed from {diff.old_path}", ""))
    moves = [c for c in changes if c.kind == "field" and c.key in STAGE_FIELDS]
    fields = [c.text for c in changes if c.kind == "field" and c not in moves]
    for move in moves:
        stage = (cut(diff.new_text or "").fields or {}).get(move.key or "")
        also = f" ({'; '.join(fields)})" if fields else ""
        out.append((stage if stage in CLOSED_STAGES else "moved", move.text + also, ""))
    for change in changes:
        if change.kind == "task-done":
            out.append(("done", change.text.removeprefix("task done: "), change.note))
    mails = [change for change in changes if change.kind == "mail-added"]
    if len(mails) == 1:
        out.append(("mail", mails[0].text, mails[0].note))
    elif mails:
        out.append(("mail", f"{len(mails)} mails recorded", ""))
    skip = (
        ("task-done", "log-added", "field", "mail-added") if moves else ("task-done", "mail-added")
    )
    rest = [c.text for c in changes if c.kind not in skip]
    if rest:
        out.append(("edited", "; ".join(rest), ""))
    return out


# ---------------------------------------------------------------- what a sync brought in


@dataclass
class RecordChanges:
    path: str
    title: str
    changes: list[Change]

    def as_json(self) -> dict[str, Any]:
        return {
            "record": self.path,
            "record_title": self.title,
            "changes": [change.as_json() for change in self.changes],
        }


def changes_between(root: Path, old: str, new: str) -> list[RecordChanges]:
    """The records that differ between two commits, with their changes in words."""
    found = []
    for commit in parse_patches(gitrepo.diff_patch(root, old, new, ["."])):
        for diff in commit.files:
            if not is_record_path(diff.path):
                continue
            changes = describe(diff.old_text, diff.new_text)
            if diff.status == "R":
                changes.insert(0, Change("renamed", f"renamed from {diff.old_path}"))
            text = diff.new_text if diff.new_text is not None else diff.old_text
            found.append(RecordChanges(diff.path, _title(diff.path, text), changes))
    return found
