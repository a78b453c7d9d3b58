"""``plaincrm sync``: three clones of one CRM, a bare remote, real git."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import Team, identity, make_team

from conftest import Crm, git
from plaincrm.cli import cli
from plaincrm.core.index import INDEX_DIR
from plaincrm.core.records import CONFLICT_RE
from plaincrm.core.store import WRITE_LOCK

CLIENT = "clients/acme-ltd.md"


@pytest.fixture
def team(tmp_path: Path, runner: CliRunner) -> Team:
    return make_team(tmp_path, runner)


def set_line(clone: Crm, rel: str, old: str, new: str) -> None:
    """A hand edit in the editor: one line of a file replaced."""
    text = clone.read(rel)
    assert old in text, (old, text)
    clone.write(rel, text.replace(old, new, 1))


def no_markers(text: str) -> bool:
    return not any(CONFLICT_RE.match(line) for line in text.splitlines())


def all_tasks(clone: Crm) -> dict[str, dict[str, object]]:
    found = {}
    for state in ([], ["--done"]):
        for task in json.loads(clone.run("task", "list", "--all", *state, "--json").stdout):
            found[task["id"]] = task
    return found


def open_client(team: Team) -> tuple[str, str]:
    """Anna adds Acme with two tasks and shares it; everybody pulls it."""
    anna = team["anna"]
    anna.run("client", "add", "Acme Ltd", "--phone", "+36 1 111 1111")
    set_line(anna, CLIENT, "owner: anna\n", "owner: anna\ncity: Szeged\n")
    call = anna.run("task", "add", "acme", "Call Peter about the renewal").stdout.strip()
    offer = anna.run("task", "add", "acme", "Send the offer", "--due", "2026-12-01").stdout.strip()
    team.sync_all(rounds=1)
    return call, offer


def test_concurrent_changes_to_one_client_all_arrive_everywhere(team: Team) -> None:
    call, offer = open_client(team)
    anna, ben, carla = team["anna"], team["ben"], team["carla"]
    # anna adds a task and moves the client to Budapest
    contract = anna.run("task", "add", "acme", "Send the contract").stdout.strip()
    set_line(anna, CLIENT, "city: Szeged", "city: Budapest")
    # ben completes the call with a note
    ben.run("task", "done", call, "--note", "Wants three more licences.")
    # carla fixes the phone number and, by hand, sets another city
    set_line(carla, CLIENT, "+36 1 111 1111", "+36 1 222 2222")
    set_line(carla, CLIENT, "city: Szeged", "city: Debrecen")

    anna.sync()
    ben_out = ben.sync().stdout
    assert "Send the contract" in ben_out and "Came in" in ben_out
    carla_out = carla.sync().stdout
    team.sync_all()

    texts = {name: clone.read(CLIENT) for name, clone in team.clones.items()}
    assert len(set(texts.values())) == 1, texts
    text = texts["anna"]
    assert no_markers(text)
    data = json.loads(anna.run("client", "show", "acme", "--json").stdout)["client"]
    assert data["phone"] == "+36 1 222 2222"
    # anna's city was pushed first, so carla's merge kept it and logged carla's value
    assert data["city"] == "Budapest"
    assert "plaincrm: merge kept city: Budapest, other value Debrecen" in text
    assert "merge kept city: Budapest, other value Debrecen" in carla_out
    tasks = all_tasks(anna)
    assert {call, offer, contract} <= set(tasks)
    assert tasks[call]["done"] and tasks[call]["note"] == "Wants three more licences."
    assert not tasks[offer]["done"] and not tasks[contract]["done"]
    for clone in team.clones.values():
        assert clone.clean()
        clone.run("check")
    assert anna.git("rev-parse", "HEAD") == carla.git("rev-parse", "HEAD")


def test_first_sync_pushes_and_sets_upstream(tmp_path: Path, runner: CliRunner) -> None:
    team = make_team(tmp_path, runner, names=("anna", "ben"))
    assert git(team.remote, "log", "--format=%s", "main").splitlines()[-1] == "plaincrm init"
    anna = team["anna"]
    assert anna.git("rev-parse", "--abbrev-ref", "main@{upstream}").strip() == "origin/main"
    out = anna.sync().stdout
    assert "Nothing new on origin/main." in out
    assert "Nothing to push" in out


def test_hand_edits_are_committed_in_one_commit_listing_them(team: Team) -> None:
    open_client(team)
    ben = team["ben"]
    set_line(ben, CLIENT, "+36 1 111 1111", "+36 1 999 9999")
    ben.write("clients/new-one.md", "---\nname: New One\n---\n")
    before = len(ben.commits())
    out = ben.sync().stdout
    assert "Committed your edits: clients/acme-ltd.md, clients/new-one.md" in out
    commits = ben.commits()
    assert len(commits) == before + 1
    assert commits[0] == "sync: hand edits to clients/acme-ltd.md, clients/new-one.md"
    body = ben.git("log", "-1", "--format=%B")
    assert "- clients/acme-ltd.md\n- clients/new-one.md" in body
    assert "Made-with" not in body  # a hand edit, not a plaincrm change
    assert ben.clean()
    assert "New One" in git(team.remote, "show", "main:clients/new-one.md")


def test_two_people_create_the_same_client_both_keep_theirs(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Nova Kft.", "--phone", "+36 1 100")
    ben.run("client", "add", "Nova Kft.", "--phone", "+36 1 200")
    # ben's deal refers to his Nova; after the rename it must still do so
    ben.write(
        "deals/nova-espresso.md",
        "---\nclient: nova-kft\ntitle: Espresso machines\nstage: lead\n---\n",
    )
    anna.sync()
    out = ben.sync().stdout
    assert "Renamed your clients/nova-kft.md to clients/nova-kft-2.md" in out
    team.sync_all()
    for clone in team.clones.values():
        assert "+36 1 100" in clone.read("clients/nova-kft.md")
        assert "+36 1 200" in clone.read("clients/nova-kft-2.md")
        assert "client: nova-kft-2" in clone.read("deals/nova-espresso.md")
        clone.run("check")


def test_same_record_created_identically_on_both_sides_stays_one(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    text = "---\nname: Twin Ltd\n---\n"
    anna.write("clients/twin.md", text)
    ben.write("clients/twin.md", text)
    anna.sync()
    out = ben.sync().stdout
    assert "Renamed" not in out
    assert not (ben.root / "clients/twin-2.md").exists()


def test_record_deleted_on_one_side_and_changed_on_the_other_is_kept(team: Team) -> None:
    call, _ = open_client(team)
    anna, ben = team["anna"], team["ben"]
    (anna.root / CLIENT).unlink()
    anna.sync()
    ben.run("task", "done", call, "--note", "Still a client after all.")
    out = ben.sync().stdout
    assert f"{CLIENT}: deleted on one side, changed on the other; kept" in out
    message = ben.git("log", "-1", "--format=%B")
    assert message.startswith("sync: merge origin/main\n") and "#" not in message, message
    assert message.rstrip().endswith("Made-with: plaincrm")
    team.sync_all()
    for clone in team.clones.values():
        assert "Still a client after all." in clone.read(CLIENT)


def test_record_deleted_on_one_side_only_is_deleted(team: Team) -> None:
    open_client(team)
    anna = team["anna"]
    (anna.root / CLIENT).unlink()
    anna.sync()
    team.sync_all()
    assert not (team["carla"].root / CLIENT).exists()


def test_same_task_id_on_two_machines_keeps_both_tasks(team: Team) -> None:
    open_client(team)
    anna, ben = team["anna"], team["ben"]
    set_line(anna, CLIENT, "## Tasks\n\n", "## Tasks\n\n- [ ] Anna's task id:zz9zz9\n")
    set_line(ben, CLIENT, "## Tasks\n\n", "## Tasks\n\n- [ ] Ben's task id:zz9zz9\n")
    anna.sync()
    out = ben.sync().stdout
    assert "two tasks had the id zz9zz9" in out
    team.sync_all()
    text = team["carla"].read(CLIENT)
    assert "Anna's task" in text and "Ben's task" in text
    assert text.count("id:zz9zz9") == 1
    team["carla"].run("check")


def test_same_task_id_in_two_records_gets_a_fresh_id(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.write("clients/one.md", "---\nname: One\n---\n\n## Tasks\n\n- [ ] First id:qq7qq7\n")
    ben.write("clients/two.md", "---\nname: Two\n---\n\n## Tasks\n\n- [ ] Second id:qq7qq7\n")
    anna.sync()
    out = ben.sync().stdout
    assert "clients/two.md: task id qq7qq7 was used in another record too" in out
    team.sync_all()
    carla = team["carla"]
    assert "id:qq7qq7" in carla.read("clients/one.md")
    assert "id:qq7qq7" not in carla.read("clients/two.md")
    carla.run("check")


def test_sync_without_a_remote_says_how_to_add_one(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.write(CLIENT, crm.read(CLIENT).replace("Acme Ltd", "Acme Limited"))
    result = crm.fail("sync", code=7)
    assert "git remote add origin URL" in result.stderr
    assert crm.clean()  # the hand edit is committed all the same
    assert crm.commits()[0] == "sync: hand edits to clients/acme-ltd.md"


def test_sync_with_an_unreachable_remote_fails_clearly_and_keeps_work(
    crm: Crm, tmp_path: Path
) -> None:
    crm.git("remote", "add", "origin", str(tmp_path / "nowhere.git"))
    crm.run("client", "add", "Acme Ltd")
    crm.write(CLIENT, crm.read(CLIENT) + "\nMet them at the fair.\n")
    result = crm.fail("sync", code=7)
    assert "cannot reach the remote origin" in result.stderr
    # git's own reason, not the last line of its advice ("and the repository exists.")
    assert "nowhere.git' does not appear to be a git repository.  Your work" in result.stderr
    assert "Your work is committed in this clone" in result.stderr
    assert crm.clean()


def test_sync_outside_git_says_so(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "plain"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    result = Crm(root, runner).fail("sync", code=7)
    assert "is not in a git repository" in result.stderr and "git init" in result.stderr


def test_sync_refuses_during_an_unfinished_merge(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    set_line(anna, "plaincrm.yaml", 'start: "09:00"', 'start: "08:00"')
    anna.git("commit", "-qam", "earlier start")
    anna.git("push", "-q")
    set_line(ben, "plaincrm.yaml", 'start: "09:00"', 'start: "10:00"')
    ben.git("commit", "-qam", "later start")
    pull = subprocess.run(["git", "pull", "-q", "--no-rebase"], cwd=ben.root, capture_output=True)
    assert pull.returncode != 0
    result = ben.fail("sync", code=8)
    assert "a git merge is unfinished" in result.stderr
    assert "git merge --abort" in result.stderr


def test_conflict_in_a_settings_file_undoes_the_merge(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    set_line(anna, "plaincrm.yaml", 'end: "17:00"', 'end: "16:00"')
    anna.sync()
    set_line(ben, "plaincrm.yaml", 'end: "17:00"', 'end: "18:00"')
    head_before_sync = ben.git("rev-parse", "HEAD")
    result = ben.fail("sync", code=8)
    assert "could not merge plaincrm.yaml automatically" in result.stderr
    assert "nothing was pushed" in result.stderr
    assert not (ben.root / ".git" / "MERGE_HEAD").exists()
    assert ben.clean()
    assert ben.git("rev-parse", "HEAD^") == head_before_sync  # the hand edit commit stays
    assert 'end: "18:00"' in ben.read("plaincrm.yaml")


def test_sync_refuses_files_with_conflict_markers(team: Team) -> None:
    open_client(team)
    ben = team["ben"]
    set_line(
        ben,
        CLIENT,
        "city: Szeged\n",
        "<<<<<<< HEAD\ncity: Szeged\n=======\ncity: Pécs\n>>>>>>> x\n",
    )
    result = ben.fail("sync", code=8)
    assert f"{CLIENT}:6: leftover git conflict marker\n{CLIENT}:8: leftover" in result.stderr
    assert f"{CLIENT}:10: leftover" in result.stderr and f"{CLIENT}:7:" not in result.stderr
    assert "these files hold git conflict markers" in result.stderr
    assert not ben.clean()


def test_a_setext_heading_in_a_record_is_not_a_conflict_marker(team: Team) -> None:
    open_client(team)
    ben = team["ben"]
    set_line(ben, CLIENT, "\n## Tasks", "\nBackground\n=======\n\nSince 2019.\n\n## Tasks")
    out = ben.sync().stdout
    assert f"Committed your edits: {CLIENT}" in out
    assert ben.clean() and "=======" in git(team.remote, "show", f"main:{CLIENT}")
    assert "conflict marker" not in ben.run("check").stdout


def test_rejected_push_is_merged_and_retried(team: Team, tmp_path: Path) -> None:
    """Ben pushes again while Anna's sync is between its merge and its push."""
    open_client(team)
    anna, ben = team["anna"], team["ben"]
    ben.run("task", "add", "acme", "Ben's first task")
    ben.sync()
    ben.run("task", "add", "acme", "Ben's task pushed meanwhile")
    ben_sync = f"PLAINCRM_USER=ben {sys.executable} -m plaincrm -C {ben.root} sync"
    marker = tmp_path / "pushed-once"
    hook = anna.root / ".git" / "hooks" / "post-merge"
    hook.write_text(
        "#!/bin/sh\n"
        f"[ -e {marker} ] && exit 0\n"
        f"touch {marker}\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"{ben_sync} >/dev/null 2>&1\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    anna.run("task", "add", "acme", "Anna's task")
    out = anna.sync().stdout
    assert marker.exists()
    assert "after 1 retry" in out
    assert "Ben's first task" in out and "Ben's task pushed meanwhile" in out
    remote_text = git(team.remote, "show", f"main:{CLIENT}")
    for title in ("Anna's task", "Ben's first task", "Ben's task pushed meanwhile"):
        assert title in remote_text


def test_sync_keeps_the_commit_graph_current(team: Team) -> None:
    open_client(team)
    anna = team["anna"]
    graph = anna.root / ".git" / "objects" / "info" / "commit-graphs"
    plain = anna.root / ".git" / "objects" / "info" / "commit-graph"
    assert graph.exists() or plain.exists()
    verify = subprocess.run(["git", "commit-graph", "verify"], cwd=anna.root, capture_output=True)
    assert verify.returncode == 0


def test_crm_in_a_subfolder_of_a_bigger_repository(tmp_path: Path, runner: CliRunner) -> None:
    team = make_team(tmp_path, runner, names=("anna", "ben"), sub="crm")
    call, _ = open_client(team)
    anna, ben = team["anna"], team["ben"]
    assert (anna.root / ".gitattributes").exists()
    set_line(anna, CLIENT, "+36 1 111 1111", "+36 1 555 5555")
    ben.run("task", "done", call, "--note", "Done from the subfolder.")
    set_line(ben, CLIENT, "city: Szeged", "city: Győr")
    anna.sync()
    ben.sync()
    anna.sync()
    text = anna.read(CLIENT)
    assert "+36 1 555 5555" in text and "Done from the subfolder." in text and "Győr" in text
    assert no_markers(text)


def test_a_fresh_clone_gets_the_merge_driver_on_its_first_sync(team: Team) -> None:
    ben = team["ben"]
    config = ["git", "config", "--get", "merge.plaincrm.driver"]
    assert subprocess.run(config, cwd=ben.root, capture_output=True).stdout == b""
    ben.sync()
    driver = ben.git("config", "--get", "merge.plaincrm.driver").strip()
    assert driver.endswith("-m plaincrm merge-driver --marker-size %L %O %A %B %P")
    assert driver.startswith(sys.executable) or sys.executable in driver


def test_installed_command_two_clones_sync_back_and_forth(tmp_path: Path) -> None:
    """The console script, in two clones, without the user touching git."""
    exe = shutil.which("plaincrm")
    assert exe, "the plaincrm command is not installed"
    env = {**os.environ, "PLAINCRM_TODAY": "2026-11-27"}
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))

    def run(cwd: Path, *args: str, user: str) -> str:
        proc = subprocess.run(
            [exe, *args],
            cwd=cwd,
            env={**env, "PLAINCRM_USER": user},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    one = tmp_path / "one"
    run(tmp_path, "init", str(one), "--user", "anna", "--user", "ben", user="anna")
    git(one, "remote", "add", "origin", str(remote))
    run(one, "client", "add", "Acme Ltd", user="anna")
    task = run(one, "task", "add", "acme", "Call them", user="anna").strip()
    run(one, "sync", user="anna")
    git(tmp_path, "clone", "-q", str(remote), "two")
    two = tmp_path / "two"
    identity(two, "ben")
    run(two, "task", "done", task, "--note", "Called.", user="ben")
    run(one, "task", "add", "acme", "Write the offer", user="anna")
    run(two, "sync", user="ben")
    run(one, "sync", user="anna")
    out = run(two, "sync", user="ben")
    assert "Write the offer" in out
    for clone in (one, two):
        text = (clone / CLIENT).read_text()
        assert "Called." in text and "Write the offer" in text
    assert (one / CLIENT).read_text() == (two / CLIENT).read_text()


def test_sync_json_reports_what_came_in(team: Team) -> None:
    call, _ = open_client(team)
    anna, ben = team["anna"], team["ben"]
    anna.run("task", "done", call, "--note", "Called.")
    anna.sync()
    data = json.loads(ben.run("sync", "--json").stdout)
    assert data["remote"] == "origin" and data["branch"] == "main"
    assert data["incoming_commits"] == 1 and data["authors"] == ["anna"]
    assert data["incoming"] == [
        {
            "record": CLIENT,
            "record_title": "Acme Ltd",
            "changes": [
                {
                    "kind": "task-done",
                    "text": "task done: Call Peter about the renewal",
                    "field": None,
                    "note": "Called.",
                }
            ],
        }
    ]
    assert data["pushed"] == 0 and data["problems"] == [] and data["merge_notes"] == []


def test_sync_refuses_a_detached_head(team: Team) -> None:
    ben = team["ben"]
    ben.git("checkout", "-q", "--detach")
    result = ben.fail("sync", code=8)
    assert "HEAD is detached" in result.stderr and "git switch main" in result.stderr


def test_sync_with_two_remotes_and_no_upstream_asks_which(crm: Crm, tmp_path: Path) -> None:
    crm.git("remote", "add", "one", str(tmp_path / "one.git"))
    crm.git("remote", "add", "two", str(tmp_path / "two.git"))
    result = crm.fail("sync", code=7)
    assert "several remotes (one, two)" in result.stderr
    assert "git branch --set-upstream-to=REMOTE/main" in result.stderr


def test_sync_stops_when_git_will_not_merge_over_changes_outside_the_crm(
    tmp_path: Path, runner: CliRunner
) -> None:
    team = make_team(tmp_path, runner, names=("anna", "ben"), sub="crm")
    anna, ben = team["anna"], team["ben"]
    (anna.root.parent / "notes.txt").write_text("project notes\n")
    git(anna.root.parent, "add", "notes.txt")
    git(anna.root.parent, "commit", "-qm", "notes")
    anna.run("client", "add", "Acme Ltd")
    anna.sync()
    ben.run("client", "add", "Beta Kft.")
    (ben.root.parent / "notes.txt").write_text("my own notes, not committed\n")
    result = ben.fail("sync", code=7)
    assert "would be overwritten by merge" in result.stderr
    assert (ben.root.parent / "notes.txt").read_text() == "my own notes, not committed\n"


def test_a_push_the_remote_refuses_is_reported_not_retried(team: Team) -> None:
    hook = team.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed today' >&2\nexit 1\n")
    hook.chmod(0o755)
    anna = team["anna"]
    anna.run("client", "add", "Acme Ltd")
    result = anna.fail("sync", code=7)
    assert "pushing to origin failed" in result.stderr
    assert "Your work is committed in this clone" in result.stderr
    assert anna.clean()


def test_sync_waits_for_a_command_writing_records(team: Team) -> None:
    """sync takes the write lock: it never commits or merges over a command's half-done
    change, and a command started during a sync waits for it."""
    anna = team["anna"]
    anna.run("client", "add", "Acme Ltd")
    (anna.root / INDEX_DIR).mkdir(exist_ok=True)
    handle = os.open(anna.root / INDEX_DIR / WRITE_LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)  # as a command that is writing would
        env = {**os.environ, "PLAINCRM_USER": "anna"}
        run = subprocess.Popen(
            [sys.executable, "-m", "plaincrm", "-C", str(anna.root), "sync"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            run.wait(timeout=2)
        assert "acme-ltd" not in git(team.remote, "ls-tree", "-r", "--name-only", "HEAD")
    finally:
        os.close(handle)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert "acme-ltd" in git(team.remote, "ls-tree", "-r", "--name-only", "HEAD")


@pytest.mark.parametrize("style", ["diff3", "zdiff3"])
def test_a_users_diff3_conflict_style_does_not_leak_into_merged_records(
    team: Team, style: str
) -> None:
    open_client(team)
    anna, ben = team["anna"], team["ben"]
    ben.git("config", "merge.conflictStyle", style)
    set_line(anna, CLIENT, "city: Szeged", "city: Budapest")
    set_line(ben, CLIENT, "city: Szeged", "city: Debrecen")
    anna.sync()
    out = ben.sync().stdout
    assert "merge kept city: Budapest, other value Debrecen" in out
    text = ben.read(CLIENT)
    assert no_markers(text) and "|||||||" not in text, text
    assert text.count("\ncity:") == 1
    assert json.loads(ben.run("client", "show", "acme", "--json").stdout)["client"]["city"] == (
        "Budapest"
    )
    assert "does not parse" not in out
    ben.run("check")


@pytest.mark.parametrize("setting", ["diff.noprefix=true", "diff.suppressBlankEmpty=true"])
def test_what_came_in_is_read_whatever_the_users_diff_settings(team: Team, setting: str) -> None:
    call, _ = open_client(team)
    anna, ben = team["anna"], team["ben"]
    key, value = setting.split("=")
    ben.git("config", key, value)
    anna.run("task", "done", call, "--note", "Called.")
    anna.sync()
    data = json.loads(ben.run("sync", "--json").stdout)
    assert [change["text"] for record in data["incoming"] for change in record["changes"]] == [
        "task done: Call Peter about the renewal"
    ]


def test_a_deletion_undone_by_a_merge_stays_in_history_and_activity(team: Team) -> None:
    call, _ = open_client(team)
    anna, ben = team["anna"], team["ben"]
    (anna.root / CLIENT).unlink()
    anna.sync()
    ben.run("task", "done", call, "--note", "Still a client after all.")
    ben.sync()
    events = json.loads(ben.run("history", "acme", "--json").stdout)["events"]
    assert ("anna", "deleted") in {(e["who"], e["kind"]) for e in events}
    items = json.loads(ben.run("activity", "--json").stdout)["items"]
    assert ("anna", "deleted", CLIENT) in {(i["who"], i["category"], i["record"]) for i in items}


def test_a_twin_renamed_by_sync_keeps_its_own_history_only(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Delta", "--phone", "+36 1 100")
    ben.run("client", "add", "Delta", "--phone", "+36 1 200")
    ben.run("task", "add", "delta", "Call Delta")
    anna.sync()
    assert "Renamed your clients/delta.md to clients/delta-2.md" in ben.sync().stdout
    anna.sync()
    anna.run("task", "add", "clients/delta", "Visit Delta")  # anna's Delta, after the rename
    anna.sync()
    ben.sync()
    events = json.loads(ben.run("history", "clients/delta-2", "--json").stdout)["events"]
    got = [(e["who"], e["text"]) for e in events]
    assert got == [
        ("ben", "renamed from clients/delta.md"),
        ("ben", "task added: Call Delta"),
        ("ben", "record created"),
    ], got
    theirs = json.loads(ben.run("history", "clients/delta", "--json").stdout)["events"]
    assert [(e["who"], e["text"]) for e in theirs] == [
        ("anna", "task added: Visit Delta"),
        ("anna", "record created"),
    ]


# ---------------------------------------------------------------- what sync shares


def remote_files(team: Team) -> list[str]:
    return git(team.remote, "ls-tree", "-r", "--name-only", "main").split("\n")


def private_files(clone: Crm, tmp_path: Path) -> list[str]:
    """Files a user keeps in the CRM folder that are no records or settings, and what an
    interrupted write leaves; returned as sync names them."""
    clone.write("private-notes.txt", "salary of Peter: 9000\n")
    clone.write("ugyfelek.csv", "name,phone\nSecret Kft.,+36 1 000\n")
    clone.write("clients/.acme-ltd.md.1a2b3c4d.tmp", "---\nname: Half written\n---\n")
    clone.write("clients/drafts/maybe.md", "---\nname: Maybe Kft.\n---\n")
    clone.write("notes/meeting.md", "# Meeting\n")
    outside = tmp_path / "passwd"
    outside.write_text("root:x:0:0:root:/root:/bin/sh\n")
    (clone.root / "clients/evil.md").symlink_to(outside)
    (clone.root / "deals/link.md").symlink_to(clone.root / "clients/acme-ltd.md")
    return [
        "clients/.acme-ltd.md.1a2b3c4d.tmp (a temporary file)",
        "clients/drafts/maybe.md",
        "clients/evil.md (a symlink)",
        "deals/link.md (a symlink)",
        "notes/meeting.md",
        "private-notes.txt",
        "ugyfelek.csv",
    ]


def test_sync_shares_records_and_settings_and_leaves_other_files_alone(
    team: Team, tmp_path: Path
) -> None:
    open_client(team)
    anna, ben = team["anna"], team["ben"]
    before = remote_files(team)
    set_line(anna, CLIENT, "city: Szeged", "city: Budapest")
    anna.write("clients/new-one.md", "---\nname: New One\nowner: anna\n---\n")
    set_line(anna, "plaincrm.yaml", 'end: "17:00"', 'end: "16:00"')
    left = private_files(anna, tmp_path)
    result = anna.sync()
    shared = ["clients/acme-ltd.md", "clients/new-one.md", "plaincrm.yaml"]
    assert f"Committed your edits: {', '.join(shared)}" in result.stdout
    line = [text for text in result.stdout.splitlines() if text.startswith("Not shared")]
    assert line == [
        f"Not shared (not records or settings): {', '.join(left[:4])} and 3 more; "
        "commit with git what the team should have, or list it in .gitignore"
    ]
    assert anna.last_commit_files() == shared
    assert sorted(remote_files(team)) == sorted([*before, "clients/new-one.md"])
    log = git(team.remote, "log", "-p", "main")
    for secret in ("salary", "Secret Kft.", "Half written", "Maybe Kft.", "root:", "Meeting"):
        assert secret not in log
    status = anna.git("status", "--porcelain", "--untracked-files=all").splitlines()
    assert len(status) == len(left)  # all still there, untouched and uncommitted
    assert (anna.root / "ugyfelek.csv").read_text().startswith("name,phone")
    data = json.loads(anna.run("sync", "--json").stdout)
    assert data["committed"] == [] and data["left_alone"] == left
    ben.sync()
    assert "city: Budapest" in ben.read(CLIENT) and 'end: "16:00"' in ben.read("plaincrm.yaml")


def test_sync_without_a_remote_commits_only_records_and_settings(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme Ltd")
    set_line(crm, CLIENT, "owner: anna", "owner: ben")
    left = private_files(crm, tmp_path)
    result = crm.fail("sync", code=7)
    assert "git remote add origin URL" in result.stderr
    assert crm.commits()[0] == "sync: hand edits to clients/acme-ltd.md"
    assert crm.last_commit_files() == [CLIENT]
    assert len(crm.git("status", "--porcelain", "--untracked-files=all").splitlines()) == len(left)


def test_the_local_index_is_never_shared_nor_named_even_when_not_ignored(team: Team) -> None:
    anna = team["anna"]
    anna.write(".gitignore", "")
    anna.git("commit", "-qam", "no ignores")
    anna.run("client", "add", "Acme Ltd")
    assert (anna.root / INDEX_DIR).is_dir()
    out = anna.sync().stdout
    assert "Not shared" not in out and INDEX_DIR not in out
    assert not [path for path in remote_files(team) if path.startswith(INDEX_DIR)]


def test_a_deleted_record_and_a_deleted_gitkeep_are_shared(team: Team) -> None:
    open_client(team)
    anna = team["anna"]
    (anna.root / CLIENT).unlink()
    (anna.root / "clients/.gitkeep").unlink()
    anna.sync()
    assert CLIENT not in remote_files(team) and "clients/.gitkeep" not in remote_files(team)
    assert anna.clean()


# ---------------------------------------------------------------- broken files are not shared

BROKEN = "city: [Budapest"


def test_sync_refuses_hand_edits_that_break_a_record_and_commits_nothing(team: Team) -> None:
    open_client(team)
    anna = team["anna"]
    remote_head = git(team.remote, "rev-parse", "main")
    head = anna.git("rev-parse", "HEAD")
    set_line(anna, CLIENT, "city: Szeged", BROKEN)
    anna.write("clients/fine.md", "---\nname: Fine Kft.\nowner: anna\n---\n")
    anna.write(
        "deals/bad.md",
        "---\ntitle: Bad\nclient: acme-ltd\nstage: lead\nowner: anna\n---\n"
        "\n## Tasks\n\n- [ ] Call due:2026-13-45\n",
    )
    result = anna.fail("sync", code=6)
    assert result.stderr.startswith(f"Error: {CLIENT}:6: YAML does not parse"), result.stderr
    assert "deals/bad.md:10: due:2026-13-45 is not a date" in result.stderr
    assert "nothing was committed or pushed" in result.stderr
    assert anna.git("rev-parse", "HEAD") == head
    assert git(team.remote, "rev-parse", "main") == remote_head
    # fixed by hand, the next sync shares everything
    set_line(anna, CLIENT, BROKEN, "city: Budapest")
    set_line(anna, "deals/bad.md", "due:2026-13-45", "due:2026-12-15")
    anna.sync()
    assert "city: Budapest" in git(team.remote, "show", f"main:{CLIENT}")
    assert "Fine Kft." in git(team.remote, "show", "main:clients/fine.md")


def test_sync_refuses_settings_that_do_not_parse(team: Team) -> None:
    anna = team["anna"]
    set_line(anna, "plaincrm.yaml", 'end: "17:00"', 'end: ["17:00"')
    result = anna.fail("sync", code=6)
    assert "plaincrm.yaml:" in result.stderr and "nothing was committed" in result.stderr
    assert not anna.clean()


def test_sync_pushes_nothing_when_a_commit_of_yours_broke_a_record(team: Team) -> None:
    """A broken record committed past the hook (--no-verify, or a clone without it)."""
    open_client(team)
    anna, ben = team["anna"], team["ben"]
    remote_head = git(team.remote, "rev-parse", "main")
    set_line(anna, CLIENT, "city: Szeged", BROKEN)
    anna.git("commit", "-qnam", "moved")
    anna.run("client", "add", "Other Kft.")
    result = anna.fail("sync", code=6)
    assert f"{CLIENT}:6: YAML does not parse" in result.stderr
    assert "nothing was pushed" in result.stderr
    assert git(team.remote, "rev-parse", "main") == remote_head
    assert anna.clean()
    # ben's work keeps flowing meanwhile; anna's next sync merges it and still refuses
    ben.run("task", "add", "acme", "Ben's task")
    ben.sync()
    result = anna.fail("sync", code=6)
    assert "Ben's task" in anna.read(CLIENT) and "nothing was pushed" in result.stderr
    assert git(team.remote, "rev-parse", "main") == ben.git("rev-parse", "HEAD")
    set_line(anna, CLIENT, BROKEN, "city: Budapest")
    anna.sync()
    shared = git(team.remote, "show", f"main:{CLIENT}")
    assert "city: Budapest" in shared and "Ben's task" in shared
    anna.run("check")


def test_a_record_broken_by_a_teammate_is_reported_not_refused(team: Team) -> None:
    open_client(team)
    anna, ben, carla = team["anna"], team["ben"], team["carla"]
    set_line(ben, CLIENT, "city: Szeged", BROKEN)
    ben.git("commit", "-qnam", "ben breaks acme")
    ben.git("push", "-q")
    # anna changes another record, and another line of the record ben broke
    anna.run("client", "add", "Other Kft.")
    set_line(anna, CLIENT, "+36 1 111 1111", "+36 1 999 9999")
    result = anna.sync()
    assert f"{CLIENT}:6: YAML does not parse" in result.stderr
    assert "1 problem after the sync" in result.stderr
    shared = git(team.remote, "show", f"main:{CLIENT}")
    assert "+36 1 999 9999" in shared and "clients/other-kft.md" in remote_files(team)
    # a sync with nothing to send in a repository holding a broken record
    result = carla.sync()
    assert f"{CLIENT}:6: YAML does not parse" in result.stderr


def test_concurrent_task_moves_keep_one_schedule_whole(team: Team) -> None:
    _, offer = open_client(team)  # due 2026-12-01, no time
    anna, ben, carla = team["anna"], team["ben"], team["carla"]
    anna.run("task", "move", offer, "--due", "2026-12-20")
    ben.run("task", "move", offer, "--due", "2026-12-18", "--at", "09:00")
    anna.sync()
    out = ben.sync().stdout
    team.sync_all()
    logged = f"merge kept due:2026-12-20 on task {offer}, other value due:2026-12-18 at:09:00"
    assert f"Merged: {CLIENT}: changed on both sides: {logged}" in out
    for clone in (anna, ben, carla):
        task = all_tasks(clone)[offer]
        assert (task["due"], task["at"]) == ("2026-12-20", None), task
        assert f"plaincrm: {logged}" in clone.read(CLIENT)
