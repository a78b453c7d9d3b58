"""``--as-of`` and the reports read from git's history (issue 16), on a CRM whose history
is built with controlled commit dates: June to August 2026, a merge, a rebase, a record
renamed and one deleted.  Every expected figure below is worked out by hand from the
story in ``history``.

The story (all commits at 10:00 UTC; anna owns the Acme deals, ben the Bolt ones):

* 06-01 init, clients Acme and Bolt (Bolt owned by ben)
* 06-02 anna: deal acme-machines 10,000 EUR, close 07-15, lead (10%)
* 06-03 ben: deal bolt-beans 2,000 EUR, close 07-20, lead (10%)
* 06-05 ben: deal bolt-cups 300 EUR, close 09-30, lead
* 06-10 anna: acme-machines -> proposal (50%)
* 06-20 anna: deal acme-grinder 1,000 EUR, close 08-10, lead
* 07-01 anna: a task on Acme, done on 07-08
* 07-05 anna: acme-machines won at 9,000 EUR
* 07-10 ben: bolt-beans close 07-20 -> 08-15 (slipped)
* 07-12 anna: acme-grinder lost (price)
* 07-14 ben, on branch side: bolt-beans amount 2,000 -> 2,500
* 07-15 anna, on main: deal acme-service 500 EUR, close 08-20, lead
* 07-16 merge of side into main (a merge commit)
* 07-20 acme-service.md renamed acme-ltd-service.md (git mv)
* 07-21 two mails recorded on Bolt's card (07-20 out, 07-21 in)
* 07-25 bolt-cups.md deleted (git rm)
* 07-26 ben, on branch feature: bolt-beans -> qualified (25%)
* 07-27 anna, on main: acme-ltd-service amount 500 -> 700
* 07-28 feature rebased onto main (its commit's author date stays 07-26, its commit
  date is 07-28) and main fast-forwarded
* 08-05 ben: bolt-beans won (2,500 EUR)
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from plaincrm.cli import cli

TODAY = "2026-09-01"
MAIL = """
## Mail

### Beans for the autumn

- 2026-07-20 09:00 out: Ben <ben@example.com> -> Bolt <buy@bolt.example>
  > The autumn price list.
- 2026-07-21 11:30 in: Bolt <buy@bolt.example> -> ben@example.com
  > Thanks, we'll order in August.
"""


class History:
    """The CRM of the story, and a way to run plaincrm in it on a given day."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.runner = CliRunner()

    def on(self, day: str, user: str = "anna", at: str = "10:00:00") -> dict[str, str]:
        stamp = f"{day}T{at}+00:00"
        return {
            **self.env,
            "PLAINCRM_TODAY": day,
            "PLAINCRM_USER": user,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }

    def run(self, day: str, *args: str, user: str = "anna", code: int = 0) -> Result:
        result = self.runner.invoke(
            cli, ["-C", str(self.root), *args], env=self.on(day, user), catch_exceptions=False
        )
        assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
        return result

    def git(self, day: str, *args: str, author_day: str | None = None) -> str:
        env = {**os.environ, **self.on(day)}
        if author_day:
            env["GIT_AUTHOR_DATE"] = f"{author_day}T10:00:00+00:00"
        return subprocess.run(
            ["git", *args], cwd=self.root, env=env, check=True, capture_output=True, text=True
        ).stdout

    def json(self, *args: str, day: str = TODAY) -> object:
        return json.loads(self.run(day, *args, "--json").stdout)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Anna Kovacs\n\temail = anna@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "TZ": "UTC",
    }
    root = tmp_path_factory.mktemp("story") / "crm"
    h = History(root, env)
    h.runner.invoke(
        cli, ["init", str(root), "--user", "anna", "--user", "ben"], env=h.on("2026-06-01")
    )
    h.run("2026-06-01", "client", "add", "Acme")
    h.run("2026-06-01", "client", "add", "Bolt", "--owner", "ben")
    deal = ("deal", "add")
    assert (
        h.run(
            "2026-06-02", *deal, "acme", "Machines", "--amount", "10000", "--close", "2026-07-15"
        ).stdout.strip()
        == "acme-machines"
    )
    h.run(
        "2026-06-03",
        *deal,
        "bolt",
        "Beans",
        "--amount",
        "2000",
        "--close",
        "2026-07-20",
        user="ben",
    )
    h.run(
        "2026-06-05", *deal, "bolt", "Cups", "--amount", "300", "--close", "2026-09-30", user="ben"
    )
    h.run("2026-06-10", "deal", "move", "acme-machines", "proposal")
    h.run("2026-06-20", *deal, "acme", "Grinder", "--amount", "1000", "--close", "2026-08-10")
    task = h.run(
        "2026-07-01", "task", "add", "acme", "Call about the service", "--due", "2026-07-08"
    ).stdout.strip()
    h.run("2026-07-05", "deal", "win", "acme-machines", "--amount", "9000")
    h.run("2026-07-08", "task", "done", task, "--no-note")
    h.run("2026-07-10", "deal", "set", "bolt-beans", "--close", "2026-08-15", user="ben")
    h.run("2026-07-12", "deal", "lose", "acme-grinder", "--reason", "price")
    h.git("2026-07-14", "checkout", "-q", "-b", "side")
    h.run("2026-07-14", "deal", "set", "bolt-beans", "--amount", "2500", user="ben")
    h.git("2026-07-15", "checkout", "-q", "main")
    h.run("2026-07-15", *deal, "acme", "Service", "--amount", "500", "--close", "2026-08-20")
    h.git("2026-07-16", "merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")
    h.git("2026-07-20", "mv", "deals/acme-service.md", "deals/acme-ltd-service.md")
    h.git("2026-07-20", "commit", "-qm", "acme-service is acme-ltd-service")
    card = root / "clients" / "bolt.md"
    card.write_text(card.read_text() + MAIL)
    h.git("2026-07-21", "commit", "-qam", "mail with Bolt")
    h.git("2026-07-25", "rm", "-q", "deals/bolt-cups.md")
    h.git("2026-07-25", "commit", "-qm", "bolt-cups was a duplicate")
    h.git("2026-07-26", "checkout", "-q", "-b", "feature")
    h.run("2026-07-26", "deal", "move", "bolt-beans", "qualified", user="ben")
    h.git("2026-07-27", "checkout", "-q", "main")
    h.run("2026-07-27", "deal", "set", "acme-ltd-service", "--amount", "700")
    h.git("2026-07-28", "checkout", "-q", "feature")
    h.git("2026-07-28", "rebase", "-q", "main")
    h.git("2026-07-28", "checkout", "-q", "main")
    h.git("2026-07-28", "merge", "-q", "--ff-only", "feature")
    h.run("2026-08-05", "deal", "win", "bolt-beans", user="ben")
    return h


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The story's days are UTC days (a commit at 10:00 UTC is on that day)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def deals_of(data: object) -> dict[str, dict[str, object]]:
    assert isinstance(data, list)
    return {d["ref"]: d for d in data}


# ---------------------------------------------------------------- --as-of


def test_the_story_has_a_merge_and_a_rebase_on_the_first_parent_line(history: History) -> None:
    line = history.git(TODAY, "log", "--first-parent", "--format=%ad %cd %P", "--date=short")
    entries = [row.split() for row in line.splitlines()]
    assert any(len(row) == 4 for row in entries)  # a merge: two parents
    assert entries[1][:2] == ["2026-07-26", "2026-07-28"]  # the rebased commit


def test_as_of_a_day_shows_the_deals_as_they_were_at_its_end(history: History) -> None:
    at = deals_of(history.json("deal", "list", "--all", "--as-of", "2026-06-10"))
    assert sorted(at) == ["acme-machines", "bolt-beans", "bolt-cups"]
    assert at["acme-machines"]["stage"] == "proposal" and at["acme-machines"]["weighted"] == 5000
    before = deals_of(history.json("deal", "list", "--as-of", "2026-06-09"))
    assert before["acme-machines"]["stage"] == "lead"
    now = deals_of(history.json("deal", "list", "--all"))
    assert sorted(now) == ["acme-grinder", "acme-ltd-service", "acme-machines", "bolt-beans"]


def test_as_of_a_minute(history: History) -> None:
    """Commits are at 10:00: at 09:59 the day's move is not made yet, at 10:00 it is."""
    early = deals_of(history.json("deal", "list", "--as-of", "2026-06-10 09:59"))
    assert early["acme-machines"]["stage"] == "lead"
    on_time = deals_of(history.json("deal", "list", "--as-of", "2026-06-10 10:00"))
    assert on_time["acme-machines"]["stage"] == "proposal"


def test_as_of_follows_the_first_parent_line_and_commit_times(history: History) -> None:
    """The side branch's change (made on 07-14) arrives with the merge on 07-16; the rebased
    move (written 07-26) with its commit on 07-28."""

    def beans(day: str) -> dict[str, object]:
        return deals_of(history.json("deal", "list", "--as-of", day))["bolt-beans"]

    assert beans("2026-07-15")["amount"] == 2000
    assert beans("2026-07-16")["amount"] == 2500
    assert beans("2026-07-26")["stage"] == "lead"
    assert beans("2026-07-27")["stage"] == "lead"
    assert beans("2026-07-28")["stage"] == "qualified"


def test_a_renamed_and_a_deleted_record_in_the_past(history: History) -> None:
    shown = history.json("deal", "show", "acme-service", "--as-of", "2026-07-18")
    assert (
        isinstance(shown, dict)
        and shown["amount"] == 500
        and shown["path"] == "deals/acme-service.md"
    )
    gone = history.run(TODAY, "deal", "show", "acme-service", "--as-of", "2026-07-20", code=3)
    assert "acme-service" in gone.stderr
    cups = history.run(TODAY, "deal", "show", "bolt-cups", "--as-of", "2026-07-24")
    assert "Cups" in cups.stdout
    history.run(TODAY, "deal", "show", "bolt-cups", code=3)


def test_the_output_says_which_commit_and_date_it_shows(history: History) -> None:
    commit = history.git(
        TODAY, "log", "-1", "--format=%H", "--first-parent", "--until=2026-06-10T23:59:59+00:00"
    ).strip()
    out = history.run(TODAY, "pipeline", "--as-of", "2026-06-10").stdout
    assert out.splitlines()[0] == (
        f"As of 2026-06-10: commit {commit[:7]} of 2026-06-10 10:00 "
        "(deal move: Machines lead -> proposal (deals/acme-machines.md))"
    )
    data = history.json("pipeline", "--as-of", "2026-06-10")
    assert isinstance(data, dict)
    assert data["as_of"] == {
        "asked": "2026-06-10",
        "commit": commit,
        "date": "2026-06-10T10:00:00+00:00",
        "subject": "deal move: Machines lead -> proposal (deals/acme-machines.md)",
    }


def test_the_past_is_judged_on_its_own_day(history: History) -> None:
    """bolt-beans was opened on 06-03 in lead (rotting after 30 days) and nothing happened
    to it until 07-10: as of 07-02 it is 29 days old, as of 07-09 it is rotting (36 days);
    the forecast as of 07-01 starts in July."""

    def attention(day: str) -> list[str]:
        board = history.json("pipeline", "--as-of", day)
        assert isinstance(board, dict)
        beans = [d for s in board["stages"] for d in s["deals"] if d["ref"] == "bolt-beans"]
        return [reason for reason in beans[0]["attention"] if reason.startswith("rotting")]

    assert attention("2026-07-02") == []
    assert attention("2026-07-09") == ["rotting: 36 days without activity in lead (limit 30)"]
    forecast = history.json("forecast", "--as-of", "2026-07-01")
    assert isinstance(forecast, dict)
    assert forecast["today"] == "2026-07-01"
    july = forecast["periods"][0]
    assert july["period"] == "2026-07" and july["weighted"] == {"EUR": 5200}


def test_client_show_and_receivables_as_of(history: History) -> None:
    card = history.json("client", "show", "acme", "--as-of", "2026-06-05")
    assert isinstance(card, dict)
    assert card["linked"]["deal"] == ["deals/acme-machines.md"]
    assert card["as_of"]["asked"] == "2026-06-05"
    history.run(TODAY, "receivables", "--as-of", "2026-06-05")


def test_a_date_before_the_first_commit_is_an_error(history: History) -> None:
    first = history.git(TODAY, "rev-list", "--max-parents=0", "HEAD").strip()
    result = history.run(TODAY, "pipeline", "--as-of", "2026-05-31", code=2)
    assert result.stderr == (
        f"Error: 2026-05-31 is before the first commit of this CRM (commit {first[:7]} of "
        "2026-06-01 10:00): give a date on or after 2026-06-01\n"
    )
    bad = history.run(TODAY, "forecast", "--as-of", "last tuesday at noon", code=2)
    assert "expected DATE or 'DATE HH:MM'" in bad.stderr
    assert (
        "is not a time"
        in history.run(TODAY, "forecast", "--as-of", "2026-06-10 25:00", code=2).stderr
    )


def test_as_of_never_touches_the_work_tree_nor_the_index(history: History) -> None:
    root = history.root
    deal = root / "deals" / "acme-machines.md"
    before = deal.read_bytes()
    deal.write_bytes(before + b"\nA note typed by hand, not committed.\n")
    staged = root / "clients" / "acme.md"
    staged_before = staged.read_bytes()
    staged.write_bytes(staged_before + b"\nStaged, not committed.\n")
    history.git(TODAY, "add", "clients/acme.md")
    (root / "deals" / "scratch.md").write_text(
        "---\nclient: acme\ntitle: Scratch\nstage: lead\n---\n"
    )
    try:
        status = history.git(TODAY, "status", "--porcelain")
        files = {
            p: p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and ".git" not in p.parts and ".plaincrm" not in p.parts
        }
        git_index = (root / ".git" / "index").read_bytes()
        head = history.git(TODAY, "rev-parse", "HEAD")
        for args in (
            ("pipeline",),
            ("forecast",),
            ("receivables",),
            ("deal", "list"),
            ("deal", "show", "acme-machines"),
            ("client", "show", "acme"),
            ("report", "lost"),
            ("report", "stages"),
            ("report", "activity"),
        ):
            history.run(TODAY, *args, "--as-of", "2026-07-01")
        history.run(TODAY, "report", "movement", "--since", "2026-07-01", "--until", "2026-07-31")
        history.run(TODAY, "report", "forecast-accuracy")
        assert history.git(TODAY, "status", "--porcelain") == status
        assert (root / ".git" / "index").read_bytes() == git_index
        assert history.git(TODAY, "rev-parse", "HEAD") == head
        after = {
            p: p.read_bytes()
            for p in root.rglob("*")
            if p.is_file() and ".git" not in p.parts and ".plaincrm" not in p.parts
        }
        assert after == files
    finally:
        deal.write_bytes(before)
        history.git(TODAY, "reset", "-q", "clients/acme.md")
        staged.write_bytes(staged_before)
        (root / "deals" / "scratch.md").unlink()
    assert history.git(TODAY, "status", "--porcelain") == ""


def test_as_of_outside_git_says_why(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "crm"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    result = runner.invoke(cli, ["-C", str(root), "pipeline", "--as-of", "2026-06-01"])
    assert result.exit_code == 2
    assert "this CRM is not in a git repository" in result.stderr


# ---------------------------------------------------------------- report movement


def test_movement_bridges_the_pipeline_to_the_cent(history: History) -> None:
    """From the start of 07-16 to the end of 07-31.  Open at the start (end of 07-15):
    bolt-beans 2,000 (the merge is on 07-16), acme-service 500, bolt-cups 300 = 2,800.  By
    07-31: bolt-beans advanced to qualified and grew to 2,500 (+500); acme-service, renamed
    acme-ltd-service, grew to 700 (+200) and stalled in lead; bolt-cups was deleted (-300).
    2,800 + 0 + 700 - 0 - 0 - 0 - 300 = 3,200 = 2,500 + 700."""
    data = history.json("report", "movement", "--since", "2026-07-16", "--until", "2026-07-31")
    assert isinstance(data, dict)
    assert data["bridge"] == {
        "start": {"EUR": 2800},
        "new": {},
        "increases": {"EUR": 700},
        "decreases": {},
        "won": {},
        "lost": {},
        "removed": {"EUR": 300},
        "end": {"EUR": 3200},
    }
    kinds = {
        kind: [c["ref"] for c in changes] for kind, changes in data["deals"].items() if changes
    }
    assert kinds == {
        "advanced": ["bolt-beans"],
        "stalled": ["acme-ltd-service"],
        "increased": ["acme-ltd-service", "bolt-beans"],
        "removed": ["bolt-cups"],
    }
    service = data["deals"]["stalled"][0]
    assert service["before"]["path"] == "deals/acme-service.md"
    assert service["after"]["path"] == "deals/acme-ltd-service.md"


def test_movement_from_before_the_first_commit_counts_everything_new(history: History) -> None:
    """Nothing was open before 06-01.  New by 07-31: acme-machines 9,000 (opened and won),
    acme-grinder 1,000 (opened and lost), bolt-beans 2,500, acme-ltd-service 700 (bolt-cups
    came and went: not counted).  0 + 13,200 - 9,000 - 1,000 = 3,200."""
    data = history.json("report", "movement", "--since", "2026-05-01", "--until", "2026-07-31")
    assert isinstance(data, dict)
    bridge = {k: v for k, v in data["bridge"].items() if v}
    assert bridge == {
        "new": {"EUR": 13200},
        "won": {"EUR": 9000},
        "lost": {"EUR": 1000},
        "end": {"EUR": 3200},
    }
    assert data["start_commit"] is None


def test_movement_slipped_won_and_lost_and_the_text(history: History) -> None:
    """07-01 to 07-12: acme-machines won (its amount 10,000 -> 9,000: a decrease of 1,000
    and 9,000 won), bolt-beans slipped (close 07-20 -> 08-15: no stage change, mail or task
    done, so it stalled too, as bolt-cups did), acme-grinder lost (1,000).
    Open at the start: 10,000 + 2,000 + 300 + 1,000 = 13,300; at the end: 2,000 + 300 =
    2,300 = 13,300 - 1,000 - 9,000 - 1,000."""
    data = history.json("report", "movement", "--since", "2026-07-01", "--until", "2026-07-12")
    assert isinstance(data, dict)
    assert {k: v for k, v in data["bridge"].items() if v} == {
        "start": {"EUR": 13300},
        "decreases": {"EUR": 1000},
        "won": {"EUR": 9000},
        "lost": {"EUR": 1000},
        "end": {"EUR": 2300},
    }
    kinds = {
        kind: [c["ref"] for c in changes] for kind, changes in data["deals"].items() if changes
    }
    assert kinds == {
        "won": ["acme-machines"],
        "lost": ["acme-grinder"],
        "slipped": ["bolt-beans"],
        "decreased": ["acme-machines"],
        "stalled": ["bolt-beans", "bolt-cups"],
    }
    text = history.run(
        TODAY, "report", "movement", "--since", "2026-07-01", "--until", "2026-07-12"
    ).stdout
    assert "open at the start     13,300 EUR" in text
    assert "decreases          -   1,000 EUR" in text
    assert "open at the end    =   2,300 EUR" in text
    assert "bolt-beans  lead   2,000 EUR  2026-07-20 -> 2026-08-15  ben" in text


def test_movement_needs_since(history: History) -> None:
    result = history.run(TODAY, "report", "movement", code=2)
    assert "--since" in result.stderr


# ---------------------------------------------------------------- forecast accuracy


def test_forecast_accuracy_by_month(history: History) -> None:
    """June: no forecast (no commit before 06-01), nothing won.
    July, at its start (end of 06-30): acme-machines 10,000 x 50% = 5,000 (anna) and
    bolt-beans 2,000 x 10% = 200 (ben); 30 and 90 days before: no history.  Won in July:
    acme-machines 9,000.  Error: anna -4,000 (-44.4%), ben +200, total -3,800 (-42.2%).
    August, at its start (end of 07-31): acme-ltd-service 700 x 10% = 70 (anna),
    bolt-beans 2,500 x 25% = 625 (ben); 30 days before (end of 07-01): acme-grinder
    1,000 x 10% = 100 (anna).  Won: bolt-beans 2,500.  Error: anna +70, ben -1,875
    (-75.0%), total -1,805 (-72.2%).
    Bias: anna 5,070 against 9,000 (-3,930, -43.7%), ben 825 against 2,500 (-1,675,
    -67.0%), total 5,895 against 11,500 (-5,605, -48.7%): all under-forecast."""
    data = history.json("report", "forecast-accuracy", "--since", "2026-06-01")
    assert isinstance(data, dict)
    rows = [
        (r["period"], r["owner"], r["forecast"], r["won"], r["error"], r["error_percent"])
        for r in data["periods"]
    ]
    none = {"at_start": None, "30_days_before": None, "90_days_before": None}
    assert rows == [
        ("2026-06", None, none, {}, None, None),
        (
            "2026-07",
            "anna",
            {"at_start": {"EUR": 5000}, "30_days_before": None, "90_days_before": None},
            {"EUR": 9000},
            {"EUR": -4000},
            -44.4,
        ),
        (
            "2026-07",
            "ben",
            {"at_start": {"EUR": 200}, "30_days_before": None, "90_days_before": None},
            {},
            {"EUR": 200},
            None,
        ),
        (
            "2026-07",
            None,
            {"at_start": {"EUR": 5200}, "30_days_before": None, "90_days_before": None},
            {"EUR": 9000},
            {"EUR": -3800},
            -42.2,
        ),
        (
            "2026-08",
            "anna",
            {"at_start": {"EUR": 70}, "30_days_before": {"EUR": 100}, "90_days_before": None},
            {},
            {"EUR": 70},
            None,
        ),
        (
            "2026-08",
            "ben",
            {"at_start": {"EUR": 625}, "30_days_before": {}, "90_days_before": None},
            {"EUR": 2500},
            {"EUR": -1875},
            -75.0,
        ),
        (
            "2026-08",
            None,
            {"at_start": {"EUR": 695}, "30_days_before": {"EUR": 100}, "90_days_before": None},
            {"EUR": 2500},
            {"EUR": -1805},
            -72.2,
        ),
    ]
    summary = {
        s["owner"]: (s["forecast"], s["won"], s["bias"], s["bias_percent"], s["verdict"])
        for s in data["summary"]
    }
    assert summary == {
        "anna": ({"EUR": 5070}, {"EUR": 9000}, {"EUR": -3930}, -43.7, "under-forecast"),
        "ben": ({"EUR": 825}, {"EUR": 2500}, {"EUR": -1675}, -67.0, "under-forecast"),
        None: ({"EUR": 5895}, {"EUR": 11500}, {"EUR": -5605}, -48.7, "under-forecast"),
    }


def test_forecast_accuracy_per_owner_quarter_and_text(history: History) -> None:
    """Q3 (July to September) has not ended on 09-01: by quarter there is nothing yet;
    as of 10-01 Q3 has ended, and its forecast at the start (end of 06-30) was July's
    5,200 plus acme-grinder's 100 (August) and bolt-cups' 30 (September): 5,330."""
    data = history.json("report", "forecast-accuracy", "--by", "quarter")
    assert isinstance(data, dict) and data["periods"] == []
    later = history.json("report", "forecast-accuracy", "--by", "quarter", day="2026-10-01")
    assert isinstance(later, dict)
    total = later["periods"][-1]
    assert total["period"] == "2026-Q3" and total["owner"] is None
    assert total["forecast"]["at_start"] == {"EUR": 5330} and total["won"] == {"EUR": 11500}
    ben = history.json("report", "forecast-accuracy", "--owner", "ben", "--since", "2026-07-01")
    assert isinstance(ben, dict)
    assert {r["owner"] for r in ben["periods"]} == {"ben", None}
    text = history.run(TODAY, "report", "forecast-accuracy", "--since", "2026-06-01").stdout
    assert (
        "Total: forecast 5,895 EUR, won 11,500 EUR over 2 periods: "
        "under-forecast by 5,605 EUR (-48.7%)." in text
    )


# ---------------------------------------------------------------- activity


def test_activity_per_person(history: History) -> None:
    """From 07-01 to 09-01.  anna: the task done on 07-08; the log lines of acme-machines
    (won 07-05), acme-grinder (lost 07-12), acme-service (opened 07-15) and its amount
    (07-27): 3 deals touched, 2 stage changes, 1 opened.  ben: bolt-beans's close (07-10),
    amount (07-14), move (07-26) and win (08-05): 1 deal touched, 2 stage changes; and the
    two mails on Bolt's card (both for the card's owner, ben: no user of this CRM has an
    address in plaincrm.yaml to claim the outgoing one).
    Idle 14 days or more on 09-01: acme-ltd-service, opened 07-15 (48 days)."""
    data = history.json("report", "activity", "--since", "2026-07-01")
    assert isinstance(data, dict)
    people = {p["owner"]: p for p in data["people"]}
    assert {
        k: {n: v for n, v in p.items() if n not in ("owner", "week")} for k, p in people.items()
    } == {
        "anna": {
            "tasks_done": 1,
            "deals_touched": 3,
            "stage_changes": 2,
            "deals_opened": 1,
            "mails": 0,
        },
        "ben": {
            "tasks_done": 0,
            "deals_touched": 1,
            "stage_changes": 2,
            "deals_opened": 0,
            "mails": 2,
        },
    }
    assert data["idle"] == [
        {
            "ref": "acme-ltd-service",
            "title": "Service",
            "owner": "anna",
            "stage": "lead",
            "last_activity": "2026-07-15",
            "days": 48,
        }
    ]


def test_activity_by_week(history: History) -> None:
    """ben's weeks (named by their Mondays): 07-06 (the close moved on Friday 07-10), 07-13
    (the amount, 07-14), 07-20 (the two mails on Monday and Tuesday, and the move logged on
    Sunday 07-26), 08-03 (won on 08-05)."""
    data = history.json(
        "report", "activity", "--since", "2026-07-01", "--by", "week", "--owner", "ben"
    )
    assert isinstance(data, dict)
    weeks = [
        (p["week"], p["deals_touched"], p["stage_changes"], p["mails"]) for p in data["people"]
    ]
    assert weeks == [
        ("2026-07-06", 1, 0, 0),
        ("2026-07-13", 1, 0, 0),
        ("2026-07-20", 1, 1, 2),
        ("2026-08-03", 1, 1, 0),
    ]
    assert data["idle"] == []
