"""Setting a clone up for plaincrm: the record merge driver and the pre-commit hook.

Three pieces, written by ``plaincrm init`` and ``plaincrm setup-git`` (and the
first two checked again by every ``sync``):

- ``.gitattributes`` in the CRM folder (committed, so every clone has it):
  ``*.md merge=plaincrm`` sends Markdown files to the driver, which merges
  record files and hands any other Markdown file to git's usual merge;
- the clone's git config (``merge.plaincrm.driver``, local to the clone): the
  command git runs, ``<this Python> -m plaincrm merge-driver ... %O %A %B %P``.
  The interpreter's full path is recorded so that the driver works whether or
  not ``plaincrm`` is on PATH; since a teammate's interpreter lives elsewhere,
  the setting is never shared: each clone records its own, and ``sync``
  writes it again when it is missing or points at another interpreter;
- a git ``pre-commit`` hook that runs ``plaincrm pre-commit`` on the staged
  records (an existing hook that plaincrm did not write is left alone).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import GitError, InvalidError, Problem
from . import repo as gitrepo

ATTRIBUTES = ".gitattributes"
ATTRIBUTES_LINE = "*.md merge=plaincrm"
ATTRIBUTES_BLOCK = (
    "# plaincrm: merge record files with plaincrm's record-aware merge driver\n"
    "# (each clone registers it with 'plaincrm setup-git'; see docs/sync.md)\n"
    f"{ATTRIBUTES_LINE}\n"
)
DRIVER_KEY = "merge.plaincrm.driver"
HOOK_MARK = "# installed by plaincrm setup-git"


@dataclass
class SetupReport:
    files: list[str] = field(default_factory=list)  # changed files to commit, relative to the root
    done: list[str] = field(default_factory=list)  # what was set up, in words


def driver_command() -> str:
    return f"{shlex.quote(sys.executable)} -m plaincrm merge-driver --marker-size %L %O %A %B %P"


def require_git(root: Path) -> Path:
    """The top of the git work tree holding the CRM; an error saying what to do without one."""
    top = gitrepo.toplevel(root)
    if top is None:
        raise GitError(
            f"{root} is not in a git repository, so there is no history to show or share: "
            "run 'git init' there (or 'plaincrm init' for a new CRM), then 'plaincrm setup-git'"
        )
    return top


def setup(root: Path, *, hook: bool = True) -> SetupReport:
    """Register the merge driver (and with ``hook`` the pre-commit hook) for the CRM at ``root``."""
    top = require_git(root)
    report = SetupReport()
    if ensure_attributes(root):
        report.files.append(ATTRIBUTES)
        report.done.append(f"{ATTRIBUTES}: record files use the plaincrm merge driver")
    if gitrepo.config_value(root, DRIVER_KEY) != driver_command():
        gitrepo.set_config(root, "merge.plaincrm.name", "plaincrm record merge")
        gitrepo.set_config(root, DRIVER_KEY, driver_command())
        report.done.append(f"git config {DRIVER_KEY}: {driver_command()}")
    if hook:
        report.done.append(install_hook(root, top))
    return report


def ensure_attributes(root: Path) -> bool:
    """Add the merge driver line to the CRM's ``.gitattributes``; True when it changed."""
    path = root / ATTRIBUTES
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(line.strip() == ATTRIBUTES_LINE for line in text.splitlines()):
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + ("\n" if text else "") + ATTRIBUTES_BLOCK, encoding="utf-8")
    return True


def hook_script(root: Path, top: Path) -> str:
    rel = shlex.quote(os.path.relpath(root.resolve(), top.resolve()))
    python = shlex.quote(sys.executable)
    return f"""#!/bin/sh
{HOOK_MARK}: checks the staged records of the CRM in
# {rel} before each commit.  Skip the check once with 'git commit --no-verify'.
if [ -x {python} ]; then
    exec {python} -m plaincrm -C {rel} pre-commit
elif command -v plaincrm >/dev/null 2>&1; then
    exec plaincrm -C {rel} pre-commit
fi
echo "plaincrm is not installed here: the records were not checked (run 'plaincrm setup-git')" >&2
exit 0
"""


def install_hook(root: Path, top: Path) -> str:
    """Write the pre-commit hook unless another tool's hook is there; say what happened."""
    hooks = gitrepo.git_path(root, "hooks")[0]
    path = hooks / "pre-commit"
    if path.exists() and HOOK_MARK not in path.read_text(encoding="utf-8", errors="replace"):
        return (
            f"pre-commit hook: {path} exists and is not plaincrm's; left alone (add "
            "'plaincrm pre-commit' to it to check records before each commit)"
        )
    hooks.mkdir(parents=True, exist_ok=True)
    path.write_text(hook_script(root, top), encoding="utf-8")
    path.chmod(0o755)
    return f"pre-commit hook: {path} checks the staged records"


def staged_problems(root: Path) -> list[Problem]:
    """The problems each record file staged for the next commit has on its own (what
    ``check`` finds in the file alone: ``check.FileRules``), and those of the staged
    settings (whether they parse: ``file_problems``)."""
    from ..core.check import staged_problems as judged
    from ..core.model import is_record_path
    from ..core.settings import CONFIG_NAME, read_config

    require_git(root)
    entries = gitrepo.staged_entries(root)
    staged = [(path, blob) for path, blob in entries if is_record_path(path)]
    settings = [blob for path, blob in entries if path == CONFIG_NAME]
    problems = [
        problem
        for data in gitrepo.blobs(root, settings).values()
        for problem in file_problems(CONFIG_NAME, data)
    ]
    if staged:
        problems += judged(root, read_config(root), staged)
    return sorted(problems)


def is_checked(path: str) -> bool:
    """Whether ``file_problems`` checks ``path`` (relative to the CRM): a record file, or
    the settings."""
    from ..core.model import is_record_path
    from ..core.settings import CONFIG_NAME

    return path == CONFIG_NAME or is_record_path(path)


def file_problems(path: str, data: bytes) -> list[Problem]:
    """The problems of one record file (``path`` relative to the CRM) on its own, as the
    pre-commit hook finds them: it does not parse (not UTF-8, broken YAML, conflict
    markers), or its fields or task lines are wrong.  What needs the other records too
    (references, task ids used twice) is left to ``check``.  Of the settings
    (``plaincrm.yaml``): whether they parse, since every command refuses settings that
    do not."""
    from ..core.check import record_problems
    from ..core.frontmatter import FrontError, load_full
    from ..core.model import TYPE_BY_FOLDER
    from ..core.records import ParseFailure, decode, parse_record
    from ..core.settings import CONFIG_NAME

    if path == CONFIG_NAME:
        try:
            load_full(decode(path, data), 1)
        except ParseFailure as failure:
            return [failure.problem]
        except FrontError as exc:
            return [Problem(path, exc.line, exc.message)]
        return []
    rtype = TYPE_BY_FOLDER[path.split("/", 1)[0]]
    try:
        record = parse_record(rtype, path, decode(path, data))
    except ParseFailure as failure:
        return [failure.problem]
    return record_problems(record)


def refuse_commit(problems: list[Problem]) -> None:
    if problems:
        listed = "\n".join(str(problem) for problem in problems)
        raise InvalidError(
            f"{listed}\ncommit refused: fix the records above, stage them again and commit "
            "(or skip the check once with 'git commit --no-verify')"
        )
