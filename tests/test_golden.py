"""Golden outputs: the read commands on the sample CRM, recorded and compared byte for byte.

Every list, show, report, day, pipeline, forecast, receivables, history, activity and
check command of the README runs against a copy of ``sample-repo/`` (today pinned to
2026-11-27 and git's dates pinned, as ``conftest.py`` does, and the time of day that
the SLA clocks and mail's waiting times count to, ``PLAINCRM_TIME``; two commits, by
anna and by ben), in text and with ``--json``.  Each output (exit code, stdout, stderr) is kept
in ``tests/data/golden/<case>.txt``; a test fails when a command's output differs from
its file, so a change meant to move code only (the redesign, issue 13) proves that it
changed no behaviour.

When an output changes on purpose (a new column, a reworded message, a new sample
record), rewrite the files and review the diff before committing it::

    PLAINCRM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py -p no:cacheprovider

(a case without a file is written the same way; without the variable it fails).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import git
from plaincrm.cli import cli
from plaincrm.crm.setup import sample_repo_dir

GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE = os.environ.get("PLAINCRM_UPDATE_GOLDEN") == "1"
SAMPLE = sample_repo_dir()


def _stems(folder: str) -> list[str]:
    return sorted(path.stem for path in (SAMPLE / folder).glob("*.md"))


def _cases() -> list[tuple[str, ...]]:
    """Every command line recorded (without ``-C``); text and JSON where both exist."""
    both: list[tuple[str, ...]] = [
        ("today",),
        ("today", "--all"),
        ("today", "--owner", "ben"),
        ("today", "--date", "2026-12-01"),
        ("plan",),
        ("plan", "--all"),
        ("plan", "2026-12-02", "--owner", "ben"),
        ("plan", "2026-11-28"),
        ("check",),
        ("client", "list"),
        ("client", "list", "+vip"),
        ("client", "list", "--tag", "horeca", "sort:name"),
        ("client", "list", "--owner", "ben"),
        ("task", "list"),
        ("task", "list", "--all"),
        ("task", "list", "--all", "--done"),
        ("task", "list", "--all", "--overdue"),
        ("task", "list", "--owner", "eva"),
        ("task", "list", "--all", "due.before:+7d", "record~danube"),
        ("deal", "list"),
        ("deal", "list", "--all"),
        ("deal", "list", "--all", "stage:won,lost"),
        ("deal", "list", "--owner", "ben"),
        ("pipeline",),
        ("pipeline", "--currency", "EUR"),
        ("pipeline", "--owner", "anna"),
        ("forecast",),
        ("forecast", "--by", "quarter", "--periods", "4"),
        ("forecast", "--currency", "EUR"),
        ("report", "lost"),
        ("report", "lost", "--currency", "EUR"),
        ("report", "competitors"),
        ("report", "stages"),
        ("report", "service"),
        ("report", "campaigns"),
        ("doc", "list"),
        ("doc", "list", "kind:invoice"),
        ("receivables",),
        ("receivables", "--client", "cafe-aurora"),
        ("ticket", "list"),
        ("ticket", "list", "--all"),
        ("campaign", "list"),
        ("mail", "list"),
        ("mail", "import", "mail/INBOX", "mail/Sent", "--dry-run", "--unmatched"),
        ("activity",),
        ("activity", "--by", "ben"),
        ("activity", "--since", "2026-11-01", "--until", "2026-11-25"),
        ("activity", "--since", "2026-11-26"),
        ("history", "danube-hotels", "--only"),
        ("history", "cafe-aurora", "--since", "2026-11-01"),
    ]
    for stem in _stems("clients"):
        both.append(("client", "show", stem))
        both.append(("history", stem))
    for stem in _stems("deals"):
        both.append(("deal", "show", stem))
        both.append(("history", f"deals/{stem}"))
    for stem in _stems("documents"):
        both.append(("doc", "show", stem))
    for stem in _stems("tickets"):
        both.append(("ticket", "show", stem))
        both.append(("history", f"tickets/{stem}"))
    for stem in _stems("campaigns"):
        both.append(("campaign", "show", stem))
        both.append(("campaign", "audience", stem))
    for stem in _stems("competitors"):
        both.append(("history", f"competitors/{stem}"))
    text_only: list[tuple[str, ...]] = [
        ("--help",),
        ("undo", "--dry-run"),
        ("campaign", "audience", "autumn-office-coffee-offer", "--csv"),
        ("export", "--type", "client"),
        ("export", "--type", "client", "--format", "json"),
        ("export", "--type", "client", "--format", "vcard"),
        ("export", "--type", "deal"),
        ("export", "--type", "task"),
        ("calendar", "--all"),
    ]
    return [*both, *((*args, "--json") for args in both), *text_only]


def _name(args: tuple[str, ...]) -> str:
    return re.sub(r"[^A-Za-z0-9.+~,=-]+", "_", " ".join(args)).strip("_")


CASES = _cases()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample CRM in a git repository of two commits: anna's, then ben's tickets."""
    root = tmp_path_factory.mktemp("golden") / "sample"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".plaincrm"))
    git(root, "init", "-q", "-b", "main")
    env = {
        "GIT_AUTHOR_NAME": "Anna Kovács",
        "GIT_AUTHOR_EMAIL": "anna@kovacs-trading.example",
        "GIT_COMMITTER_NAME": "Anna Kovács",
        "GIT_COMMITTER_EMAIL": "anna@kovacs-trading.example",
        "GIT_AUTHOR_DATE": "2026-11-25T09:00:00+01:00",
        "GIT_COMMITTER_DATE": "2026-11-25T09:00:00+01:00",
    }
    saved = {name: os.environ.get(name) for name in env}
    try:
        os.environ.update(env)
        git(root, "add", "-A", ":!tickets")
        git(root, "commit", "-q", "-m", "The sample CRM of Kovács Trading")
        os.environ.update(
            GIT_AUTHOR_NAME="Ben Novak",
            GIT_AUTHOR_EMAIL="ben@kovacs-trading.example",
            GIT_COMMITTER_NAME="Ben Novak",
            GIT_COMMITTER_EMAIL="ben@kovacs-trading.example",
            GIT_AUTHOR_DATE="2026-11-26T16:30:00+01:00",
            GIT_COMMITTER_DATE="2026-11-26T16:30:00+01:00",
        )
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "Service tickets of the week")
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return root


def _record(root: Path, args: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    out = f"$ plaincrm {' '.join(args)}\nexit: {result.exit_code}\n--- stdout\n{result.stdout}"
    if result.stderr:
        out += f"--- stderr\n{result.stderr}"
    # the one wall-clock value: iCalendar's DTSTAMP says when the file was written
    out = re.sub(r"^DTSTAMP:\d{8}T\d{6}Z$", "DTSTAMP:<now>", out, flags=re.M)
    return out.replace(str(root), "<CRM>")


@pytest.mark.parametrize("args", CASES, ids=[_name(args) for args in CASES])
def test_golden_output(
    sample: Path, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    monkeypatch.setenv("PLAINCRM_TIME", "10:30")  # the SLA clocks run to now
    monkeypatch.chdir(sample)  # mail import's relative SOURCEs
    got = _record(sample, args)
    path = GOLDEN / f"{_name(args)}.txt"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != got:
            path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path.name}: run with PLAINCRM_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")


def test_every_golden_file_has_a_case() -> None:
    """A case removed or renamed leaves no stale file behind."""
    names = {f"{_name(args)}.txt" for args in CASES}
    stale = sorted(path.name for path in GOLDEN.glob("*.txt") if path.name not in names)
    if UPDATE:
        for name in stale:
            (GOLDEN / name).unlink()
        return
    assert stale == []
