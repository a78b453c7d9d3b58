"""``plaincrm undo``: take back your last change, dropped while it is not pushed and
reverted once it is; refused when later changes build on it.  Real repositories:
a CRM on its own, and a bare remote with clones for what is pushed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import Team, make_team

from conftest import Crm, git
from plaincrm.cli import cli

EXIT_USAGE, EXIT_CONFLICT = 2, 8
ACME = "clients/acme-ltd.md"
BOLT = "clients/bolt.md"


@pytest.fixture
def team(tmp_path: Path, runner: CliRunner) -> Team:
    return make_team(tmp_path, runner, names=("anna", "ben"))


def fail_as(crm: Crm, user: str, *args: str, code: int) -> str:
    """Run a command as ``user`` that must fail with ``code``; its stderr."""
    result = crm.run(*args, env={"PLAINCRM_USER": user}, ok=False)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr


def head(crm: Crm) -> str:
    return crm.git("rev-parse", "HEAD").strip()


def body(crm: Crm, rev: str = "HEAD") -> str:
    return crm.git("log", "-1", "--format=%B", rev)


# ---------------------------------------------------------------- not pushed: dropped


def test_undo_drops_your_last_changes_one_after_the_other(crm: Crm) -> None:
    start = head(crm)
    crm.run("client", "add", "Acme Ltd", "--email", "info@acme.example")
    added = crm.read(ACME)
    crm.run("client", "set", "acme", "--email", "orders@acme.example")
    changed = head(crm)
    result = crm.run("undo")
    assert result.stdout.splitlines() == [
        f"Took back {changed[:7]} 2026-11-27 anna: client set: Acme Ltd (clients/acme-ltd.md)",
        "  clients/acme-ltd.md (Acme Ltd): email: orders@acme.example -> info@acme.example",
        "Dropped its commit (not pushed yet; git's reflog still has it).",
    ]
    assert crm.read(ACME) == added
    assert crm.commits()[0] == "client add: Acme Ltd (clients/acme-ltd.md)"
    assert crm.clean()
    crm.run("undo")
    assert not (crm.root / ACME).exists()
    assert head(crm) == start and crm.clean()
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert "your last change is the repository's first commit" in result.stderr
    assert "plaincrm init" in result.stderr
    assert crm.run("client", "list").stdout.strip() == "No clients yet."


def test_dry_run_says_what_and_how_and_changes_nothing(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("task", "add", "acme", "Call Jane", "--due", "2026-11-30")
    before, text = head(crm), crm.read(ACME)
    result = crm.run("undo", "--dry-run")
    assert result.stdout.splitlines() == [
        f"Your last change: {before[:7]} 2026-11-27 anna: task add: Call Jane "
        "(clients/acme-ltd.md)",
        "  clients/acme-ltd.md (Acme Ltd): task removed: Call Jane",
        "Undo would drop its commit (not pushed yet).",
        "Dry run: nothing was changed.",
    ]
    assert head(crm) == before and crm.read(ACME) == text and crm.clean()


def test_later_changes_to_other_files_are_kept(crm: Crm) -> None:
    """Anna and Ben share a machine: Anna's change is dropped from under Ben's later
    one, which is made again with its author, message and file."""
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Bolt")
    crm.run("client", "set", "acme", "--city", "Szeged")
    crm.run("client", "set", "bolt", "--city", "Pécs", env={"PLAINCRM_USER": "ben"})
    bens = crm.git("log", "-1", "--format=%an%n%ae%n%aI%n%B")
    crm.run("undo")
    assert "city" not in crm.read(ACME)
    assert "city: Pécs\n" in crm.read(BOLT)
    assert crm.git("log", "-1", "--format=%an%n%ae%n%aI%n%B") == bens
    assert crm.commits()[:3] == [
        "client set: Bolt (clients/bolt.md)",
        "client add: Bolt (clients/bolt.md)",
        "client add: Acme Ltd (clients/acme-ltd.md)",
    ]
    assert crm.clean()
    # Ben's undo takes back Ben's change, not Anna's
    crm.run("undo", env={"PLAINCRM_USER": "ben"})
    assert "city" not in crm.read(BOLT)
    said = fail_as(crm, "ben", "undo", code=EXIT_CONFLICT)
    assert "nothing of yours to undo: this CRM's history has no change plaincrm made as ben" in (
        said
    )


def test_a_later_change_to_the_same_file_by_anyone_blocks_the_undo(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "set", "acme", "--city", "Szeged")
    crm.run("client", "set", "acme", "--phone", "+36 1 111", env={"PLAINCRM_USER": "ben"})
    bens = head(crm)
    before = crm.read(ACME)
    anna = crm.git("rev-parse", "HEAD~1").strip()
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert result.stderr.splitlines()[:3] == [
        f"Error: cannot take back {anna[:7]} client set: Acme Ltd (clients/acme-ltd.md): later "
        "changes build on it, as they changed clients/acme-ltd.md after it:",
        f"  {bens[:7]} 2026-11-27 ben: client set: Acme Ltd (clients/acme-ltd.md)",
        "take those back first (each with 'plaincrm undo' by whoever made it), or change the "
        "record with plaincrm's commands",
    ]
    assert crm.read(ACME) == before and head(crm) == bens
    # a hand edit committed after it builds on it too
    crm.run("undo", env={"PLAINCRM_USER": "ben"})
    crm.write(ACME, crm.read(ACME).replace("Szeged", "Szeged  "))
    crm.git("commit", "-qam", "spaces")
    assert "spaces" in crm.fail("undo", code=EXIT_CONFLICT).stderr


def test_uncommitted_edits_of_its_files_block_the_undo(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Bolt")
    crm.run("client", "set", "bolt", "--city", "Pécs")
    crm.write(BOLT, crm.read(BOLT) + "A note typed by hand.\n")
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert (
        "clients/bolt.md has changes not committed yet, which undo would overwrite: commit "
        "them ('plaincrm sync' commits hand edits) or put them back ('git checkout -- FILE'), "
        "then run 'plaincrm undo' again"
    ) in result.stderr
    assert crm.read(BOLT).endswith("A note typed by hand.\n")
    # an edit of another file stays as it is, uncommitted
    crm.git("checkout", "--", BOLT)
    crm.write(ACME, crm.read(ACME) + "Elsewhere.\n")
    crm.run("undo")
    assert "city" not in crm.read(BOLT)
    assert crm.read(ACME).endswith("Elsewhere.\n")
    assert crm.git("status", "--porcelain").strip() == f"M {ACME}"


def test_hand_edits_and_merges_are_nobodys_change(crm: Crm) -> None:
    """A hand edit plaincrm committed before a command is not a change plaincrm made;
    `edit` is (the user made it through plaincrm)."""
    crm.run("client", "add", "Acme Ltd")
    crm.write(ACME, crm.read(ACME).replace("kind: company", "kind: company\ncity: Győr"))
    crm.run("task", "add", "acme", "Call")  # commits the hand edit first, on its own
    assert crm.commits()[:2] == [
        "task add: Call (clients/acme-ltd.md)",
        "hand edits to clients/acme-ltd.md",
    ]
    crm.run("undo")
    assert "Call" not in crm.read(ACME) and "city: Győr" in crm.read(ACME)
    result = crm.fail("undo", code=EXIT_CONFLICT)  # the client add: the hand edit builds on it
    assert "hand edits to clients/acme-ltd.md" in result.stderr


def test_an_edit_in_the_editor_is_your_change(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme Ltd")
    before = crm.read(ACME)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/Acme Ltd/Acme Holding/' \"$1\"\n")
    editor.chmod(0o755)
    crm.run("edit", "acme", env={"EDITOR": str(editor)})
    assert "Plaincrm-User: anna" in body(crm) and "Made-with" not in body(crm)
    result = crm.run("undo")
    assert "anna: edit: clients/acme-ltd.md" in result.stdout
    assert crm.read(ACME) == before and crm.clean()


def test_a_record_others_name_is_not_deleted(team: Team) -> None:
    """Taking back a client add while a later deal (another file) names the client."""
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd")
    anna.sync()
    ben.sync()
    ben.run("deal", "add", "acme", "Espresso")
    ben.sync()
    anna.sync()
    result = anna.fail("undo", code=EXIT_CONFLICT)
    assert (
        "client add: Acme Ltd (clients/acme-ltd.md): it would delete clients/acme-ltd.md, "
        "which deals/acme-ltd-espresso.md names; take those back or change them first"
    ) in result.stderr
    assert (anna.root / ACME).exists() and anna.clean()


def test_commits_before_the_user_trailer_are_yours_by_author(crm: Crm) -> None:
    """A commit made by an older plaincrm: the Made-with trailer and git's author."""
    crm.write(ACME, "---\nname: Acme Ltd\n---\n")
    crm.git("add", ACME)
    crm.git("commit", "-qm", "client add: Acme Ltd (clients/acme-ltd.md)\n\nMade-with: plaincrm")
    crm.run("undo")
    assert not (crm.root / ACME).exists()
    crm.write(ACME, "---\nname: Acme Ltd\n---\n")
    crm.git("add", ACME)
    crm.git(
        "-c", "user.name=Ben", "-c", "user.email=ben@example.com",
        "commit", "-qm", "client add: Acme Ltd (clients/acme-ltd.md)\n\nMade-with: plaincrm",
    )  # fmt: skip
    # Anna's last change is the first commit now, which nothing comes before
    assert "your last change is the repository's first commit" in (
        crm.fail("undo", code=EXIT_CONFLICT).stderr
    )
    assert crm.run("undo", env={"PLAINCRM_USER": "ben"}).exit_code == 0


def test_the_trailer_names_the_user_whoever_git_says_the_author_is(crm: Crm) -> None:
    """Commits authored as the acting plaincrm user (or not): the trailer decides."""
    crm.write(ACME, "---\nname: Acme Ltd\n---\n")
    crm.git("add", ACME)
    crm.git(
        "-c", "user.name=Shared Laptop", "-c", "user.email=laptop@example.com",
        "commit", "-qm", "client add: Acme Ltd\n\nMade-with: plaincrm\nPlaincrm-User: ben",
    )  # fmt: skip
    assert "your last change is the repository's first commit" in (
        crm.fail("undo", code=EXIT_CONFLICT).stderr
    )
    crm.run("undo", env={"PLAINCRM_USER": "ben"})
    assert not (crm.root / ACME).exists()


# ---------------------------------------------------------------- refusals


def test_no_undo_while_a_merge_is_unfinished(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.git("checkout", "-qb", "other")
    crm.write("notes.txt", "theirs\n")
    crm.git("add", "notes.txt")
    crm.git("commit", "-qm", "theirs")
    crm.git("checkout", "-q", "main")
    crm.write("notes.txt", "ours\n")
    crm.git("add", "notes.txt")
    crm.git("commit", "-qm", "ours")
    assert git_fails(crm.root, "merge", "other")  # a conflict: the merge waits
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert (
        "a merge is unfinished in this clone: 'plaincrm sync' concludes it, or abort it with "
        "'git merge --abort', then run 'plaincrm undo' again"
    ) in result.stderr


def git_fails(cwd: Path, *args: str) -> bool:
    import subprocess

    return subprocess.run(["git", *args], cwd=cwd, capture_output=True).returncode != 0


def test_nothing_to_undo_for_someone_without_changes(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    assert fail_as(crm, "ben", "undo", code=EXIT_CONFLICT) == (
        "Error: nothing of yours to undo: this CRM's history has no change plaincrm made as "
        "ben; undo takes back only your own changes (set PLAINCRM_USER if you are someone "
        "else)\n"
    )


def test_no_undo_without_git_or_without_commits(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "plain"
    assert runner.invoke(cli, ["init", str(root), "--no-git", "--user", "anna"]).exit_code == 0
    crm = Crm(root, runner)
    crm.run("client", "add", "Acme Ltd", env={"PLAINCRM_USER": "anna"})
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert "this CRM is not in a git repository with commits" in result.stderr


def test_no_undo_when_plaincrm_makes_no_commits(crm: Crm) -> None:
    crm.write("plaincrm.yaml", crm.read("plaincrm.yaml").replace("commit: true", "commit: false"))
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert "plaincrm makes no commits in this CRM (git: commit: false in plaincrm.yaml)" in (
        result.stderr
    )


def test_undo_takes_no_arguments(crm: Crm) -> None:
    assert "Got unexpected extra argument" in crm.fail("undo", "acme", code=EXIT_USAGE).stderr


# ---------------------------------------------------------------- pushed: reverted


def test_a_pushed_change_is_reverted_and_the_revert_shared(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd", "--phone", "+36 1 111 1111")
    anna.run("client", "set", "acme", "--phone", "+36 1 222 2222")
    anna.sync()
    pushed = head(anna)
    result = anna.run("undo", "--dry-run")
    assert "Undo would add a commit that reverts it (pushed: origin/main)." in result.stdout
    result = anna.run("undo")
    made = head(anna)
    assert result.stdout.splitlines()[-1] == (
        f"Commit {made[:7]} reverts it (pushed: origin/main; 'plaincrm sync' shares it)."
    )
    assert git(anna.root, "rev-parse", "HEAD~1").strip() == pushed
    assert body(anna) == (
        "undo: client set: Acme Ltd (clients/acme-ltd.md)\n\n"
        f"Takes back {pushed}.\n\n"
        "Made-with: plaincrm\nPlaincrm-User: anna\n"
        f"Plaincrm-Undoes: {pushed}\n\n"
    )
    assert 'phone: "+36 1 111 1111"' in anna.read(ACME) and anna.clean()
    team.sync_all()
    assert 'phone: "+36 1 111 1111"' in ben.read(ACME)
    history = ben.run("history", "acme").stdout
    assert "anna  phone: +36 1 222 2222 -> +36 1 111 1111" in history
    # undo again: the change before, past the undo and what it took back (same file)
    anna.run("undo")
    assert not (anna.root / ACME).exists()
    assert anna.clean()


def test_a_pushed_change_someone_built_on_is_not_reverted(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd")
    anna.sync()
    ben.sync()
    ben.run("client", "set", "acme", "--city", "Szeged")
    ben.sync()
    anna.sync()
    result = anna.fail("undo", code=EXIT_CONFLICT)
    assert "client add: Acme Ltd (clients/acme-ltd.md): later changes build on it" in (
        result.stderr
    )
    assert "ben: client set: Acme Ltd (clients/acme-ltd.md)" in result.stderr
    # once Ben took his back, Anna's can go
    ben.run("undo")
    ben.sync()
    anna.sync()
    anna.run("undo")
    assert not (anna.root / ACME).exists()


def test_a_change_followed_by_a_merge_is_reverted_even_unpushed(team: Team) -> None:
    """Anna's change waits unpushed while a sync merges Ben's work under it (the push
    failed): dropping it would rewrite a merge, so it is reverted."""
    anna, ben = team["anna"], team["ben"]
    ben.run("client", "add", "Bolt")
    ben.sync()
    anna.run("client", "add", "Acme Ltd")
    git(anna.root, "fetch", "-q", "origin")
    git(anna.root, "merge", "-q", "--no-edit", "origin/main")
    assert anna.git("rev-list", "--count", "--merges", "origin/main..HEAD").strip() == "1"
    result = anna.run("undo")
    assert "reverts it (a merge came after it)." in result.stdout
    assert not (anna.root / ACME).exists() and (anna.root / BOLT).exists()


def test_a_crm_in_a_folder_of_a_larger_repository(tmp_path: Path, runner: CliRunner) -> None:
    """Two CRMs side by side in one repository: undo in one takes back its own last
    change, past a later one of the other (made again on top, unchanged)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    crms = {}
    for name in ("north", "south"):
        assert runner.invoke(cli, ["init", str(repo / name), "--user", "anna"]).exit_code == 0
        crms[name] = Crm(repo / name, runner)
    north, south = crms["north"], crms["south"]
    north.run("client", "add", "Acme Ltd", env={"PLAINCRM_USER": "anna"})
    north.run("client", "set", "acme", "--city", "Szeged", env={"PLAINCRM_USER": "anna"})
    south.run("client", "add", "Bolt", env={"PLAINCRM_USER": "anna"})
    result = north.run("undo", env={"PLAINCRM_USER": "anna"})
    assert "client set: Acme Ltd (clients/acme-ltd.md)" in result.stdout
    assert "city" not in north.read(ACME) and south.read(BOLT).startswith("---\nname: Bolt\n")
    assert git(repo, "log", "--format=%s").splitlines()[:2] == [
        "client add: Bolt (clients/bolt.md)",
        "client add: Acme Ltd (clients/acme-ltd.md)",
    ]
    assert git(repo, "status", "--porcelain") == ""


def test_undos_started_at_once_each_take_back_one_change(crm: Crm) -> None:
    """Six changes, then six `undo` processes at once: one at a time (the write lock),
    each takes back the change before the last one's."""
    import os
    import subprocess
    import sys

    crm.run("client", "add", "Acme Ltd")
    added, start = crm.read(ACME), head(crm)
    for n in range(6):
        crm.run("client", "set", "acme", "--tag", f"t{n}")
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    base = [sys.executable, "-m", "plaincrm", "-C", str(crm.root), "undo"]
    runs = [
        subprocess.Popen(base, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    results = [(run.wait(), run.stderr.read() if run.stderr else b"") for run in runs]
    assert all(code == 0 for code, _ in results), results
    assert crm.read(ACME) == added
    assert head(crm) == start and crm.clean()


def test_undo_needs_to_know_who_you_are_and_git(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.run("client", "add", "Acme Ltd")
    empty = tmp_path / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.delenv("PLAINCRM_USER")
    result = crm.fail("undo", code=EXIT_USAGE)
    assert "who are you? set PLAINCRM_USER (or git's user.name) to undo your change" in (
        result.stderr
    )
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    result = crm.fail("undo", code=7)
    assert "git is not installed (or not on PATH): undo takes back git commits" in result.stderr


def test_a_change_of_no_file_is_said(crm: Crm) -> None:
    crm.git("commit", "-q", "--allow-empty", "-m", "nothing\n\nPlaincrm-User: anna")
    result = crm.fail("undo", code=EXIT_CONFLICT)
    assert "your last change, " in result.stderr
    assert "nothing, changed no file of this CRM" in result.stderr
