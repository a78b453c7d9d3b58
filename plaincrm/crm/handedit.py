"""``plaincrm edit``: a record changed by hand in the user's editor, applied under the lock.

The editor works on a copy (``.plaincrm/edits/``), as ``git commit`` and
``crontab -e`` do, while other commands go on writing.  When the editor
closes, the edit is applied under the write lock to the file as it is then:
when a command changed the record meanwhile (a task completed while the
editor was open), the two are merged as ``sync`` merges records (a value both
changed keeps the one typed in the editor; the other goes to the record's
``## Log``), so neither change is lost to an editor's stale buffer.  The
result is checked and committed as the user's own edit.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ConflictError, InvalidError, NotFoundError, PlaincrmError, Problem
from ..core.index import INDEX_DIR
from ..core.store import MODIFY_ATTEMPTS, Store, writes

EDITS_DIR = "edits"  # in .plaincrm/: the copies open in an editor


@dataclass
class HandEdit:
    """What ``edit_record`` did."""

    path: str
    changed: bool
    merged: list[str] = field(default_factory=list)  # what merging with a change decided
    problems: list[Problem] = field(default_factory=list)  # then saved, not committed


def edit_record(store: Store, path: str, editor: Callable[[Path], None]) -> HandEdit:
    """Let ``editor`` change a copy of the record at ``path``; apply, check and commit it."""
    base = store.read_text(path)
    folder = store.root / INDEX_DIR / EDITS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{secrets.token_hex(3)}-{path.rsplit('/', 1)[-1]}"
    copy.write_bytes(base.encode("utf-8"))
    os.chmod(copy, 0o600)  # a client's details: for the user's eyes
    editor(copy)
    try:
        edited = copy.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InvalidError(f"the editor removed its copy of {path}; nothing changed") from None
    except UnicodeDecodeError:
        raise InvalidError(
            f"the edit of {path} is not UTF-8 text; nothing changed (your text is in {copy})"
        ) from None
    if edited == base:
        copy.unlink()
        return HandEdit(path, changed=False)
    try:
        done = _apply(store, path, base, edited)
    except PlaincrmError as error:
        error.message += f" (your edit is kept in {copy})"
        raise
    copy.unlink()
    return done


@writes
def _apply(store: Store, path: str, base: str, edited: str) -> HandEdit:
    from ..core.check import check_file
    from ..git.merge import merge_record

    done = HandEdit(path, changed=True)
    for _ in range(MODIFY_ATTEMPTS):
        try:
            current = store.read_text(path)
        except NotFoundError:
            raise ConflictError(f"{path} was removed while you edited it") from None
        result = edited
        if current != base:  # changed meanwhile: a merge as sync's, the edit wins a clash
            merged = merge_record(base, current, edited)
            result, done.merged = merged.text, merged.notes
        if result == current or store.replace(path, result, current):
            break
    else:
        raise ConflictError(f"{path} kept changing while your edit was saved")
    done.problems = check_file(store, path)
    if done.problems:
        store.keep([path])  # saved as typed for the user to fix; not committed
        return done
    store.commit([path], f"edit: {path}", by_plaincrm=False, yours=True)  # the user wrote it
    return done
