"""``plaincrm sync``: share the CRM with the team through the clone's git remote.

One run:

1. refuses to start in the middle of an unfinished merge or rebase, or on a
   detached HEAD (and says how to get out);
2. makes sure the record merge driver is registered (``hooks``);
3. commits the hand edits to records (new ones too) and settings in one
   commit whose message lists them, and leaves every other file alone (never a
   symlink or a temporary file); refuses files that still hold conflict
   markers, or that the edits leave with a problem (as the pre-commit hook);
4. fetches the upstream branch and merges it.  Records created on both
   sides under the same name are told apart first: ours is renamed to
   ``<slug>-2.md`` (references to it in our records follow).  Record files
   merge with the record-aware driver (``merge.py``), so the merge never
   stops on them; a record deleted on one side and changed on the other is
   kept.  Should another file conflict, the merge is undone and nothing is
   pushed; task ids that the merge made appear twice get fresh ids;
5. checks what the sync touches: the records its push changes on the remote
   and those the merge changed here, with the rules across records those
   changes take part in (``check.touched_scope``, ``check.check_touched``:
   the verdicts and tables of the index, never every file for a few);
6. pushes nothing that would bring the remote a problem its version does not
   have (a commit made past the hook, a reference to a record the other side
   deleted, a document number used twice): the same check is made of the
   remote's version of the files pushed (``Index.as_of``) and compared; a
   file a teammate broke is reported, not refused;
7. pushes (never forced); a push rejected because someone pushed meanwhile
   is merged, checked and tried again, after a random pause that shortens
   with each try (the sync overtaken most often is the first back), for up
   to ``PUSH_SECONDS`` and ``PUSH_TRIES`` tries; then it gives up and says how
   long it tried and why;
8. refreshes git's commit-graph so that ``history`` stays fast.

It reports what came in (records and tasks added or changed by others), what
the merge decided, and the problems ``check`` found.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ..core.errors import BrokenFileError, ConflictError, GitError, InvalidError, Problem
from ..core.frontmatter import set_fields
from ..core.ids import new_id
from ..core.index import INDEX_DIR
from ..core.model import TYPE_BY_FOLDER, is_record_path
from ..core.records import conflict_marker_lines, get_line, replace_line
from ..core.settings import CONFIG_NAME
from ..core.store import Store, ref_fields, type_of_path, writes
from ..core.tasklines import parse_tasks, set_token
from ..core.text import plural
from . import hooks as gitsetup
from . import repo as gitrepo
from .history import RecordChanges, changes_between
from .hooks import file_problems, is_checked
from .merge import REPORT_ENV

PUSH_SECONDS = 60.0  # how long a sync keeps trying to push while others push first
PUSH_TRIES = 20  # ... and at least this many tries (on a busy machine a try takes seconds)
# Before trying again, a random pause of up to PAUSE_MAX seconds divided by the tries so far:
# a sync overtaken many times is the first back, so that no one is left behind for long
# while ten people push at once, and those overtaken once do not all come back together.
PAUSE_MAX = 2.0

_WAY_OUT = {
    "merge": "finish it (fix the files, 'git add' them, 'git commit') or undo it with "
    "'git merge --abort'",
    "rebase": "finish it with 'git rebase --continue' or undo it with 'git rebase --abort'",
    "cherry-pick": "finish it with 'git cherry-pick --continue' or undo it with "
    "'git cherry-pick --abort'",
    "revert": "finish it with 'git revert --continue' or undo it with 'git revert --abort'",
}


@dataclass
class SyncReport:
    remote: str = ""
    branch: str = ""
    committed: list[str] = field(default_factory=list)  # hand edits committed
    left_alone: list[str] = field(default_factory=list)  # other changed files, not committed
    renamed: list[tuple[str, str]] = field(default_factory=list)  # same name created twice
    incoming: list[RecordChanges] = field(default_factory=list)
    incoming_commits: int = 0
    authors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the merges decided: "path: note"
    problems: list[Problem] = field(default_factory=list)
    checked: int | None = 0  # record files checked (None: the whole repository)
    pushed: int = 0
    retries: int = 0
    waited: float = 0.0  # seconds spent pausing between pushes
    merges: list[tuple[str, str]] = field(default_factory=list)  # (before, after) each merge

    def as_json(self) -> dict[str, Any]:
        return {
            "remote": self.remote,
            "branch": self.branch,
            "committed": self.committed,
            "left_alone": self.left_alone,
            "renamed": [{"from": old, "to": new} for old, new in self.renamed],
            "incoming_commits": self.incoming_commits,
            "authors": self.authors,
            "incoming": [record.as_json() for record in self.incoming],
            "merge_notes": self.notes,
            "problems": [problem.as_json() for problem in self.problems],
            "checked": self.checked,
            "pushed": self.pushed,
            "push_retries": self.retries,
            "push_waited": round(self.waited, 1),
        }


@writes
def sync(store: Store, progress: Callable[[str], None] = lambda message: None) -> SyncReport:
    root = store.root
    gitsetup.require_git(root)
    operation = gitrepo.unfinished_operation(root)
    if operation:
        raise ConflictError(
            f"a git {operation} is unfinished in this clone: {_WAY_OUT[operation]}; "
            "then run 'plaincrm sync' again"
        )
    branch = gitrepo.branch(root)
    if branch is None:
        raise ConflictError(
            "HEAD is detached (not on a branch): switch to your branch, e.g. 'git switch main', "
            "then run 'plaincrm sync' again"
        )
    report = SyncReport(branch=branch)
    user = store.current_user() or "plaincrm"
    setup = gitsetup.setup(root, hook=False)
    if setup.files:
        gitrepo.commit(root, setup.files, "sync: register the record merge driver", user)
    report.committed, report.left_alone = commit_hand_edits(root, user)
    remote, remote_branch, tracked = _upstream(root, branch)
    report.remote, report.branch = remote, remote_branch
    upstream = f"{remote}/{remote_branch}"
    started = gitrepo.rev(root, "HEAD")  # what the merges change is checked from here
    progress(f"Fetching from {remote} ({gitrepo.remote_url(root, remote)}) ...")
    _fetch(root, remote)
    clock = time.monotonic()
    checked: tuple[str | None, str | None] | None = None  # (theirs, HEAD) last checked
    while True:
        _merge_upstream(store, report, remote, remote_branch, user)
        theirs = gitrepo.rev(root, f"refs/remotes/{upstream}")
        head = gitrepo.rev(root, "HEAD")
        ahead = gitrepo.count_commits(root, f"{theirs}..HEAD" if theirs else "HEAD")
        if checked != (theirs, head):
            checked = (theirs, head)
            outgoing = gitrepo.paths_between(root, theirs, "HEAD") if ahead else []
            incoming = gitrepo.paths_between(root, started, "HEAD") if started else []
            found, scope, fresh = _check(root, [*outgoing, *incoming])
            # and every file that cannot be read at all, touched or not (the index knows
            # them): reported, never refused when the sync did not bring it
            report.problems = sorted(set(found) | set(fresh.broken()))
            report.checked = None if scope is None else len(scope)
            if ahead:
                _refuse_broken(root, fresh, theirs, outgoing, scope, found, upstream)
        if not ahead:
            break
        progress(f"Pushing {plural(ahead, 'commit')} to {upstream} ...")
        status, why = gitrepo.push(root, remote, remote_branch, set_upstream=not tracked)
        if status == "ok":
            report.pushed = ahead
            break
        if status == "error":
            raise GitError(
                f"pushing to {remote} failed: {why}.  Your work is committed in this clone; "
                "run 'plaincrm sync' again once the problem is solved"
            )
        report.retries += 1
        pause = random.uniform(0, PAUSE_MAX / report.retries)
        spent = time.monotonic() - clock
        if spent + pause > PUSH_SECONDS and report.retries >= PUSH_TRIES:
            pushes = plural(report.retries, "push", "pushes")
            raise GitError(
                f"gave up pushing to {upstream} after {spent:.0f} s: each of your {pushes} "
                f"(with {report.waited:.1f} s of pauses in between) found that a teammate "
                "had pushed first, so their work was merged and checked again each time.  "
                "Nothing was lost: your work is committed in this clone, merged with "
                "theirs; run 'plaincrm sync' again in a moment"
            )
        progress("Someone pushed meanwhile; merging their work and pushing again ...")
        time.sleep(pause)
        report.waited += pause
        _fetch(root, remote)
    for before, after in report.merges:  # read now: the time between merge and push is short
        report.incoming += changes_between(root, before, after)
    gitrepo.write_commit_graph(root)
    return report


def _check(root: Path, touched: list[str]) -> tuple[list[Problem], set[str] | None, Store]:
    """What ``check`` finds in the files a sync touched (``check.check_touched``), the
    files it looked at (None: all) and the store it read."""
    from ..core.check import check_touched, touched_scope
    from ..core.settings import read_config

    fresh = Store(root, config=read_config(root))
    if not touched:
        return [], set(), fresh
    scope = touched_scope(fresh, touched)
    return check_touched(fresh, scope), scope, fresh


def _refuse_broken(
    root: Path,
    store: Store,
    theirs: str | None,
    outgoing: list[str],
    scope: set[str] | None,
    found: list[Problem],
    upstream: str,
) -> None:
    """Push nothing that would bring the remote a problem it did not have (a commit made
    with 'git commit --no-verify', a merge that broke a rule across records)."""
    broken = _outgoing_problems(root, store, theirs, outgoing, scope, found)
    if broken:
        listed = "\n".join(str(problem) for problem in broken)
        raise InvalidError(
            f"{listed}\nnothing was pushed: your commits (or their merge with {upstream}) "
            "leave these files with problems that the team's copy does not have, and a "
            "file that does not read stops your teammates' commands too.  Fix them and run "
            "'plaincrm sync' again: it commits your fix and pushes everything"
        )


# ---------------------------------------------------------------- hand edits

# The files of a CRM that sync shares besides its records: the settings, and what
# ``plaincrm init`` made (git's settings for the CRM, the empty record folders' .gitkeep).
SETTINGS = (CONFIG_NAME, ".gitattributes", ".gitignore")


def commit_hand_edits(root: Path, user: str) -> tuple[list[str], list[str]]:
    """Commit the changes to records (new ones too) and settings in one commit; return the
    files committed and the other changed files, left alone (said with why: a symlink ...).

    Refused, before anything is committed, when one of them holds conflict markers or
    has a problem its last committed version did not have (as the pre-commit hook
    would refuse it)."""
    shared: list[str] = []
    left: list[str] = []
    for _, path in sorted(gitrepo.changed_paths(root), key=lambda entry: entry[1]):
        if path.startswith(f"{INDEX_DIR}/"):
            continue  # plaincrm's own local files (.gitignore'd in a CRM made by init)
        why = _left_alone(root, path)
        if why is None:
            shared.append(path)
        else:
            left.append(why)
    if not shared:
        return [], left
    marked = [
        f"{path}:{number}: leftover git conflict marker"
        for path in shared
        if (root / path).is_file()
        for number in conflict_marker_lines((root / path).read_text("utf-8", "replace"))
    ]
    if marked:
        listed = "\n".join(marked)
        raise ConflictError(
            f"{listed}\nthese files hold git conflict markers: edit them so that one version "
            "of each conflicting part is left (and the <<<<<<< ======= >>>>>>> lines are "
            "gone), then run 'plaincrm sync' again"
        )
    checked = [path for path in shared if is_checked(path) and (root / path).is_file()]
    head = gitrepo.contents_at(root, "HEAD", checked) if gitrepo.has_commits(root) else {}
    broken = [
        problem
        for path in checked
        for problem in _introduced(path, (root / path).read_bytes(), head.get(path))
    ]
    if broken:
        listed = "\n".join(str(problem) for problem in sorted(broken))
        raise InvalidError(
            f"{listed}\nsync refused: your edits leave these files with problems, and a "
            "file that does not read stops your teammates' commands too.  Fix them "
            "('plaincrm check' lists every problem) and run 'plaincrm sync' again; nothing "
            "was committed or pushed"
        )
    records = [path for path in shared if is_record_path(path)]
    named = records or shared
    subject = (
        f"sync: hand edits to {', '.join(named)}"
        if len(named) <= 3
        else f"sync: hand edits to {len(shared)} files"
    )
    body = "\n".join(f"- {path}" for path in shared)
    gitrepo.commit(root, shared, f"{subject}\n\n{body}", user, by_plaincrm=False)
    return shared, left


def _left_alone(root: Path, path: str) -> str | None:
    """Why sync does not commit the changed file ``path``: None for a record or a
    settings file; else the path, with the reason when that is not plain from the name."""
    parts = path.split("/")
    if any(os.path.islink(root.joinpath(*parts[:depth])) for depth in range(1, len(parts))):
        return f"{path} (in a symlinked folder)"
    if os.path.islink(root / path):
        return f"{path} (a symlink)"
    name = parts[-1]
    if name.startswith(".") and name.endswith(".tmp"):
        return f"{path} (a temporary file)"
    folder_keep = len(parts) == 2 and parts[0] in TYPE_BY_FOLDER and name == ".gitkeep"
    if is_record_path(path) or path in SETTINGS or folder_keep:
        return None
    return path


def _introduced(path: str, data: bytes, before: bytes | None) -> list[Problem]:
    """The problems of a record or settings file (``file_problems``) that its version
    ``before`` did not have (by message: an edit above them moves their lines)."""
    found = file_problems(path, data)
    if before is None or not found:
        return found
    known = Counter(problem.message for problem in file_problems(path, before))
    new = []
    for problem in found:
        if known[problem.message]:
            known[problem.message] -= 1
        else:
            new.append(problem)
    return new


def _outgoing_problems(
    root: Path,
    store: Store,
    theirs: str | None,
    outgoing: list[str],
    scope: set[str] | None,
    found: list[Problem],
) -> list[Problem]:
    """Problems that a push of HEAD would bring to the remote at ``theirs``: of those
    ``check_touched`` ``found`` in ``scope``, the ones it does not find when the files the
    push changes (``outgoing``) are as the remote has them (by path and message: an edit
    above a problem moves its line); and the settings' when they stop parsing.  A file
    broken by a teammate, and a problem the remote has already, are not refused."""
    from ..core.check import FileRules, check_touched

    problems = []
    if CONFIG_NAME in outgoing:
        now = gitrepo.contents_at(root, "HEAD", [CONFIG_NAME])
        before = gitrepo.contents_at(root, theirs, [CONFIG_NAME]) if theirs else {}
        problems += _introduced(CONFIG_NAME, now.get(CONFIG_NAME, b""), before.get(CONFIG_NAME))
    if not found:
        return problems
    known: Counter[tuple[str, str]] = Counter()
    if theirs is not None:
        records = [path for path in outgoing if is_record_path(path)]
        remote = gitrepo.contents_at(root, theirs, records)
        as_there = {path: remote.get(path) for path in records}
        with store.index.as_of(as_there, FileRules(store.config)):
            known.update((p.path, p.message) for p in check_touched(store, scope))
    for problem in found:
        if known[problem.path, problem.message]:
            known[problem.path, problem.message] -= 1
        else:
            problems.append(problem)
    return sorted(set(problems))


# ---------------------------------------------------------------- remote


def _upstream(root: Path, branch: str) -> tuple[str, str, bool]:
    """The remote and branch to sync with, and whether the branch already tracks it."""
    tracked = gitrepo.upstream(root, branch)
    if tracked:
        return tracked[0], tracked[1], True
    names = gitrepo.remotes(root)
    if not names:
        raise GitError(
            "this clone has no remote to sync with: add the team's shared repository with "
            "'git remote add origin URL' (a private GitHub/GitLab repository, or a bare "
            "repository made with 'git init --bare' on a shared drive), then run "
            "'plaincrm sync' again; your work is committed in this clone"
        )
    if "origin" in names:
        return "origin", branch, False
    if len(names) == 1:
        return names[0], branch, False
    raise GitError(
        f"this clone has several remotes ({', '.join(names)}) and branch {branch} tracks none: "
        f"choose one with 'git branch --set-upstream-to=REMOTE/{branch}', then sync again"
    )


def _fetch(root: Path, remote: str) -> None:
    try:
        gitrepo.fetch(root, remote)
    except GitError as exc:
        raise GitError(
            f"cannot reach the remote {remote} ({gitrepo.remote_url(root, remote)}): "
            f"{exc.message.removeprefix('git fetch failed: ').rstrip('.')}.  Your work is "
            "committed in this clone; run 'plaincrm sync' again when the remote can be reached"
        ) from None


# ---------------------------------------------------------------- merge


def _merge_upstream(
    store: Store, report: SyncReport, remote: str, remote_branch: str, user: str
) -> bool:
    """Merge what the remote has that this clone lacks; True when something came in."""
    root = store.root
    ref = f"refs/remotes/{remote}/{remote_branch}"
    theirs = gitrepo.rev(root, ref)
    head = gitrepo.rev(root, "HEAD")
    if theirs is None or head is None or theirs == head:
        return False
    base = gitrepo.merge_base(root, head, theirs)
    if base == theirs:
        return False  # nothing new upstream
    if base is not None and base != head:
        report.renamed += _separate_twins(store, base, theirs, user)
        head = gitrepo.rev(root, "HEAD") or head
    report.incoming_commits += gitrepo.count_commits(root, f"HEAD..{theirs}")
    authors = gitrepo.authors(root, f"HEAD..{theirs}")
    report.authors = list(dict.fromkeys([*report.authors, *authors]))
    with tempfile.TemporaryDirectory(prefix="plaincrm-sync-") as folder:
        notes_file = Path(folder) / "notes.jsonl"
        env = {REPORT_ENV: str(notes_file)}
        message = f"sync: merge {remote}/{remote_branch}"
        if not gitrepo.merge(root, ref, message, user, env):
            kept = _finish_merge(root, user)
            report.notes += [
                f"{path}: deleted on one side, changed on the other; kept" for path in kept
            ]
        if notes_file.exists():
            for line in notes_file.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                report.notes.append(f"{entry['path']}: {entry['note']}")
    merged = gitrepo.rev(root, "HEAD") or head
    report.merges.append((head, merged))  # what came in is read after the push
    report.notes += _fix_duplicate_ids(store, theirs, gitrepo.paths_between(root, head, merged))
    return True


def _finish_merge(root: Path, user: str) -> list[str]:
    """Resolve what the merge left: a record deleted on one side and changed on the other is
    kept (returned); any other conflict undoes the merge."""
    unmerged = gitrepo.unmerged_paths(root)
    kept = [
        path
        for path, status in unmerged.items()
        if status in ("UD", "DU") and is_record_path(path) and (root / path).exists()
    ]
    stuck = [path for path in unmerged if path not in kept]
    if stuck:
        gitrepo.abort_merge(root)
        raise ConflictError(
            f"could not merge {', '.join(stuck)} automatically (changed on both sides).  The "
            "merge was undone: your work is committed in this clone and nothing was pushed.  "
            "Merge by hand with 'git merge @{upstream}', fix those files, 'git add' them and "
            "'git commit', then run 'plaincrm sync' again"
        )
    gitrepo.add(root, kept)
    gitrepo.conclude_merge(root, user)
    return kept


def _separate_twins(store: Store, base: str, theirs: str, user: str) -> list[tuple[str, str]]:
    """Records created under the same name on both sides: rename ours, before merging."""
    root = store.root
    ours_new = {p for p in gitrepo.added_paths(root, base, "HEAD") if is_record_path(p)}
    twins = [
        path
        for path in gitrepo.added_paths(root, base, theirs)
        if path in ours_new
        and gitrepo.show_text(root, "HEAD", path) != gitrepo.show_text(root, theirs, path)
    ]
    renamed = []
    for old in twins:
        folder, name = old.rsplit("/", 1)
        slug = name.removesuffix(".md")
        n = 2
        while (root / folder / f"{slug}-{n}.md").exists() or gitrepo.files_at(
            root, theirs, [f"{folder}/{slug}-{n}.md"]
        ):
            n += 1
        new = f"{folder}/{slug}-{n}.md"
        os.replace(root / old, root / new)
        touched = [old, new, *_follow_rename(store, ours_new, old, f"{slug}-{n}")]
        gitrepo.commit(
            root,
            touched,
            f"sync: rename {old} to {new} (a teammate created another {old})",
            user,
        )
        renamed.append((old, new))
    return renamed


def _follow_rename(store: Store, ours_new: set[str], old: str, new_slug: str) -> list[str]:
    """Point references in our new records at the renamed record; return the files changed."""
    target = type_of_path(old).name
    slug = old.rsplit("/", 1)[1].removesuffix(".md")
    changed = []
    for path in sorted(ours_new - {old}):
        if not (store.root / path).exists():
            continue
        keys = [key for key, kind in ref_fields(type_of_path(path)).items() if kind == target]
        try:
            fields = store.load(path).fields
        except BrokenFileError:
            continue  # check reports it; its references cannot be read
        updates = {key: new_slug for key in keys if fields.get(key) == slug}
        if updates:
            store.write(path, set_fields(store.read_text(path), updates))
            changed.append(path)
    return changed


def _fix_duplicate_ids(store: Store, theirs: str, merged: list[str]) -> list[str]:
    """Task ids that the merge (which changed the files ``merged``) brought together from
    different records: the teammates' task keeps its id, ours gets a fresh one."""
    from ..core.check import duplicate_task_ids

    records = [path for path in merged if is_record_path(path)]
    if not records:
        return []
    fresh = Store(store.root, config=store.config)
    notes = []
    for task_id, where in duplicate_task_ids(fresh, records).items():
        upstream = {
            path
            for path, _ in where
            if gitrepo.files_at(store.root, theirs, [path])
            and f"id:{task_id}" in gitrepo.show_text(store.root, theirs, path)
        }
        if not upstream:
            continue
        for path, line in where:
            if path in upstream:
                continue
            new = new_id(fresh.task_id_taken)
            fresh.modify(
                path,
                partial(_renew_id, old=task_id, line_no=line, new=new),
                f"sync: new id {new} for a task whose id {task_id} another record uses ({path})",
            )
            notes.append(f"{path}: task id {task_id} was used in another record too; now {new}")
    return notes


def _renew_id(text: str, old: str, line_no: int, new: str) -> str:
    """``text`` with the task whose id is ``old`` given the id ``new``: found in this
    text by its id (the one on ``line_no`` among several), not by a line number read
    before."""
    found = [task for task in parse_tasks(text.split("\n")) if task.id == old]
    if not found:
        return text
    line = next((task.line for task in found if task.line == line_no), found[0].line)
    return replace_line(text, line, set_token(get_line(text, line), "id", new))
