"""The one module that talks to git (through the ``git`` command line).

Everything else asks this module: is the CRM inside a work tree, commit these
files, who is the user.  The git CLI is used rather than a Python binding:
it starts in a few milliseconds and the commands stay what a user would type.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from .errors import GitError


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    env["LC_ALL"] = "C"
    return env


def available() -> bool:
    return shutil.which("git") is not None


def _process(
    cwd: Path, args: tuple[str, ...], input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            input=input,
            env={**_env(), **(env or {})},
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None


def _reason(proc: subprocess.CompletedProcess[str]) -> str:
    """Why git failed: the first error line it said, not the advice that follows
    (``Please make sure ... and the repository exists.``), else its last word."""
    said = [line.strip() for line in proc.stderr.splitlines()]
    said = [line for line in said if line and not line.startswith(("hint:", "warning:"))]
    if said:
        for prefix in ("fatal: ", "error: "):
            if said[0].startswith(prefix):
                return said[0].removeprefix(prefix)
        return said[0]
    told = proc.stdout.strip().splitlines()
    return told[-1] if told else f"exit status {proc.returncode}"


_LOCK_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0)


def run(
    cwd: Path,
    *args: str,
    check: bool = True,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run ``git args`` in ``cwd`` and return its stdout; raise ``GitError`` on failure.

    While another git process (another plaincrm, an editor's git plugin) holds
    the repository's ``index.lock``, the command is retried for a few seconds.
    """
    proc = _process(cwd, args, input, env)
    for delay in _LOCK_RETRY_DELAYS:
        if proc.returncode == 0 or "index.lock" not in proc.stderr:
            break
        time.sleep(delay)
        proc = _process(cwd, args, input, env)
    if check and proc.returncode != 0:
        raise GitError(f"git {_subcommand(args)} failed: {_reason(proc)}")
    return proc.stdout


def _subcommand(args: tuple[str, ...]) -> str:
    """The git command ``args`` run (``log`` of ``-c key=value log ...``)."""
    rest = iter(args)
    for arg in rest:
        if arg in ("-c", "-C"):
            next(rest, None)
        elif not arg.startswith("-"):
            return arg
    return args[0] if args else "git"


def toplevel(path: Path) -> Path | None:
    """The top of the git work tree containing ``path``, or None."""
    if not available():
        return None
    try:
        out = run(path, "rev-parse", "--show-toplevel", check=True)
    except GitError:
        return None
    return Path(out.strip()) if out.strip() else None


def init(path: Path) -> None:
    run(path, "init", "-q")


def config_value(cwd: Path, key: str) -> str | None:
    out = run(cwd, "config", "--get", key, check=False).strip()
    return out or None


def identity(cwd: Path) -> tuple[str | None, str | None]:
    return config_value(cwd, "user.name"), config_value(cwd, "user.email")


def commit(
    cwd: Path, paths: list[str], message: str, fallback_name: str, *, by_plaincrm: bool = True
) -> str | None:
    """Commit exactly ``paths`` (relative to ``cwd``) and return the new commit id.

    Files that no longer exist are committed as deletions.  When git knows no
    identity, ``fallback_name`` is used so that the commit still happens.  A
    change plaincrm made gets the ``Made-with: plaincrm`` trailer (``history``
    tells such changes from hand edits by it); ``by_plaincrm=False`` leaves it
    out, for hand edits that plaincrm only commits.  When the files are as the
    last commit has them (an edit undone), there is nothing to commit: None.
    """
    existing = [p for p in paths if (cwd / p).exists()]
    if existing:
        run(cwd, "add", "--", *existing)
    text = with_trailer(message) if by_plaincrm else message
    try:
        return _commit(cwd, fallback_name, "-m", text, "--", *paths)
    except GitError:
        unchanged = ("diff", "--quiet", "HEAD", "--", *paths)
        if has_commits(cwd) and _process(cwd, unchanged).returncode == 0:
            return None
        raise


def commit_all(cwd: Path, message: str, fallback_name: str) -> str:
    """Commit everything under ``cwd`` (new, changed and deleted files)."""
    run(cwd, "add", "-A", "--", ".")
    return _commit(cwd, fallback_name, "-m", with_trailer(message))


def _commit(cwd: Path, fallback_name: str, *args: str) -> str:
    """``git commit args`` (hooks skipped: plaincrm checks what it writes); the new id."""
    run(cwd, *_identity_args(cwd, fallback_name), "commit", "-q", "--no-verify", *args)
    return run(cwd, "rev-parse", "HEAD").strip()


TRAILER_KEY = "Made-with"
TRAILER = f"{TRAILER_KEY}: plaincrm"


def with_trailer(message: str) -> str:
    """A commit message marked as made by plaincrm (a git trailer)."""
    return f"{message.rstrip()}\n\n{TRAILER}"


def _identity_args(cwd: Path, fallback_name: str) -> list[str]:
    """``-c user.*=`` options for when git knows no identity, so commits still happen."""
    name, email = identity(cwd)
    extra: list[str] = []
    if not name:
        extra += ["-c", f"user.name={fallback_name}"]
    if not email:
        extra += ["-c", f"user.email={fallback_name}@localhost"]
    return extra


def has_commits(cwd: Path) -> bool:
    return run(cwd, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() != ""


_CHANGES = ("diff-files", "--name-only", "--relative", "-z", "--")
_started: dict[tuple[str, tuple[str, ...]], subprocess.Popen[bytes]] = {}


def start_changes(cwd: Path, folders: list[str]) -> None:
    """Start git's look for the changed files under ``folders`` now, for
    ``worktree_state`` to take up: a command that reads the index at once starts it
    before it imports its modules, which load meanwhile."""
    if not folders or not available():
        return
    try:
        _started[(str(cwd), tuple(folders))] = subprocess.Popen(
            ["git", *_CHANGES, *folders],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )
    except OSError:
        return


def worktree_state(
    cwd: Path, folders: list[str], *, listing: bool = True
) -> tuple[bytes | None, set[str], str | None] | None:
    """What git knows of the files under ``folders``: its index and the changed files.

    Returns the raw ``git ls-files -s -v -z`` listing (tag, mode, blob id,
    stage and path of every tracked file), the paths ``git diff-files`` finds
    changed in the work tree (git settles the racy cases by comparing
    content; paths relative to ``cwd``) and the absolute path of git's index
    file, which the listing is read from.  ``listing=False`` leaves out the
    listing and the path (None): for a caller that knows the index file is
    unchanged since it last listed it.  None when ``cwd`` is not in a git work
    tree or git is missing.  The look for changed files ``start_changes`` began is
    taken up.
    """
    started = _started.pop((str(cwd), tuple(folders)), None)
    if not folders or not available():
        return None
    commands = [[*_CHANGES, *folders]]
    if listing:  # read first: its output fills the pipe, the others' output is small
        commands[:0] = [["ls-files", "-s", "-v", "-z", "--", *folders]]
        commands.append(["rev-parse", "--git-path", "index"])
    env = _env()
    try:  # all at once: each takes a few milliseconds of git's start-up
        procs = [
            started
            if started is not None and args[0] == _CHANGES[0]
            else subprocess.Popen(
                ["git", *args],
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            for args in commands
        ]
    except OSError:
        return None
    outputs = [proc.communicate()[0] for proc in procs]
    if any(proc.returncode != 0 for proc in procs):
        return None
    if not listing:
        return None, _paths(outputs[0]), None
    index_file = os.path.join(cwd, outputs[2].decode("utf-8", "surrogateescape").rstrip("\n"))
    return outputs[0], _paths(outputs[1]), index_file


def _paths(output: bytes) -> set[str]:
    return {p.decode("utf-8", "surrogateescape") for p in output.split(b"\0") if p}


# ---------------------------------------------------------------- history

# One record separator per commit, then its fields separated by unit separators.
LOG_FORMAT = (
    "%x1e%H%x1f%an%x1f%ae%x1f%aI%x1f%ct%x1f%s%x1f"
    f"%(trailers:key={TRAILER_KEY},valueonly,separator=%x2C)%x1f"
)
WHOLE_FILE = "-U100000000"  # a context as long as any file: every diff holds both versions
# What history.parse_patches reads, whatever the user's git config says: "a/" and "b/"
# before the paths (diff.noprefix, diff.mnemonicPrefix, diff.srcPrefix would change them)
# and a space before every empty line of context (diff.suppressBlankEmpty drops it);
# the first commit's changes (log.showRoot), no signature lines (log.showSignature),
# and one path's log not turned into a rename chase (log.follow).
PARSED_CONFIG = (
    *("-c", "core.quotePath=false", "-c", "diff.suppressBlankEmpty=false"),
    *("-c", "log.showRoot=true", "-c", "log.showSignature=false", "-c", "log.follow=false"),
)
PARSED_DIFF = ("--no-color", "--no-ext-diff", "--src-prefix=a/", "--dst-prefix=b/")
PARALLEL_LOGS = 8


def _delta_cache(cwd: Path) -> list[str]:
    """git's cache of inflated objects sized to the repository: about four times its index
    (a commit's trees and the bases they are stored against).  git's default (96 MB)
    costs a short ``git log`` tens of milliseconds of fresh memory in a small repository;
    less makes it inflate the big trees of a large one again and again.  Nothing (git's
    default) when the index is not where a plain clone keeps it."""
    for folder in (cwd, *cwd.parents):
        git_dir = folder / ".git"
        if git_dir.exists():
            try:
                size = os.stat(git_dir / "index").st_size
            except OSError:
                return []
            limit = min(max(4 * size, 8 << 20), 96 << 20)
            return ["-c", f"core.deltaBaseCacheLimit={limit}"]
    return []


def _log_args(cwd: Path, since: str | None) -> list[str]:
    # --full-history: without it git follows one parent of a merge that kept a file as it
    # was on that side, and a change the merge undid (a deletion) would never be listed.
    args = [*_delta_cache(cwd), *PARSED_CONFIG, "log", "--no-merges", "--full-history"]
    args += PARSED_DIFF
    args += [f"--format={LOG_FORMAT}", "-p", WHOLE_FILE, "-M", "--relative"]
    if since:
        args.append(f"--since={since}T00:00:00")
    return args


def log_patches(cwd: Path, paths: list[str], *, since: str | None = None) -> str:
    """One ``git log`` of the commits that touched ``paths`` (relative to ``cwd``), newest
    first, each with the whole old and new text of every such file (``LOG_FORMAT`` headers).

    ``since`` (an ISO date) lets git stop walking early; merges are left out (their
    changes are those of the commits they merge), and every side of a merge is walked
    (``--full-history``), so that a change the merge did not keep is listed too.
    """
    return run(cwd, *_log_args(cwd, since), "--", *paths)


def log_patches_each(
    cwd: Path, paths: list[str], *, since: str | None = None, tips: list[str] | None = None
) -> list[str]:
    """``log_patches`` of each path on its own, the ``git log`` processes side by side.

    git reads its changed-path filters (``write_commit_graph``) only when a log is
    limited to a single path; with several paths it diffs the trees of every commit.
    ``tips`` (one for each path) are the commits each log starts from (HEAD when left
    out): the log of a record's old name ends where the record was renamed.
    """
    starts = tips or ["HEAD"] * len(paths)
    outputs = []
    for start in range(0, len(paths), PARALLEL_LOGS):
        try:
            procs = [
                subprocess.Popen(
                    ["git", *_log_args(cwd, since), tip, "--", path],
                    cwd=cwd,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                    env=_env(),
                )
                for tip, path in zip(
                    starts[start : start + PARALLEL_LOGS],
                    paths[start : start + PARALLEL_LOGS],
                    strict=True,
                )
            ]
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        for proc in procs:
            out, err = proc.communicate()
            if proc.returncode != 0:
                detail = err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"
                raise GitError(f"git log failed: {detail}")
            outputs.append(out)
    return outputs


def diff_patch(cwd: Path, old: str, new: str, paths: list[str]) -> str:
    """The changes between two commits to ``paths``, in the format of ``log_patches``."""
    return run(
        cwd,
        *PARSED_CONFIG,
        *("diff", *PARSED_DIFF),
        *(WHOLE_FILE, "-M", "--relative", old, new, "--", *paths),
    )


def renames_in(cwd: Path, commits: list[str]) -> list[tuple[str, str, str]]:
    """``(commit, old path, new path)`` of the files renamed by ``commits`` (one process)."""
    if not commits:
        return []
    out = run(
        cwd,
        *("-c", "core.quotePath=false", "show", "-M", "--relative", "--name-status"),
        *("--diff-filter=R", "--format=%x1e%H", *commits),
    )
    found: list[tuple[str, str, str]] = []
    commit = ""
    for line in out.split("\n"):  # not splitlines(): it splits at \x1e too
        if line.startswith("\x1e"):
            commit = line[1:]
        elif line.startswith("R"):
            _, old, new = line.split("\t")
            found.append((commit, old, new))
    return found


def commits_touching(cwd: Path, tip: str, path: str) -> set[str]:
    """The commits from ``tip`` down (every side of a merge) that changed ``path``."""
    return set(run(cwd, "rev-list", "--full-history", tip, "--", path).split())


def write_commit_graph(cwd: Path) -> None:
    """Keep git's commit-graph (with changed-path filters) current: fast ``log -- path``."""
    run(cwd, "commit-graph", "write", "--reachable", "--changed-paths", "--split", check=False)


# ---------------------------------------------------------------- state of the clone


def git_path(cwd: Path, *names: str) -> list[Path]:
    """Paths inside the clone's git directory (``MERGE_HEAD``, ``hooks`` ...)."""
    args = [arg for name in names for arg in ("--git-path", name)]
    out = run(cwd, "rev-parse", *args).splitlines()
    return [(cwd / line).resolve() for line in out]


def unfinished_operation(cwd: Path) -> str | None:
    """The git operation left unfinished in this clone (merge, rebase ...), or None."""
    names = {
        "MERGE_HEAD": "merge",
        "rebase-merge": "rebase",
        "rebase-apply": "rebase",
        "CHERRY_PICK_HEAD": "cherry-pick",
        "REVERT_HEAD": "revert",
    }
    for path, what in zip(git_path(cwd, *names), names.values(), strict=True):
        if path.exists():
            return what
    return None


def branch(cwd: Path) -> str | None:
    """The current branch, or None on a detached HEAD."""
    return run(cwd, "symbolic-ref", "--short", "-q", "HEAD", check=False).strip() or None


def remotes(cwd: Path) -> list[str]:
    return run(cwd, "remote").split()


def upstream(cwd: Path, branch_name: str) -> tuple[str, str] | None:
    """The remote and remote branch that ``branch_name`` tracks, if any."""
    remote = config_value(cwd, f"branch.{branch_name}.remote")
    merge = config_value(cwd, f"branch.{branch_name}.merge")
    if not remote or not merge or remote == ".":
        return None
    return remote, merge.removeprefix("refs/heads/")


def set_config(cwd: Path, key: str, value: str) -> None:
    run(cwd, "config", "--local", key, value)


def rev(cwd: Path, ref: str) -> str | None:
    """The commit id ``ref`` names, or None when it names none."""
    return run(cwd, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}", check=False).strip() or None


def merge_base(cwd: Path, one: str, two: str) -> str | None:
    return run(cwd, "merge-base", one, two, check=False).strip() or None


def count_commits(cwd: Path, revisions: str) -> int:
    return int(run(cwd, "rev-list", "--count", revisions).strip() or 0)


def authors(cwd: Path, revisions: str) -> list[str]:
    """The distinct author names of ``revisions`` (``A..B``), in order of appearance."""
    names = run(cwd, "log", "--no-merges", "--format=%an", revisions).splitlines()
    return list(dict.fromkeys(names))


def uncommitted(cwd: Path, path: str) -> bool:
    """Whether ``path`` (relative to ``cwd``) differs from HEAD or is new to git; False
    outside a git work tree or without git."""
    args = ("status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", path)
    try:
        proc = _process(cwd, args)
    except GitError:
        return False
    return proc.returncode == 0 and bool(proc.stdout.strip("\0"))


def changed_paths(cwd: Path, untracked: bool = True) -> list[tuple[str, str]]:
    """``(status, path)`` of files under ``cwd`` differing from HEAD (paths relative to ``cwd``).

    Status is git's two-letter short status (``??`` for untracked files).
    """
    prefix = run(cwd, "rev-parse", "--show-prefix").strip()
    mode = "--untracked-files=all" if untracked else "--untracked-files=no"
    out = run(cwd, "status", "--porcelain", "-z", mode, "--no-renames", "--", ".")
    found = []
    for entry in out.split("\0"):
        if len(entry) > 3:
            found.append((entry[:2], entry[3:].removeprefix(prefix)))
    return found


def files_at(cwd: Path, revision: str, paths: list[str]) -> set[str]:
    """Which of ``paths`` (relative to ``cwd``) exist in ``revision``."""
    if not paths:
        return set()
    out = run(cwd, "ls-tree", "-r", "--name-only", "--full-name", revision, "--", *paths)
    prefix = run(cwd, "rev-parse", "--show-prefix").strip()
    return {line.removeprefix(prefix) for line in out.splitlines()}


def added_paths(cwd: Path, old: str, new: str) -> list[str]:
    """Files (relative to ``cwd``) that ``new`` has and ``old`` has not."""
    out = run(cwd, "diff", "--name-only", "--no-renames", "--diff-filter=A", "--relative", old, new)
    return out.splitlines()


def show_text(cwd: Path, revision: str, path: str) -> str:
    """A file (relative to ``cwd``) as it is in ``revision``."""
    return run(cwd, "show", f"{revision}:./{path}")


# ---------------------------------------------------------------- fetch, merge, push


def fetch(cwd: Path, remote: str) -> None:
    run(cwd, "fetch", "--quiet", remote)


def merge(cwd: Path, ref: str, message: str, fallback_name: str, env: dict[str, str]) -> bool:
    """``git merge`` ``ref`` into the current branch; False when conflicts are left.

    The merge is committed with ``message`` when it succeeds; ``env`` reaches the
    merge drivers.
    """
    proc = _process(
        cwd,
        (
            *_identity_args(cwd, fallback_name),
            "merge",
            "--no-edit",
            "--no-verify",
            "-m",
            with_trailer(message),
            ref,
        ),
        env=env,
    )
    if proc.returncode == 0:
        return True
    if not git_path(cwd, "MERGE_HEAD")[0].exists():  # git refused to start the merge
        said = " ".join(line.strip() for line in proc.stderr.splitlines() if line.strip())
        raise GitError(f"git merge failed: {said or _reason(proc)}")
    return False


def unmerged_paths(cwd: Path) -> dict[str, str]:
    """Paths (relative to ``cwd``) with unresolved conflicts and their two-letter status."""
    return {
        path: status
        for status, path in changed_paths(cwd, untracked=False)
        if "U" in status or status in ("AA", "DD")
    }


def add(cwd: Path, paths: list[str]) -> None:
    run(cwd, "add", "--", *paths)


def conclude_merge(cwd: Path, fallback_name: str) -> None:
    """Commit the merge with git's message, without the ``# Conflicts:`` lines it adds."""
    _commit(cwd, fallback_name, "--no-edit", "--cleanup=strip")


def abort_merge(cwd: Path) -> None:
    run(cwd, "merge", "--abort", check=False)


# How a push fails when someone else pushed first (before, or while the ref was updated).
_RACES = ("[rejected]", "failed to update ref", "cannot lock ref", "incorrect old value")


def push(cwd: Path, remote: str, branch_name: str, set_upstream: bool) -> tuple[str, str]:
    """Push HEAD to ``remote``'s ``branch_name``, never forced.

    Returns ``("ok", "")``, ``("rejected", why)`` when the remote has commits this
    clone lacks (fetch and merge, then push again), or ``("error", why)``.
    """
    args = ["push", "--porcelain"]
    if set_upstream:
        args.append("--set-upstream")
    proc = _process(cwd, (*args, remote, f"HEAD:refs/heads/{branch_name}"))
    if proc.returncode == 0:
        return "ok", ""
    for line in proc.stdout.splitlines():
        if line.startswith("!") and any(sign in line for sign in _RACES):
            return "rejected", line.rsplit("\t", 1)[-1]
        if line.startswith("!"):
            return "error", line.rsplit("\t", 1)[-1]
    return "error", _reason(proc)


def remote_url(cwd: Path, remote: str) -> str:
    return config_value(cwd, f"remote.{remote}.url") or remote


# ---------------------------------------------------------------- merge drivers and hooks


def merge_files(ours: Path, base: Path, theirs: Path, marker_size: int) -> tuple[bytes, int]:
    """git's own three-way merge of three files: the result and the number of conflicts.

    Conflicts are marked ``<<<<<<< ours`` / ``=======`` / ``>>>>>>> theirs`` with
    markers ``marker_size`` characters long, whatever ``merge.conflictStyle`` the
    user's git config sets (``diff3`` would add a ``||||||| base`` section).
    """
    try:
        proc = subprocess.run(
            [
                *("git", "-c", "merge.conflictStyle=merge"),
                *("merge-file", "-p", f"--marker-size={marker_size}"),
                *("-L", "ours", "-L", "base", "-L", "theirs", str(ours), str(base), str(theirs)),
            ],
            capture_output=True,
            env=_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if proc.returncode > 127:
        detail = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        raise GitError(f"git merge-file failed: {detail}")
    return proc.stdout, proc.returncode


def merge_file(ours: str, base: str, theirs: str, marker_size: int) -> tuple[str, int]:
    """``merge_files`` for texts."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="plaincrm-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(path)
        merged, conflicts = merge_files(paths[0], paths[1], paths[2], marker_size)
    return merged.decode("utf-8", "replace"), conflicts


def staged_entries(cwd: Path) -> list[tuple[str, str]]:
    """(path, blob id) of each file under ``cwd`` added, copied or modified in the index,
    as the next commit would hold it (paths relative to ``cwd``; a renamed file is new)."""
    out = run(
        cwd,
        *("diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev"),
        *("--diff-filter=ACM", "--relative"),
    )
    parts = out.split("\0")
    entries = []
    for head, path in zip(parts[0::2], parts[1::2], strict=False):
        fields = head.split()
        if len(fields) == 5 and path:  # :old-mode new-mode old-blob new-blob status
            entries.append((path, fields[3]))
    return entries


def blobs(cwd: Path, ids: list[str]) -> dict[str, bytes]:
    """The content of the blobs ``ids`` (missing ones left out), read by one ``git cat-file``."""
    if not ids:
        return {}
    try:
        proc = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=cwd,
            input="".join(f"{blob}\n" for blob in ids).encode("ascii"),
            capture_output=True,
            env=_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    out, pos, found = proc.stdout, 0, {}
    for blob in ids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3:
            size = int(header[2])
            found[blob] = out[pos : pos + size]
            pos += size + 1
    return found
