"""Nothing outside the CRM is read, nothing but the files named is shared: record folders
that are symlinks leaving the CRM are never read, and file names reach git literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import Team, make_team

from conftest import Crm, git


@pytest.fixture
def team(tmp_path: Path, runner: CliRunner) -> Team:
    return make_team(tmp_path, runner, names=("anna", "ben"))


def record(name: str, extra: str = "") -> str:
    return f"---\nname: {name}\nowner: anna\n{extra}---\n"


# ---------------------------------------------------------------- file names git could glob

# A hand-made file name that git reads as a pattern unless told otherwise, and names of
# other records the pattern matches: * and ? match any characters (across folders too),
# [...] one of a set.
GLOB_NAMES = {"*": ["abc", "zz"], "a?c": ["abc", "axc"], "[ab]c": ["ac", "bc"]}


def glob_named(crm: Crm, name: str) -> list[str]:
    """The records the pattern matches and the record ``name``, committed; its path last."""
    others = [f"clients/{other}.md" for other in GLOB_NAMES[name]]
    for other in others:
        crm.write(other, record(other[8:-3].title()))
    crm.git("add", "-A")
    crm.git("commit", "-qm", "clients")
    path = f"clients/{name}.md"
    crm.write(path, record("Made by hand"))
    crm.git("add", "--", f":(literal){path}")
    crm.git("commit", "-qm", "hand-named client")
    return [*others, path]


@pytest.mark.parametrize("name", GLOB_NAMES)
def test_a_command_on_a_glob_named_record_commits_that_file_only(crm: Crm, name: str) -> None:
    *others, path = glob_named(crm, name)
    for other in others:  # uncommitted hand edits to the files the name matches
        crm.write(other, crm.read(other) + "\nMet at the fair.\n")
    crm.run("task", "add", name, "Call them")
    assert crm.last_commit_files() == [path]
    assert crm.commits()[0].startswith("task add")
    changed = sorted(crm.git("status", "--porcelain").splitlines())
    assert changed == [f" M {other}" for other in others]


@pytest.mark.parametrize("name", GLOB_NAMES)
def test_history_of_a_glob_named_record_is_its_own(crm: Crm, name: str) -> None:
    *others, _ = glob_named(crm, name)
    for other in others:
        crm.write(other, crm.read(other).replace("owner: anna", "owner: anna\ncity: Pécs"))
    crm.git("commit", "-qam", "they move")
    out = crm.run("history", name, "--json").stdout
    assert "Pécs" not in out
    assert not any(other in out for other in others)


# ---------------------------------------------------------------- record folders elsewhere


def outside_folder(tmp_path: Path) -> Path:
    """A folder outside the CRM holding records: a client with a task due today, a deal,
    a broken record and one with a problem ``check`` would list."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "rival.md").write_text(
        "---\nname: Rival Secret\nemail: boss@rival.example\nowner: anna\n---\n\n"
        "## Tasks\n\n- [ ] Spy on Rival due:2026-11-27 id:spy001\n",
        encoding="utf-8",
    )
    (folder / "rival-deal.md").write_text(
        "---\ntitle: Rival Deal\nclient: acme\nstage: lead\nvalue: 5000 EUR\nowner: anna\n---\n",
        encoding="utf-8",
    )
    (folder / "broken.md").write_text("---\nname: [Unclosed\n---\n", encoding="utf-8")
    (folder / "nobody.md").write_text("---\nname: X\nowner: zed\n---\n", encoding="utf-8")
    return folder


def link_folders(crm: Crm, folder: Path, names: list[str]) -> None:
    """Record folders of the CRM replaced by symlinks to ``folder``."""
    for name in names:
        target = crm.root / name
        if target.exists():
            for child in target.iterdir():
                child.unlink()
            target.rmdir()
        target.symlink_to(folder, target_is_directory=True)


SECRETS = ("Rival", "rival", "boss@", "Spy", "Unclosed", "zed")


def shows_nothing_from_outside(text: str) -> None:
    assert not any(secret in text for secret in SECRETS), text


@pytest.fixture
def linked(crm: Crm, tmp_path: Path) -> Crm:
    """A CRM with a client of its own, whose competitors/, deals/ and tickets/ folders are
    symlinks to a folder outside it."""
    crm.run("client", "add", "Acme Ltd")
    crm.run("task", "add", "acme", "Call Acme", "--due", "2026-11-27")
    link_folders(crm, outside_folder(tmp_path), ["competitors", "deals", "tickets"])
    return crm


READERS = [
    ("today",),
    ("today", "--all", "--json"),
    ("plan", "--json"),
    ("task", "list", "--all"),
    ("task", "list", "--all", "--json"),
    ("client", "list", "--json"),
    ("deal", "list", "--json"),
    ("export", "--type", "competitor", "--format", "json"),
    ("export", "--type", "all", "--format", "json"),
    ("export", "--type", "task", "--format", "json"),
    ("check", "--json"),
    ("history", "acme", "--json"),
    ("pipeline",),
    ("forecast",),
    ("report", "competitors"),
]


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_record_folder_linked_out_of_the_crm_is_never_read(
    linked: Crm, args: tuple[str, ...]
) -> None:
    result = linked.run(*args, ok=False)
    assert result.exit_code in (0, 1), (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    shows_nothing_from_outside(result.stdout + result.stderr)
    if args[0] in ("today", "task"):
        assert "Call Acme" in result.stdout


def test_the_first_runs_quick_index_never_reads_a_folder_linked_out(
    linked: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plaincrm.core import firstrun

    monkeypatch.setattr(firstrun, "QUICK_MIN", 1)
    for n in range(3):
        linked.run("client", "add", f"Client {n}")
    for folder in (linked.root / ".plaincrm").iterdir():
        if folder.name.startswith("index"):
            folder.unlink()
    out = linked.run("today", "--all").stdout
    assert "Call Acme" in out
    shows_nothing_from_outside(out)


def test_a_record_folder_linked_inside_the_crm_is_read(crm: Crm) -> None:
    crm.write("archive/competitors/inside.md", "---\nname: Inside Rival\nowner: anna\n---\n")
    link_folders(crm, crm.root / "archive" / "competitors", ["competitors"])
    out = crm.run("export", "--type", "competitor", "--format", "json").stdout
    assert "Inside Rival" in out


def test_sync_shares_a_glob_named_record_and_nothing_it_matches(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    # files the names below match as patterns, which are no records: once committed by
    # hand, their later changes are not sync's to share
    anna.write("clients/drafts/maybe.md", record("Maybe"))
    anna.write("clients/.hidden.md", record("Hidden"))
    anna.git("add", "-A")
    anna.git("commit", "-qm", "drafts")
    anna.git("push", "-q")
    ben.run("client", "add", "Ben Kft.")  # anna's sync has a merge to make
    ben.sync()
    anna.write("clients/drafts/maybe.md", record("Maybe", "city: Secret City\n"))
    anna.write("clients/.hidden.md", record("Hidden", "city: Secret Town\n"))
    anna.write("clients/*.md", record("Star Kft."))
    anna.write("clients/[ab]c.md", record("Set Kft."))
    (anna.root / "clients/ac.md").symlink_to(anna.root / "clients/*.md")
    out = anna.sync().stdout
    assert "Committed your edits: clients/*.md, clients/[ab]c.md" in out
    assert anna.git("diff", "--cached", "--name-only") == ""  # nothing else staged
    hand_edits = anna.git("log", "-1", "--format=%H", "--grep=hand edits")
    assert anna.git("show", "--name-only", "--format=", hand_edits.strip()).split() == [
        "clients/*.md",
        "clients/[ab]c.md",
    ]
    assert "Secret" not in git(team.remote, "log", "-p", "main")
    shared = git(team.remote, "ls-tree", "-r", "--name-only", "main", "clients").split()
    assert sorted(shared) == [
        "clients/*.md",
        "clients/.gitkeep",
        "clients/.hidden.md",
        "clients/[ab]c.md",
        "clients/ben-kft.md",
        "clients/drafts/maybe.md",
    ]
    ben.sync()
    assert "Star Kft." in ben.read("clients/*.md")


def test_sync_never_reads_or_shares_through_a_folder_linked_out(team: Team, tmp_path: Path) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd")
    link_folders(anna, outside_folder(tmp_path), ["competitors", "deals"])
    anna.write("clients/evil.md", "")
    (anna.root / "clients/evil.md").unlink()
    (anna.root / "clients/evil.md").symlink_to(tmp_path / "elsewhere" / "rival.md")
    out = anna.sync()
    shows_nothing_from_outside(out.stdout)
    shared = git(team.remote, "ls-tree", "-r", "main").splitlines()
    assert not [line for line in shared if line.startswith("120000")]  # no symlink
    assert not any(secret in git(team.remote, "log", "-p", "main") for secret in SECRETS)
    ben.sync()
    assert "Acme Ltd" in ben.read("clients/acme-ltd.md")
