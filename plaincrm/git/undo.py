"""``plaincrm undo``: take back your last change.

Your changes are the commits plaincrm made for you: each names you in its
``Plaincrm-User`` trailer (a commit made before plaincrm wrote that trailer
counts when it has the ``Made-with: plaincrm`` trailer and you are its
author, by git name or e-mail).  Hand edits that plaincrm only committed, and
merges, are nobody's change.  The newest change of yours that no undo has
taken back yet is the one taken back:

- **not pushed** (no remote-tracking branch holds it): its commit is dropped;
  the commits after it (none of which touch its files) are made again on its
  parent, so the branch reads as if it had never happened;
- **pushed**, or followed by a merge: a new commit puts its files back as they
  were before it, with a ``Plaincrm-Undoes: <id>`` trailer.  That commit and
  the one it takes back then count as neither's: ``undo`` again takes back
  the change before.

A change that a later commit, anyone's, builds on (the later commit changed
one of its files) is not taken back: that commit would lose its base.  Nor is
one whose files have changes not committed yet, and nothing is done while a
merge, rebase or the like is unfinished.  Every decision is made holding the
write lock, so no plaincrm command commits meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.errors import ConflictError, GitError, InvalidError, UsageError
from ..core.model import is_record_path, slug_of
from ..core.records import ParseFailure, decode
from ..core.store import Store, type_of_path, writes
from . import repo as gitrepo
from .repo import LoggedCommit

if TYPE_CHECKING:
    from .history import RecordChanges

DROP, REVERT = "drop", "revert"


@dataclass
class Undo:
    """What ``undo`` takes back, and how."""

    commit: LoggedCommit
    user: str  # whose change it is
    files: list[str]  # the files it changed (relative to the CRM folder)
    how: str  # DROP or REVERT
    why: str  # why that way: "not pushed yet", "pushed: origin/main" ...
    later: list[str] = field(default_factory=list)  # DROP: the commits made again
    changes: list[RecordChanges] = field(default_factory=list)  # what undoing does, in words

    @property
    def short(self) -> str:
        return self.commit.id[:7]


def plan_undo(store: Store) -> Undo:
    """Find your last change and decide how to take it back; change nothing.

    Takes the write lock first: what is decided here is what ``undo`` does.
    """
    store.lock_writes()
    root = store.root
    if not store.config.git_commit:
        raise ConflictError(
            "plaincrm makes no commits in this CRM (git: commit: false in plaincrm.yaml), so "
            "it keeps no changes of yours to take back; use git to undo your own commits"
        )
    if not gitrepo.available():
        raise GitError("git is not installed (or not on PATH): undo takes back git commits")
    if gitrepo.toplevel(root) is None or not gitrepo.has_commits(root):
        raise ConflictError(
            "this CRM is not in a git repository with commits, so plaincrm has no changes "
            "of yours to take back"
        )
    unfinished = gitrepo.unfinished_operation(root)
    if unfinished:
        finish = "'plaincrm sync' concludes it" if unfinished == "merge" else "finish it"
        raise ConflictError(
            f"a {unfinished} is unfinished in this clone: {finish}, or abort it with "
            f"'git {unfinished} --abort', then run 'plaincrm undo' again"
        )
    me = store.current_user()
    if not me:
        raise UsageError("who are you? set PLAINCRM_USER (or git's user.name) to undo your change")
    target, skipped = _last_change(store, me)
    parents = target.parents
    if not parents:
        raise ConflictError(
            f"your last change is the repository's first commit ({target.id[:7]} "
            f"{target.subject}): there is nothing before it to go back to"
        )
    files = gitrepo.changed_files(root, target.id)
    if not files:
        raise ConflictError(
            f"your last change, {target.id[:7]} {target.subject}, changed no file of this CRM"
        )
    _refuse_later_changes(store, target, files, skipped)
    _refuse_uncommitted(store, files)
    _refuse_dangling(store, target, files)
    plan = Undo(target, me, files, REVERT, "")
    pushed = gitrepo.remote_branches_with(root, target.id)
    after = gitrepo.commits_after(root, target.id)
    if pushed:
        plan.why = f"pushed: {', '.join(pushed[:3])}"
    elif any(len(commit_parents) > 1 for _, commit_parents in after):
        plan.why = "a merge came after it"
    else:
        plan.how, plan.why = DROP, "not pushed yet"
        plan.later = [sha for sha, _ in after]
    from .history import changes_between

    plan.changes = changes_between(root, target.id, parents[0])
    return plan


def _mine(store: Store, commit: LoggedCommit, me: str) -> bool:
    if commit.users:
        return any(user.lower() == me.lower() for user in commit.users)
    if not commit.by_plaincrm:
        return False
    config = store.config
    user = config.find_user(commit.email) or config.find_user(commit.author)
    return (user.name if user else commit.author).lower() == me.lower()


def _last_change(store: Store, me: str) -> tuple[LoggedCommit, set[str]]:
    """Your newest change not taken back yet, and the ids of the newer commits of
    yours passed over on the way (undos and the changes they took back)."""
    undone: set[str] = set()
    skipped: set[str] = set()
    walk = gitrepo.walk_commits(store.root)
    try:
        for commit in walk:
            if not _mine(store, commit, me):
                continue
            if commit.id in undone or commit.undoes:
                undone.update(commit.undoes)
                skipped.add(commit.id)
                continue
            return commit, skipped
    finally:
        walk.close()
    taken = " (your changes in it are all taken back already)" if skipped else ""
    raise ConflictError(
        f"nothing of yours to undo: this CRM's history has no change plaincrm made as "
        f"{me}{taken}; undo takes back only your own changes (set PLAINCRM_USER if you "
        "are someone else)"
    )


def _refuse_later_changes(
    store: Store, target: LoggedCommit, files: list[str], skipped: set[str]
) -> None:
    """Refuse when a later commit changed one of the change's files: it builds on it.
    An undo and the change it took back, both later, cancel out and are passed over."""
    root = store.root
    later = [sha for sha, _ in gitrepo.commits_after(root, target.id, files) if sha not in skipped]
    known = _commits(store, later)
    for commit in known.values():
        if any(undone in known for undone in commit.undoes):
            skipped.update([commit.id, *commit.undoes])
    later = [sha for sha in later if sha not in skipped]
    if not later and gitrepo.tree_entries(root, "HEAD", files) == gitrepo.tree_entries(
        root, target.id, files
    ):
        return
    listed = "\n".join(f"  {_line(store, known[sha])}" for sha in later if sha in known) or (
        "  (a merge changed them)"
    )
    raise ConflictError(
        f"cannot take back {target.id[:7]} {target.subject}: later changes build on it, as they "
        f"changed {_names(files)} after it:\n{listed}\ntake those back first (each with "
        "'plaincrm undo' by whoever made it), or change the record with plaincrm's commands"
    )


def _commits(store: Store, ids: list[str]) -> dict[str, LoggedCommit]:
    """The commits of ``ids`` as ``walk_commits`` reads them."""
    wanted = set(ids)
    found: dict[str, LoggedCommit] = {}
    if not wanted:
        return found
    walk = gitrepo.walk_commits(store.root)
    try:
        for commit in walk:
            if commit.id in wanted:
                found[commit.id] = commit
                if len(found) == len(wanted):
                    break
    finally:
        walk.close()
    return found


def _line(store: Store, commit: LoggedCommit) -> str:
    user = store.config.find_user(commit.email) or store.config.find_user(commit.author)
    who = commit.users[0] if commit.users else user.name if user else commit.author
    return f"{commit.id[:7]} {commit.when[:10]} {who}: {commit.subject}"


def _refuse_dangling(store: Store, target: LoggedCommit, files: list[str]) -> None:
    """Refuse to delete a record the change created while other records name it (a
    deal added later for a client the change added): they would name nothing."""
    before = gitrepo.tree_entries(store.root, target.parents[0], files)
    created = [path for path in files if path not in before and is_record_path(path)]
    naming = sorted(
        {
            other
            for path in created
            for other in store.linked(type_of_path(path).name, slug_of(path))
            if other not in files
        }
    )
    if naming:
        raise ConflictError(
            f"cannot take back {target.id[:7]} {target.subject}: it would delete "
            f"{_names(created)}, which {_names(naming)} "
            f"{'names' if len(naming) == 1 else 'name'}; take those back or change them first"
        )


def _refuse_uncommitted(store: Store, files: list[str]) -> None:
    changed = sorted({path for _, path in gitrepo.changed_paths(store.root)} & set(files))
    if changed:
        raise ConflictError(
            f"{_names(changed)} {'has' if len(changed) == 1 else 'have'} changes not committed "
            "yet, which undo would overwrite: commit them ('plaincrm sync' commits hand edits) "
            "or put them back ('git checkout -- FILE'), then run 'plaincrm undo' again"
        )


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


@writes
def undo(store: Store, plan: Undo) -> str | None:
    """Take the change back as ``plan`` says; the new tip (DROP) or commit (REVERT)."""
    root = store.root
    if plan.how == DROP:
        return gitrepo.drop_commit(root, plan.commit.id, plan.later)
    parent = plan.commit.parents[0]
    before = gitrepo.tree_entries(root, parent, plan.files)
    for path in plan.files:
        if path not in before:
            store.remove(path)
            continue
        try:
            text = decode(path, gitrepo.show_bytes(root, parent, path))
        except ParseFailure as failure:
            raise InvalidError(f"cannot put {path} back: {failure.problem.message}") from None
        if store.safe_path(path).exists():
            store.write(path, text)
        else:
            store.create(path, text)
    return store.commit(
        plan.files,
        f"undo: {plan.commit.subject}\n\nTakes back {plan.commit.id}.",
        trailers=[(gitrepo.UNDOES_KEY, plan.commit.id)],
    )
