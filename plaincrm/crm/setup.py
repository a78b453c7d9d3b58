"""Creating CRM repositories: ``init`` and the ``demo`` copy of the sample repository."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from ..core.errors import ConflictError, UsageError
from ..core.frontmatter import render_scalar
from ..core.index import INDEX_DIR
from ..core.model import TYPES
from ..core.settings import (
    CONFIG_NAME,
    find_root,
    one_word_problem,
    read_config,
)
from ..documents.numbering import series_setting
from ..git import hooks as gitsetup
from ..git import repo as gitrepo
from .demohistory import make_history

GITIGNORE = f"# plaincrm's local index (rebuilt when missing)\n{INDEX_DIR}/\n"
DEMO_ANCHOR_FILE = ".demo-anchor"
_DATE_RE = re.compile(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])")

TEMPLATE = """\
# plaincrm settings for this CRM repository.  Edit freely: comments and the
# order of keys are kept by every plaincrm command.  Reference: README.md,
# "Settings", and schema/config.schema.json.

# The team.  `name` is what you write in `owner:` fields and task `owner:`
# tokens; `full_name` and `email` let plaincrm recognise you from git's
# user.name / user.email (or set PLAINCRM_USER).  Leave the list empty and
# every view shows everybody's work.
users:{users}

# Your working day: `today` and `plan` fit timed tasks into it.
workday:
  start: "09:00"
  end: "17:00"
  days: [mon, tue, wed, thu, fri]

tasks:
  # Length of a task that has no dur: token.
  default_duration: 30m

git:
  # Commit every change plaincrm makes (one commit per command).
  commit: true

# Money, CRM-wide: the currency of amounts given without one (deals,
# documents, campaigns), and exchange rates to it (the value of 1 unit, e.g.
# USD: 0.92) for `--currency` (pipeline, forecast, reports) and campaign ROI.
money:
  currency: EUR
  rates: {{}}

# Sales (docs/sales.md).  Stages in order, each with the probability (%) a
# deal in it gets and an optional rotting limit: the days a deal may go
# without a stage change or a completed task before `today` flags it.  New
# deals start in the first stage; `won` and `lost` close a deal.
pipeline:
  stages:
    - {{name: lead, probability: 10, rotting: 30}}
    - {{name: qualified, probability: 25, rotting: 21}}
    - {{name: proposal, probability: 50, rotting: 14}}
    - {{name: negotiation, probability: 75, rotting: 14}}
    - {{name: won, probability: 100}}
    - {{name: lost, probability: 0}}
  # Why deals are lost (`deal lose --reason`).  The competitor_reasons mean a
  # competitor won the deal, so they require --competitor.  Set other_reasons
  # to true to allow reasons not in the list.
  lost_reasons: [price, competitor, no budget, timing, no decision, requirements not met]
  competitor_reasons: [competitor]
  other_reasons: false
  # Competitors you meet.  When any are listed (or have a competitors/ card),
  # --competitor must name one of them.
  competitors: []

# Service (docs/service.md).  SLA targets per ticket priority, in working hours
# of the working day above: `response` until the first reply, `resolution`
# until the ticket is resolved ('none': no target).  Time a ticket waits on
# the client does not count.  `today` warns when `warn` of a target is used.
service:
  sla:
    urgent: {{response: 1h, resolution: 8h}}
    high: {{response: 4h, resolution: 16h}}
    normal: {{response: 8h, resolution: 40h}}
    low: {{response: 16h, resolution: 80h}}
  warn: 75%

# Commercial documents (docs/documents.md) of deals.  An issued invoice is due
# payment_days later.  Invoices get their number when issued, the next in the
# series of whoever issues them: one series per person (or per device, picked
# with PLAINCRM_SERIES) keeps numbers unique while people work offline.  A
# stage can require documents before a deal enters it: add e.g.
# `requires: [contract]` (a signed one) to the won stage above.
documents:
  payment_days: 14
  kinds: [quote, contract, invoice, payment, shipment]
  numbering:
    invoice:
      format: "{{series}}-{{year}}-{{seq:4}}"
      series: {series}
"""


def render_template(
    users: list[str], identity: tuple[str | None, str | None] = (None, None)
) -> str:
    """The commented settings of a new CRM.  ``identity`` (git's user.name and
    user.email) is written as the first user's ``full_name`` and ``email``, so
    that plaincrm recognises whoever ran ``init`` without ``PLAINCRM_USER``."""
    series = series_setting(users)
    if not users:
        return TEMPLATE.format(users=" []", series=series)
    entries = "".join(f"\n  - name: {name}" for name in users)
    full_name, email = identity
    first = f"\n  - name: {users[0]}"
    if full_name and full_name != users[0]:
        first += f"\n    full_name: {render_scalar(full_name)}"
    if email:
        first += f"\n    email: {render_scalar(email)}"
    entries = first + entries[len(f"\n  - name: {users[0]}") :]
    return TEMPLATE.format(users=entries, series=series)


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
