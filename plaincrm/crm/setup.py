"""Creating CRM repositories: ``init`` and the ``demo`` copy of the sample repository."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from ..core.errors import ConflictError, UsageError
from ..core.index import INDEX_DIR
from ..core.model import TYPES
from ..core.settings import (
    CONFIG_NAME,
    find_root,
    one_word_problem,
    read_config,
    render_template,
)
from ..git import hooks as gitsetup
from ..git import repo as gitrepo
from .demohistory import make_history

GITIGNORE = f"# plaincrm's local index (rebuilt when missing)\n{INDEX_DIR}/\n"
DEMO_ANCHOR_FILE = ".demo-anchor"
_DATE_RE = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])")


def init_repo(folder: Path, users: list[str], use_git: bool = True) -> list[str]:
    """Create a CRM in ``folder``; return the files created (relative to it)."""
    for name in users:
        problem = one_word_problem(name)
        if problem:
            raise UsageError(problem)
    if (folder / CONFIG_NAME).exists():
        raise ConflictError(f"{folder / CONFIG_NAME} already exists: this is a plaincrm repository")
    enclosing = find_root(folder.parent)
    if enclosing is not None:
        raise ConflictError(
            f"{folder} is inside the plaincrm repository {enclosing}: create the new one outside it"
        )
    folder.mkdir(parents=True, exist_ok=True)
    created = [CONFIG_NAME]
    identity = gitrepo.identity(folder) if gitrepo.available() else (None, None)
    (folder / CONFIG_NAME).write_text(render_template(users, identity), encoding="utf-8")
    for rtype in TYPES.values():
        (folder / rtype.folder).mkdir(exist_ok=True)
        keep = folder / rtype.folder / ".gitkeep"
        if not any((folder / rtype.folder).iterdir()):
            keep.touch()
            created.append(f"{rtype.folder}/.gitkeep")
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(GITIGNORE, encoding="utf-8")
        created.append(".gitignore")
    elif f"{INDEX_DIR}/" not in ignore.read_text(encoding="utf-8"):
        with ignore.open("a", encoding="utf-8") as handle:
            handle.write("\n" + GITIGNORE)
        created.append(".gitignore")
    if use_git and gitrepo.available():
        if gitrepo.toplevel(folder) is None:
            gitrepo.init(folder)
        created += gitsetup.setup(folder).files  # the record merge driver and pre-commit hook
        gitrepo.commit(folder, created, "plaincrm init", users[0] if users else "plaincrm")
    return created


def sample_repo_dir() -> Path:
    here = Path(__file__).resolve().parents[1]  # plaincrm/
    packaged = here / "_data" / "sample-repo"
    return packaged if packaged.is_dir() else here.parent / "sample-repo"


def shift_dates(text: str, delta: timedelta) -> str:
    def shift(match: re.Match[str]) -> str:
        try:
            return (date.fromisoformat(match.group(1)) + delta).isoformat()
        except ValueError:
            return match.group(1)

    return _DATE_RE.sub(shift, text)


_MAIL_DATE_RE = re.compile(rb"^Date: ([^\r\n]+)", re.M)


def shift_mail_date(data: bytes, delta: timedelta) -> bytes:
    """A message of the sample mailbox (``mail/``) with its Date header moved by ``delta``."""
    from email.utils import format_datetime, parsedate_to_datetime

    head, sep, body = data.partition(b"\r\n\r\n")
    match = _MAIL_DATE_RE.search(head)
    if match is None:
        return data
    try:
        moment = parsedate_to_datetime(match.group(1).decode("ascii")) + delta
    except (TypeError, ValueError):
        return data
    new = b"Date: " + format_datetime(moment).encode("ascii")
    return head[: match.start()] + new + head[match.end() :] + sep + body


def make_demo(target: Path, today: date) -> timedelta:
    """Copy the sample repository to ``target`` with its dates moved to ``today``."""
    source = sample_repo_dir()
    if target.exists() and any(target.iterdir()):
        raise ConflictError(f"{target} exists and is not empty; choose a new folder for the demo")
    anchor = date.fromisoformat((source / DEMO_ANCHOR_FILE).read_text().strip())
    delta = today - anchor
    shutil.copytree(
        source,
        target,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(DEMO_ANCHOR_FILE, INDEX_DIR),
    )
    for path in target.rglob("*"):
        if path.is_file() and path.suffix in (".md", ".yaml"):
            text = path.read_text(encoding="utf-8")
            shifted = shift_dates(text, delta)
            if shifted != text:
                path.write_text(shifted, encoding="utf-8")
    for path in sorted((target / "mail").rglob("*")):  # the sample mailbox (README "Mail")
        if path.is_file():
            path.write_bytes(shift_mail_date(path.read_bytes(), delta))
    if gitrepo.available():
        gitrepo.init(target)
        gitsetup.setup(target)
        make_history(target, read_config(target))
        gitrepo.commit_all(target, "plaincrm demo: sample repository", "plaincrm-demo")
    return delta
