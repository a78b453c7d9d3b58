"""The demo's past: dated commits rebuilt from the sample deals' logs (``plaincrm demo``).

The sample repository is one state; its deals' ``## Log`` lines say what
happened before it (opened, stage moves, won, lost, a probability set by hand).
For each day with a log line, the demo gets a commit of the deals as they
stood at the end of that day: a deal opened later is not there yet, its stage
and probability are the ones logged by then, its closing fields come with its
win or loss, the log lines and completed tasks of later days are not written
yet.  Each commit is dated that day (the log's time, else 17:00) and made by
the user who logged it, so ``--as-of``, ``report movement`` and ``report
forecast-accuracy`` have a history to read.  The clients and the competitors'
cards are there from the first commit (the deals name them); the last commit is
the sample repository itself (its documents, tickets, campaigns, mail and
settings come with it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from pathlib import Path

from ..core.frontmatter import set_fields
from ..core.model import TYPES, Record
from ..core.records import parse_record
from ..core.settings import Config
from ..core.tasklines import set_checked, set_token
from ..git import repo as gitrepo
from ..sales.deallog import LOST, WON, parse_event

CLOSING_FIELDS = ("closed", "lost_reason", "competitor", "lost_note")
EVENING = time(17, 0)
PAST = [TYPES[name].folder for name in ("client", "competitor", "deal")]  # in the history


def rewind(record: Record, text: str, day: str) -> str | None:
    """The deal file ``text`` as it stood at the end of ``day`` (ISO), from its log; None
    when it was not opened yet."""
    dated = [(entry, parse_event(entry.text)) for entry in record.log]
    opened = record.get_date("created") or min((e.date for e, _ in dated), default=None)
    if opened is not None and opened > day:
        return None
    lines = text.split("\n")
    drop = {entry.line for entry, _ in dated if entry.date > day}
    for task in record.tasks:
        if task.checked and (task.done or "") > day:
            lines[task.line - 1] = set_token(set_checked(lines[task.line - 1], False), "done", None)
            drop.update(range(task.line + 1, task.line + 1 + task.note_lines))
    text = "\n".join(line for number, line in enumerate(lines, 1) if number not in drop)
    known = [event for entry, event in dated if entry.date <= day]
    moves = [event for event in known if event.transition]
    if not moves:
        return text
    stage = moves[-1].stage
    changes: dict[str, object] = {"stage": stage}
    if stage not in (WON, LOST):
        changes.update(dict.fromkeys(CLOSING_FIELDS))
    rated = [event for event in known if event.probability is not None]
    if rated:
        changes["probability"] = rated[-1].probability
        changes["probability_manual"] = True if rated[-1].manual else None
    if stage == WON:
        changes["probability"] = 100
    return set_fields(text, {k: v for k, v in changes.items() if k in record.fields or v})


def days_logged(records: Iterable[Record]) -> dict[str, tuple[str | None, str | None, str]]:
    """Each day of a log line -> (who, time, what) of its first line."""
    found: dict[str, tuple[str | None, str | None, str]] = {}
    for record in records:
        for entry in record.log:
            what = f"{entry.text} ({record.path})"
            if entry.date not in found or (entry.time or "") < (found[entry.date][1] or ""):
                found[entry.date] = (entry.who, entry.time, what)
    return dict(sorted(found.items()))


def make_history(target: Path, config: Config) -> int:
    """Commit the demo's dated past in ``target`` (holding the final state, not yet
    committed), then leave the final state in the work tree; the number of commits."""
    folder = target / TYPES["deal"].folder
    deals: list[tuple[Path, Record, str]] = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        record = parse_record(TYPES["deal"], f"{folder.name}/{path.name}", text)
        deals.append((path, record, text))
    emails = {user.name: user.email for user in config.users}
    made = 0
    for day, (who, at, what) in days_logged(record for _, record, _ in deals).items():
        for path, record, text in deals:
            then = rewind(record, text, day)
            if then is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(then, encoding="utf-8")
        moment = datetime.combine(
            datetime.fromisoformat(day).date(), time.fromisoformat(at) if at else EVENING
        ).astimezone()
        author = (who, emails.get(who) or f"{who}@example.com") if who else None
        gitrepo.commit_all(
            target,
            f"{who or 'demo'}: {what}",
            "plaincrm-demo",
            when=moment.isoformat(),
            author=author,
            paths=[name for name in PAST if (target / name).is_dir()],
        )
        made += 1
    for path, _record, text in deals:
        path.write_text(text, encoding="utf-8")
    return made
