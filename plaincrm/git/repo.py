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
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import GitError


def _env() -> dict[str, str]:
    """git's environment: no prompts, messages in English, and every path given to git
    taken literally (``--literal-pathspecs``): a file named ``clients/*.md`` by hand is
    that file, not a pattern matching every client (and ``:(...)`` is no magic)."""
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    env["LC_ALL"] = "C"
    env["GIT_LITERAL_PATHSPECS"] = "1"
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
    the repository's ``index.lock``, the command is retried for a few seconds;
    then the error says what the lock is and how to clear it (``lock_message``).
    """
    proc = _process(cwd, args, input, env)
    for delay in _LOCK_RETRY_DELAYS:
        if proc.returncode == 0 or "index.lock" not in proc.stderr:
            break
        if not clear_stale_lock(cwd):
            time.sleep(delay)
        proc = _process(cwd, args, input, env)
    if check and proc.returncode != 0:
        if "index.lock" in proc.stderr:
            raise GitError(f"git {_subcommand(args)} failed: {lock_message(cwd)}")
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
    cwd: Path,
    paths: list[str],
    message: str,
    fallback_name: str,
    *,
    by_plaincrm: bool = True,
    trailers: Sequence[tuple[str, str]] = (),
    author: tuple[str, str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> str | None:
    """Commit exactly ``paths`` (relative to ``cwd``) and return the new commit id.

    The commit is HEAD with these files as they are on disk (files that no
    longer exist are committed as deletions), built in an index of its own
    (``GIT_INDEX_FILE``): what the user staged is neither committed with it nor
    lost, and a ``git commit`` running at the same moment cannot take these
    files into its commit.  HEAD moves only from the commit the new one was
    built on (``update-ref`` with the old value; when another commit came in
    between, the commit is built again on that one).  Meanwhile git's own
    ``index.lock`` is held, as ``git commit`` holds it, and git's index then
    gets the committed files, so ``git status`` shows them committed.

    ``author`` (name, e-mail): who made the change, when it is not git's user
    (the acting plaincrm user); git's identity stays the committer.  When git
    knows no identity, ``fallback_name`` is used so that the commit still
    happens.  A change plaincrm made gets the ``Made-with: plaincrm`` trailer
    (``history`` tells such changes from hand edits by it); ``by_plaincrm=False``
    leaves it out, for hand edits that plaincrm only commits.  ``trailers`` are
    more ``(key, value)`` trailers (``USER_KEY``: whose change it is, for
    ``undo``).  When the files are as the last commit has them (an edit
    undone), there is nothing to commit: None.  ``warn`` hears about a stale
    lock cleared.
    """
    marks = [*([(TRAILER_KEY, "plaincrm")] if by_plaincrm else []), *trailers]
    text = _with_lines(message, marks)
    authored = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1]} if author else None
    present = [path for path in paths if os.path.lexists(cwd / path)]
    gone = [path for path in paths if path not in present]
    subject = message.strip().split("\n", 1)[0]
    with IndexLock(cwd, warn) as index_file:
        for _ in range(HEAD_ATTEMPTS):
            head, head_tree = _head(cwd)
            tree = _tree_with(cwd, index_file.parent, head, present, gone)
            if tree == head_tree:
                new = None
                break
            parents = ["-p", head] if head else []
            new = run(
                cwd,
                *_identity_args(cwd, fallback_name),
                *("commit-tree", tree, *parents, "-F", "-"),
                input=text.rstrip("\n") + "\n",  # ended by a newline, as git commit ends it
                env=authored,
            ).strip()
            what = "commit" if head else "commit (initial)"
            moved = _process(
                cwd, ("update-ref", "-m", f"{what}: {subject}", "HEAD", new, head or "0" * len(new))
            )
            if moved.returncode == 0:
                break
            if _head(cwd)[0] == head:  # not another commit: git could not move HEAD
                raise GitError(f"git commit failed: {_reason(moved)}")
        else:
            raise GitError(
                "git commit failed: other commits kept arriving on this branch while "
                f"committing {', '.join(paths)}; run the command again"
            )
        try:
            _update_index(cwd, index_file, present, gone)
        except GitError:
            staged = False
        else:
            staged = True
    if not staged:  # the commit is made: git's index gets its files in the usual way
        try:
            _stage(cwd, {"GIT_LITERAL_PATHSPECS": "1"}, present, gone)
        except GitError as error:
            listed = " ".join(f"'{path}'" for path in paths[:5])
            raise GitError(
                f"committed, but git's index still has the files as before ({error.message}): "
                f"run 'git reset -q -- {listed}'"
            ) from None
    if new is not None:  # as git commit does: pack loose objects once there are many
        _process(cwd, ("maintenance", "run", "--auto", "--quiet"))
    return new


def _head(cwd: Path) -> tuple[str | None, str | None]:
    """HEAD's commit and tree; None, None before the first commit."""
    proc = _process(cwd, ("rev-parse", "HEAD^{commit}", "HEAD^{tree}"))
    found = proc.stdout.split()
    if proc.returncode != 0 or len(found) != 2:
        return None, None
    return found[0], found[1]


HEAD_ATTEMPTS = 5  # builds of a commit when HEAD moved meanwhile (a commit without the lock)


def _tree_with(
    cwd: Path, folder: Path, head: str | None, present: list[str], gone: list[str]
) -> str:
    """The tree of ``head`` (none: empty) with ``present`` as on disk and ``gone`` removed,
    built in a temporary index in ``folder`` (git's directory)."""
    with _scratch_index(folder) as env:
        run(cwd, "read-tree", *([head] if head else ["--empty"]), env=env)
        _stage(cwd, env, present, gone)
        return run(cwd, "write-tree", env=env).strip()


def _update_index(cwd: Path, index_file: Path, present: list[str], gone: list[str]) -> None:
    """Git's index (``index_file``, whose lock the caller holds) with the committed files
    staged, everything else in it (the user's staged changes) as it was."""
    with _scratch_index(index_file.parent, copy_of=index_file) as env:
        _stage(cwd, env, present, gone)
        os.replace(env["GIT_INDEX_FILE"], index_file)


def _stage(cwd: Path, env: dict[str, str], present: list[str], gone: list[str]) -> None:
    for start in range(0, len(present), PATHS_PER_RUN):
        run(cwd, "add", "--", *present[start : start + PATHS_PER_RUN], env=env)
    for start in range(0, len(gone), PATHS_PER_RUN):
        chunk = gone[start : start + PATHS_PER_RUN]
        run(cwd, "rm", "--cached", "-q", "--ignore-unmatch", "--", *chunk, env=env)


PATHS_PER_RUN = 2000  # paths on one git command line (well below the system's limit)


@contextmanager
def _scratch_index(folder: Path, copy_of: Path | None = None) -> Iterator[dict[str, str]]:
    """An index file of plaincrm's own in ``folder`` (a copy of ``copy_of``, or none yet),
    as the environment that points git at it; removed afterwards."""
    import secrets

    scratch = folder / f"plaincrm-index-{secrets.token_hex(4)}"
    try:
        if copy_of is not None and copy_of.exists():
            shutil.copy2(copy_of, scratch)
        yield {"GIT_INDEX_FILE": str(scratch), "GIT_LITERAL_PATHSPECS": "1"}
    finally:
        scratch.unlink(missing_ok=True)
        scratch.with_name(scratch.name + ".lock").unlink(missing_ok=True)


def commit_all(
    cwd: Path,
    message: str,
    fallback_name: str,
    *,
    when: str | None = None,
    author: tuple[str, str] | None = None,
    paths: Sequence[str] = (".",),
) -> str:
    """Commit everything under ``cwd`` (new, changed and deleted files; only under
    ``paths`` when given); ``when``: the commit's date (ISO 8601, author and committer),
    ``author``: (name, e-mail)."""
    run(cwd, "add", "-A", "--", *paths)
    return _commit(cwd, fallback_name, "-m", with_trailer(message), author=author, when=when)


def _commit(
    cwd: Path,
    fallback_name: str,
    *args: str,
    author: tuple[str, str] | None = None,
    when: str | None = None,
) -> str:
    """``git commit args`` (hooks skipped: plaincrm checks what it writes); the new id.
    ``author``: the commit's author (name, e-mail) for this one git command; ``when``
    its date."""
    env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1]} if author else {}
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    run(cwd, *_identity_args(cwd, fallback_name), "commit", "-q", "--no-verify", *args, env=env)
    return run(cwd, "rev-parse", "HEAD").strip()


# ---------------------------------------------------------------- git's index.lock

LOCK_NOTE = "plaincrm-index.lock"  # in the git directory: who holds index.lock (plaincrm)


class IndexLock:
    """git's ``index.lock``, taken as git takes it (created exclusively) and held while
    plaincrm commits; entering gives the path of the index it locks.

    Beside it, ``LOCK_NOTE`` says which process holds it (machine, boot, process id
    and start time) and which file the lock is (inode, modification time).  A lock
    whose note names a plaincrm process that is no longer alive is provably left
    behind by a plaincrm that was killed: no git process ever uses a lock it did not
    create, and plaincrm's own git commands work on an index of their own.  Such a
    lock is removed; any other lock is waited for a few seconds, and then the error
    says what it is (``lock_message``)."""

    def __init__(self, cwd: Path, warn: Callable[[str], None] | None = None) -> None:
        self.cwd = cwd
        self.warn = warn
        self.index, self.note = git_path(cwd, "index", LOCK_NOTE)
        self.lock = self.index.with_name(self.index.name + ".lock")
        self.handle: int | None = None

    def __enter__(self) -> Path:
        delays = iter([0.01, 0.02, *[0.05] * int(sum(_LOCK_RETRY_DELAYS) / 0.05)])
        while True:
            try:
                self.handle = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
                break
            except FileExistsError:
                if _clear_stale(self.lock, self.note, self.warn):
                    continue
                delay = next(delays, None)
                if delay is None:
                    raise GitError(f"git commit failed: {lock_message(self.cwd)}") from None
                time.sleep(delay)
            except OSError as exc:
                raise GitError(f"git commit failed: cannot create {self.lock}: {exc}") from None
        _write_note(self.note, self.lock)
        return self.index

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            os.close(self.handle)
            self.lock.unlink(missing_ok=True)
            self.note.unlink(missing_ok=True)


def _write_note(note: Path, lock: Path) -> None:
    """Say in ``note`` that this process holds ``lock`` (see ``IndexLock``)."""
    import json

    stat = os.stat(lock)
    me = _this_process()
    data = {**me, "ino": stat.st_ino, "mtime_ns": stat.st_mtime_ns} if me else {}
    tmp = note.with_name(note.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, note)


def _this_process() -> dict[str, object] | None:
    """What tells this process apart from every other one, ever (Linux); None elsewhere."""
    started = _start_time(os.getpid())
    machine = _read_first("/etc/machine-id", "/var/lib/dbus/machine-id")
    boot = _read_first("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return None
    if started is None or not machine or not boot:
        return None
    return {
        "pid": os.getpid(),
        "start": started,
        "machine": machine,
        "boot": boot,
        "pid_namespace": namespace,
    }


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot), None when there is none."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2 :].split()  # after the command name, which may hold spaces
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def _read_first(*paths: str) -> str | None:
    for path in paths:
        try:
            with open(path, encoding="ascii", errors="replace") as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text:
            return text
    return None


def stale_lock_holder(lock: Path, note: Path) -> int | None:
    """The process id of the plaincrm that made git's index lock ``lock`` (``note`` is
    its ``LOCK_NOTE``) and is provably no longer alive (see ``IndexLock``); None when
    there is no lock or no such proof."""
    import json

    try:
        data = json.loads(note.read_text(encoding="utf-8"))
        stat = os.stat(lock)
    except (OSError, ValueError):
        return None
    me = _this_process()
    if not isinstance(data, dict) or me is None or not data:
        return None
    if (data.get("ino"), data.get("mtime_ns")) != (stat.st_ino, stat.st_mtime_ns):
        return None  # another lock than the one the note is about
    if data.get("machine") != me["machine"]:
        return None  # made on another machine (a shared drive): its processes are not seen
    pid = data.get("pid")
    if not isinstance(pid, int):
        return None
    if data.get("boot") != me["boot"]:
        return pid  # this machine started again since: every process of then is gone
    if data.get("pid_namespace") != me["pid_namespace"]:
        return None  # another container's processes are not seen
    return pid if _start_time(pid) != data.get("start") else None


def clear_stale_lock(cwd: Path, warn: Callable[[str], None] | None = None) -> bool:
    """Remove git's ``index.lock`` when a plaincrm that was killed left it
    (``stale_lock_holder``); True when it did."""
    index, note = git_path(cwd, "index", LOCK_NOTE)
    return _clear_stale(index.with_name(index.name + ".lock"), note, warn)


def _clear_stale(lock: Path, note: Path, warn: Callable[[str], None] | None) -> bool:
    pid = stale_lock_holder(lock, note)
    if pid is None:
        return False
    lock.unlink(missing_ok=True)
    note.unlink(missing_ok=True)
    for scratch in lock.parent.glob("plaincrm-index-*"):  # the dead one's own indexes
        scratch.unlink(missing_ok=True)
    if warn is not None:
        warn(
            f"removed git's index.lock, left behind by plaincrm process {pid}, which was "
            "stopped while committing (it is no longer running)"
        )
    return True


def lock_message(cwd: Path) -> str:
    """What a held ``index.lock`` means and how to clear it safely."""
    index = git_path(cwd, "index")[0]
    lock = index.with_name(index.name + ".lock")
    try:
        age = max(0, int(time.time() - os.stat(lock).st_mtime))
    except OSError:
        age = None
    since = f" (made {_age(age)} ago)" if age is not None else ""
    running = git_processes([cwd.resolve(), index.parent])
    if running is None:
        seen = ""
    elif running:
        listed = "; ".join(f"{pid} {line}" for pid, line in running[:5])
        seen = f" Running in this repository now: {listed}."
    else:
        seen = (
            " No git program runs in this repository now, as far as plaincrm can see "
            "(not those of other users or containers): the lock is most likely stale."
        )
    return (
        f"git's index is locked: {lock} exists{since}. A git program holds it while it "
        "works in this repository (a 'git commit' waiting for its message, a merge, an "
        f"editor's git integration), or one was stopped and left it behind.{seen} Wait for "
        "it to finish and run the command again; if no git program is working in this "
        f"repository, remove the stale lock: rm '{lock}'"
    )


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def git_processes(places: list[Path]) -> list[tuple[int, str]] | None:
    """The git processes of this machine working in one of ``places`` (their current
    folder is in it) that can be seen: process id and command line; None where
    processes cannot be listed (no ``/proc``)."""
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return None
    found = []
    for pid in sorted(pids):
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
                name = handle.read().strip()
            if name != "git" and not name.startswith("git-"):
                continue
            where = Path(os.readlink(f"/proc/{pid}/cwd"))
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                words = handle.read().split(b"\0")
        except OSError:
            continue
        if not any(where == place or place in where.parents for place in places):
            continue
        line = " ".join(word.decode("utf-8", "replace") for word in words if word)
        found.append((pid, line[:80] or name))
    return found


TRAILER_KEY = "Made-with"
TRAILER = f"{TRAILER_KEY}: plaincrm"
USER_KEY = "Plaincrm-User"  # the plaincrm user whose change a commit is
UNDOES_KEY = "Plaincrm-Undoes"  # the commit an undo commit takes back


def with_trailer(message: str, *extra: tuple[str, str]) -> str:
    """A commit message marked as made by plaincrm (a git trailer), with ``extra``
    ``(key, value)`` trailers after it."""
    return _with_lines(message, [(TRAILER_KEY, "plaincrm"), *extra])


def _with_lines(message: str, trailers: Sequence[tuple[str, str]]) -> str:
    lines = "\n".join(f"{key}: {value}" for key, value in trailers)
    return f"{message.rstrip()}\n\n{lines}" if lines else message


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


def head_blobs(cwd: Path, paths: list[str]) -> dict[str, str]:
    """The blob ids HEAD has for those of ``paths`` (relative to ``cwd``) it has."""
    found: dict[str, str] = {}
    if not has_commits(cwd):
        return found
    for start in range(0, len(paths), PATHS_PER_RUN):
        chunk = paths[start : start + PATHS_PER_RUN]
        out = run(cwd, "--literal-pathspecs", "ls-tree", "-z", "HEAD", "--", *chunk)
        for entry in out.split("\0"):
            info, _, name = entry.partition("\t")
            parts = info.split()
            if len(parts) == 3 and parts[1] == "blob":
                found[name] = parts[2]
    return found


def files_at(cwd: Path, revision: str, paths: list[str]) -> set[str]:
    """Which of ``paths`` (relative to ``cwd``) exist in ``revision``."""
    if not paths:
        return set()
    out = run(cwd, "ls-tree", "-r", "--name-only", "--full-name", revision, "--", *paths)
    prefix = run(cwd, "rev-parse", "--show-prefix").strip()
    return {line.removeprefix(prefix) for line in out.splitlines()}


def files_changed(cwd: Path, old: str | None, new: str) -> list[str]:
    """Files (relative to ``cwd``) that ``new`` adds or changes against ``old`` (None: every
    file of ``new``); the files a push of ``new`` changes on a remote at ``old``."""
    if old is None:
        out = run(cwd, "ls-tree", "-r", "-z", "--name-only", new, "--", ".")
    else:
        args = ("diff", "--name-only", "-z", "--no-renames", "--diff-filter=AMT", "--relative")
        out = run(cwd, "-c", "core.quotePath=false", *args, old, new, "--", ".")
    return [path for path in out.split("\0") if path]


def added_paths(cwd: Path, old: str, new: str) -> list[str]:
    """Files (relative to ``cwd``) that ``new`` has and ``old`` has not."""
    out = run(cwd, "diff", "--name-only", "--no-renames", "--diff-filter=A", "--relative", old, new)
    return out.splitlines()


def show_text(cwd: Path, revision: str, path: str) -> str:
    """A file (relative to ``cwd``) as it is in ``revision``."""
    return run(cwd, "show", f"{revision}:./{path}")


# ---------------------------------------------------------------- taking a commit back


@dataclass
class LoggedCommit:
    """A commit as ``walk_commits`` reads it."""

    id: str
    parents: list[str]
    author: str
    email: str
    when: str  # author date, ISO 8601
    subject: str
    by_plaincrm: bool  # the Made-with: plaincrm trailer
    users: list[str]  # USER_KEY trailers
    undoes: list[str]  # UNDOES_KEY trailers


_WALK_FORMAT = "%x1f".join(
    [
        "%H", "%P", "%an", "%ae", "%aI", "%s",
        *(f"%(trailers:key={key},valueonly,separator=%x1e)"
          for key in (TRAILER_KEY, USER_KEY, UNDOES_KEY)),
    ]
)  # fmt: skip


def walk_commits(cwd: Path) -> Generator[LoggedCommit, None, None]:
    """The commits (no merges) that changed files under ``cwd``, newest first (by commit
    date), on every side of the merges HEAD holds.

    git runs while they are read: stopping early (``close`` of the generator)
    ends it, so finding a recent commit costs little in a long history.  (No
    ``--date-order``: git would read the whole history before the first commit.
    Limited to ``cwd`` only when it is a folder of the work tree: limiting to all
    of it costs a tree comparison per commit for nothing.)
    """
    inside = run(cwd, "rev-parse", "--show-prefix").strip() != ""
    args = [
        *PARSED_CONFIG,
        *("log", "--no-merges", "--full-history", f"--format={_WALK_FORMAT}", "HEAD"),
        *(("--", ".") if inside else ()),
    ]
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    assert proc.stdout is not None and proc.stderr is not None
    finished = False
    try:
        for line in proc.stdout:
            sha, parents, name, email, when, subject, made, users, undoes = line.rstrip("\n").split(
                "\x1f"
            )
            yield LoggedCommit(
                sha,
                parents.split(),
                name,
                email,
                when,
                subject,
                bool(made),
                [u.strip() for u in users.split("\x1e") if u.strip()],
                [u.strip() for u in undoes.split("\x1e") if u.strip()],
            )
        finished = True
    finally:
        if proc.poll() is None:
            proc.kill()
        said = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        proc.wait()
    if finished and proc.returncode != 0:
        detail = said.strip().splitlines()[-1] if said.strip() else f"exit {proc.returncode}"
        raise GitError(f"git log failed: {detail}")


def changed_files(cwd: Path, commit: str) -> list[str]:
    """The files under ``cwd`` (relative to it) that a commit changed, against its
    first parent: added, changed and deleted ones (a rename is both names)."""
    out = run(
        cwd,
        *("-c", "core.quotePath=false", "diff-tree", "-r", "--no-commit-id", "--name-only"),
        *("--no-renames", "--relative", "-z", commit),
    )
    return [path for path in out.split("\0") if path]


def commits_after(
    cwd: Path, commit: str, paths: Sequence[str] | None = None
) -> list[tuple[str, list[str]]]:
    """``(id, parents)`` of the commits HEAD holds and ``commit`` does not, oldest
    first; with ``paths`` (relative to ``cwd``) only those, merges left out, that
    changed one of them."""
    args = ["rev-list", "--reverse", "--topo-order", "--parents", f"{commit}..HEAD"]
    if paths is not None:
        if not paths:
            return []
        args += ["--no-merges", "--full-history", "--", *paths]
    found = []
    for line in run(cwd, *args).splitlines():
        sha, *parents = line.split()
        found.append((sha, parents))
    return found


def remote_branches_with(cwd: Path, commit: str) -> list[str]:
    """The remote-tracking branches (``origin/main``) that hold ``commit``: it was
    pushed (or fetched from there)."""
    out = run(
        cwd, "for-each-ref", "--contains", commit, "--format=%(refname:short)", "refs/remotes"
    )
    return [name for name in out.split() if not name.endswith("/HEAD")]


def tree_entries(cwd: Path, revision: str, paths: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``path -> (mode, object id)`` of those of ``paths`` (relative to ``cwd``) that
    ``revision`` has."""
    if not paths:
        return {}
    out = run(cwd, "-c", "core.quotePath=false", "ls-tree", "-r", "-z", revision, "--", *paths)
    found = {}
    for entry in out.split("\0"):
        if entry:
            info, path = entry.split("\t", 1)
            mode, _, sha = info.split()
            found[path] = (mode, sha)
    return found


def show_bytes(cwd: Path, revision: str, path: str) -> bytes:
    """A file (relative to ``cwd``) as ``revision`` has it, byte for byte."""
    try:
        proc = subprocess.run(
            ["git", "show", f"{revision}:./{path}"], cwd=cwd, capture_output=True, env=_env()
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git show failed: {said or proc.returncode}")
    return proc.stdout


def drop_commit(cwd: Path, commit: str, later: Sequence[str]) -> str:
    """Take ``commit`` out of the current branch and return the branch's new tip.

    The ``later`` commits (the ones after it, oldest first: none a merge, none
    changing its files) are made again on its parent, with their own authors,
    dates and messages, and the branch moves there with ``git reset --keep``:
    only the dropped commit's files change in the work tree (git refuses if one
    of them has changes of its own).  git's reflog keeps the old commits.
    """
    top = toplevel(cwd) or cwd
    prefix = run(cwd, "rev-parse", "--show-prefix").strip()
    parent = run(cwd, "rev-parse", f"{commit}^").strip()
    files = [prefix + path for path in changed_files(cwd, commit)]
    before = tree_entries(top, parent, files)
    null = "0" * len(parent)
    info = "".join(
        f"{before[path][0]} {before[path][1]}\t{path}\0"
        if path in before
        else f"0 {null}\t{path}\0"
        for path in files
    )
    tip = parent
    import tempfile

    with tempfile.TemporaryDirectory(prefix="plaincrm-undo-") as folder:
        index = {"GIT_INDEX_FILE": os.path.join(folder, "index")}
        for sha in later:
            run(top, "read-tree", sha, env=index)
            run(top, "update-index", "-z", "--index-info", input=info, env=index)
            tree = run(top, "write-tree", env=index).strip()
            tip = run(
                top, "commit-tree", tree, "-p", tip, "-F", "-",
                input=_message(top, sha), env=_identity_of(top, sha),
            ).strip()  # fmt: skip
    run(cwd, "reset", "-q", "--keep", tip)
    return tip


def _message(cwd: Path, commit: str) -> str:
    raw = run(cwd, "cat-file", "commit", commit)
    return raw.split("\n\n", 1)[1] if "\n\n" in raw else ""


def _identity_of(cwd: Path, commit: str) -> dict[str, str]:
    """The author and committer of ``commit``, as the environment ``commit-tree`` reads."""
    fields = run(cwd, "log", "-1", "--format=%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI", commit)
    names = (
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
    )  # fmt: skip
    return dict(zip(names, fields.rstrip("\n").split("\0"), strict=True))


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


def stage(cwd: Path, paths: list[str]) -> None:
    """Stage ``paths`` (relative to ``cwd``) in git's index as they are on disk (removed
    ones as removed), a few thousand per git command."""
    present = [path for path in paths if os.path.lexists(cwd / path)]
    _stage(cwd, {"GIT_LITERAL_PATHSPECS": "1"}, present, [p for p in paths if p not in present])


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
    return _cat_file(cwd, {blob: blob for blob in ids})


def contents_at(cwd: Path, revision: str, paths: list[str]) -> dict[str, bytes]:
    """The content of ``paths`` (relative to ``cwd``) in ``revision`` (``""``: as staged),
    read by one ``git cat-file``; a path the revision lacks is left out."""
    return _cat_file(cwd, {f"{revision}:./{path}": path for path in paths})


def _cat_file(cwd: Path, names: dict[str, str]) -> dict[str, bytes]:
    """The objects git ``names`` (object name -> the key to give its content), by one
    ``git cat-file --batch``; a name git does not know is left out."""
    if not names:
        return {}
    try:
        proc = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=cwd,
            input="".join(f"{name}\n" for name in names).encode("utf-8"),
            capture_output=True,
            env=_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    out, pos, found = proc.stdout, 0, {}
    for key in names.values():
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3:
            size = int(header[2])
            found[key] = out[pos : pos + size]
            pos += size + 1
    return found


# ---------------------------------------------------------------- the past (``--as-of``)


def first_parent_commits(cwd: Path) -> list[tuple[str, int, str]]:
    """``(id, commit time in seconds since the epoch, subject)`` of the commits of HEAD's
    first-parent history (the branch as it moved: a merge is one step), newest first;
    ``[]`` before the first commit."""
    if not has_commits(cwd):
        return []
    out = run(cwd, "log", "--first-parent", "--format=%H %ct %s", "HEAD")
    found = []
    for line in out.splitlines():
        sha, stamp, *subject = line.split(" ", 2)
        found.append((sha, int(stamp), subject[0] if subject else ""))
    return found


def tree_blobs(cwd: Path, revision: str, folders: Sequence[str]) -> list[tuple[str, str]]:
    """``(path, blob id)`` of the files in ``folders`` (relative to ``cwd``) as ``revision``
    has them, read from git's objects (no work tree, no index touched)."""
    if not folders:
        return []
    out = run(cwd, "-c", "core.quotePath=false", "ls-tree", "-r", "-z", revision, "--", *folders)
    found = []
    for entry in out.split("\0"):
        info, _, path = entry.partition("\t")
        parts = info.split()
        if len(parts) == 3 and parts[1] == "blob":
            found.append((path, parts[2]))
    return found


def renames_between(cwd: Path, old: str, new: str, folders: Sequence[str]) -> dict[str, str]:
    """``old path -> new path`` of the files in ``folders`` (relative to ``cwd``) that git
    finds renamed between the commits ``old`` and ``new`` (by content, as ``git diff -M``)."""
    out = run(
        cwd,
        *("-c", "core.quotePath=false", "diff", "--name-status", "-z", "-M"),
        *("--diff-filter=R", "--relative", old, new, "--", *folders),
    )
    parts = [part for part in out.split("\0") if part]
    return {parts[i + 1]: parts[i + 2] for i in range(0, len(parts) - 2, 3)}
