"""``today`` on a heavy day does the work of what it shows.

The text view shows the first ten records of each kind that need attention and
counts the rest: the deals beyond those ten are counted by SQL, never decoded,
flagged or joined with their clients.  No timing is asserted; the tests count
the work and compare the limited view with the whole one.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from itertools import product
from pathlib import Path

import pytest

from conftest import Crm
from plaincrm.core.store import Store
from plaincrm.sales import deals as pipeline
from plaincrm.tasks.agenda import day_view

DAY = date(2026, 11, 27)


def many_deals(crm: Crm) -> None:
    """Deals with zero to three flags (past close, rotting, no next step), owned by anna,
    by ben and by nobody."""
    crm.write("clients/acme.md", "---\nname: Acme Ltd\n---\n")
    for n, (close, created, task, owner) in enumerate(
        product(
            ["2026-10-01", "2026-12-24", ""],
            ["2026-01-05", "2026-11-20"],
            [True, False],
            ["anna", "ben", ""],
        )
    ):
        lines = [
            "---",
            "client: acme",
            f"title: Deal {n:02d}",
            "stage: lead",
            *([f"owner: {owner}"] if owner else []),
            *([f"close: {close}"] if close else []),
            f"created: {created}",
            "---",
        ]
        if task:
            lines += ["", "## Tasks", "", f"- [ ] Call due:2027-01-0{n % 9 + 1} id:call{n:02d}"]
        crm.write(f"deals/deal-{n:02d}.md", "\n".join(lines) + "\n")


@pytest.mark.parametrize("owner", ["anna", None])
def test_the_first_records_of_each_kind_are_those_of_the_whole_view(
    crm: Crm, owner: str | None
) -> None:
    many_deals(crm)
    store = Store(crm.root)
    whole = day_view(store, DAY, owner)
    assert len(whole.attention) > 12 and whole.unshown == {}
    for limit in (1, 3, 10):
        view = day_view(Store(crm.root), DAY, owner, limit)
        assert view.attention == whole.attention[:limit]
        assert view.unshown == {"deal": len(whole.attention) - limit}
    # the whole list: most flags first, then the soonest close, then the path
    deals = pipeline.flagged_deals(store, pipeline.settings(store), DAY, owner)
    keys = [(-len(d.flags), d.close or "9999", d.path) for d in deals]
    assert keys == sorted(keys) and [d.path for d in deals] == [a.path for a in whole.attention]
    assert all(d.flags for d in deals)


def test_deals_beyond_those_shown_are_counted_not_read(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    many_deals(crm)
    flagged: list[str] = []
    flags = pipeline.deal_flags

    def counting(
        settings: pipeline.Pipeline, day: date, facts: dict[str, object], card: object = None
    ) -> object:
        flagged.append(str(facts["title"]))
        return flags(settings, day, facts, card)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "deal_flags", counting)
    text = crm.run("today").stdout
    assert len(flagged) == 10
    total = len(json.loads(crm.run("today", "--json").stdout)["attention"])
    assert f"... and {total - 10} more deals (--json lists them all)" in text
    assert len(flagged) == 10 + total


def test_today_takes_up_the_look_git_began_before_its_modules_loaded(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plaincrm.git import repo as gitrepo

    crm.write("clients/acme.md", "---\nname: Acme Ltd\n---\n## Tasks\n- [ ] Call due:2026-11-27\n")
    crm.run("today")
    looks: list[list[str]] = []
    popen = subprocess.Popen

    def counting(args: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        if "diff-files" in args:
            looks.append(args)
        return popen(args, **kwargs)  # type: ignore[call-overload, no-any-return]

    started: list[Path] = []
    start = gitrepo.start_changes

    def starting(cwd: Path, folders: list[str]) -> None:
        started.append(cwd)
        start(cwd, folders)

    monkeypatch.setattr(gitrepo.subprocess, "Popen", counting)
    monkeypatch.setattr(gitrepo, "start_changes", starting)
    crm.write("clients/acme.md", "---\nname: Acme Ltd\n---\n## Tasks\n- [ ] Mail due:2026-11-27\n")
    out = crm.run("today").stdout
    assert "Mail" in out and "Call" not in out  # the hand edit is seen
    assert started == [crm.root.resolve()]  # before the command's modules are imported
    assert len(looks) == 1 and gitrepo._started == {}  # and taken up: git looked once
