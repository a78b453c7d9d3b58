"""Tasks and contacts as a vdir: one file per item, for vdirsyncer to carry to phones.

A vdir (the storage format of vdirsyncer, khal and khard) is a folder with one
``.ics`` file per calendar item or one ``.vcf`` file per contact.  plaincrm writes
each task as ``<uid>.ics`` and each client and contact person as ``<uid>.vcf``,
named after their UID, which never changes (``formats.ics.task_uid``, the vCard
UIDs of ``formats.vcard``): vdirsyncer then updates the same event or card on the
server (Nextcloud, Radicale, iCloud) instead of adding another.

A file is rewritten only when what it says changed (its DTSTAMP aside), so that a
sync uploads only what changed; the files of items that are gone (a task done
or deleted, a client removed) are removed.  Only files plaincrm named are ever
removed: items a phone added to the same folder, which vdirsyncer brings down,
stay.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UsageError

PLAINCRM_ICS = "@plaincrm.ics"  # every task UID ends with @plaincrm
PLAINCRM_VCF = re.compile(r"^plaincrm-[a-z]+-.*\.vcf$")
_STAMP_RE = re.compile(r"^DTSTAMP[;:].*$", re.M)


@dataclass
class VdirResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    def summary(self, noun: str, folder: Path) -> str:
        total = len(self.written) + self.unchanged
        return (
            f"{total} {noun} in {folder}: {len(self.written)} written, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed"
        )


def file_name(uid: str, suffix: str) -> str:
    """A file name for a UID: characters a file system may refuse become ``_``."""
    safe = re.sub(r"[^A-Za-z0-9@._+-]", "_", uid)
    return f"{safe}{suffix}"


def write_vdir(folder: Path, items: dict[str, str], ours: re.Pattern[str] | str) -> VdirResult:
    """Make ``folder`` hold ``items`` (file name -> text) and no other file named by
    plaincrm (``ours``: a suffix, or a pattern of such names)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: --vdir needs a folder (made when missing)")
    folder.mkdir(parents=True, exist_ok=True)
    result = VdirResult()
    for name, text in sorted(items.items()):
        path = folder / name
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                old = handle.read()
        except (OSError, UnicodeDecodeError):
            old = None
        if old is not None and _STAMP_RE.sub("", old) == _STAMP_RE.sub("", text):
            result.unchanged += 1
            continue
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
        result.written.append(name)
    for entry in sorted(os.listdir(folder)):
        mine = entry.endswith(ours) if isinstance(ours, str) else bool(ours.match(entry))
        if mine and entry not in items and (folder / entry).is_file():
            (folder / entry).unlink()
            result.removed.append(entry)
    return result
