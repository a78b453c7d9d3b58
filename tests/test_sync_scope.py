"""``plaincrm sync`` checks what it touches: the records its push changes and those the
merge brings, with the rules across records those take part in; never every file for a
few.  A change that breaks a rule across records is refused as a broken file is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gitfixtures import Clone, Team, make_team

from conftest import Crm, git
from plaincrm.core import check, records
from plaincrm.core.check import FileRules
from plaincrm.core.records import Record
from plaincrm.git import sync as sync_module

CLIENT = "clients/acme-ltd.md"


@pytest.fixture
def team(tmp_path: Path, runner: CliRunner) -> Team:
    return make_team(tmp_path, runner, names=("anna", "ben"))


def remote_head(team: Team) -> str:
    return git(team.remote, "rev-parse", "main").strip()


def shared(team: Team, clone: Clone) -> None:
    """``clone`` shares its work and everybody pulls it."""
    clone.sync()
    for other in team.clones.values():
        if other is not clone:
            other.sync()


def acme_deal(team: Team) -> str:
    """Anna adds Acme and a deal with it; everybody has them."""
    anna = team["anna"]
    anna.run("client", "add", "Acme Ltd")
    ref = anna.run("deal", "add", "acme", "Espresso machines", "--amount", "1000").stdout
    shared(team, anna)
    return ref.splitlines()[0].strip()


def test_a_document_number_used_on_both_sides_is_refused(team: Team) -> None:
    deal = acme_deal(team)
    anna, ben = team["anna"], team["ben"]
    invoice = ("doc", "add", "invoice", deal, "--status", "issued", "--number", "INV-7")
    anna.run(*invoice, "--item", "Machine", "1", "1000", "0%")
    ben.run(*invoice, "--item", "Service", "1", "1000", "0%")
    anna.sync()
    before = remote_head(team)
    result = ben.fail("sync", code=6)
    assert "invoice number INV-7 is used twice" in result.stderr, result.stderr
    assert "nothing was pushed" in result.stderr
    assert remote_head(team) == before
    assert ben.clean()  # the merge is committed in ben's clone: nothing is lost
    # renumbered by hand, the next sync pushes everything
    ours = next(
        path
        for path in ben.git("ls-files", "documents").split()
        if "service" in ben.read(path).lower() and "INV-7" in ben.read(path)
    )
    text = ben.read(ours)
    ben.write(ours, text.replace("number: INV-7", "number: INV-8"))
    out = ben.sync().stdout
    assert "Pushed" in out
    assert "INV-8" in git(team.remote, "show", f"main:{ours}")


def test_a_reference_to_a_record_the_other_side_deleted_is_refused(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd")
    anna.run("client", "add", "Beta Kft.")
    shared(team, anna)
    ben.git("rm", "-q", CLIENT)
    ben.git("commit", "-qm", "Acme closed down")
    ben.sync()
    ref = anna.run("deal", "add", "acme", "Espresso machines").stdout.splitlines()[0]
    deal = f"deals/{ref.strip()}.md"
    before = remote_head(team)
    result = anna.fail("sync", code=6)
    assert f"{deal}:" in result.stderr and "client: 'acme-ltd' does not exist" in result.stderr
    assert "nothing was pushed" in result.stderr
    assert remote_head(team) == before
    # the deal moves to another client: shared
    anna.write(deal, anna.read(deal).replace("client: acme-ltd", "client: beta-kft"))
    anna.sync()
    assert "client: beta-kft" in git(team.remote, "show", f"main:{deal}")
    anna.run("check")


def test_a_broken_reference_the_remote_has_already_is_reported_not_refused(team: Team) -> None:
    """A teammate pushed a deal naming a missing client (past the hook); a sync that
    changes another line of that deal still pushes, and lists the problem."""
    deal = acme_deal(team)
    anna, ben = team["anna"], team["ben"]
    path = f"deals/{deal}.md"
    ben.write(path, ben.read(path).replace("client: acme-ltd", "client: nobody"))
    ben.git("commit", "-qnam", "ben names a client that does not exist")
    ben.git("push", "-q")
    anna.sync()
    anna.write(path, anna.read(path).replace("amount: 1000", "amount: 1200"))
    result = anna.sync()
    assert "client: 'nobody' does not exist" in result.stderr
    assert "amount: 1200" in git(team.remote, "show", f"main:{path}")


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the record files ``check``'s rules judge from now on."""
    judged: list[str] = []
    verdict = FileRules.verdict

    def counting(self: FileRules, record: Record, text: str) -> Any:
        judged.append(record.path)
        return verdict(self, record, text)

    monkeypatch.setattr(FileRules, "verdict", counting)
    return judged


def test_a_one_file_sync_checks_only_what_it_touches(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """300 clients, and no verdict kept that still holds (as after an upgrade of plaincrm):
    a sync that sends one task and the sync that receives it each judge that one file,
    not the 300."""
    anna, ben = team["anna"], team["ben"]
    for n in range(300):
        anna.write(f"clients/client-{n:03}.md", f"---\nname: Client {n}\nowner: anna\n---\n")
    anna.sync()
    ben.sync()
    anna.run("task", "add", "client-007", "Call about the renewal")
    monkeypatch.setattr(check, "VERDICT_VERSION", check.VERDICT_VERSION + 1)
    judged = counted(monkeypatch)
    sent = json.loads(anna.run("sync", "--json").stdout)
    assert judged == ["clients/client-007.md"], len(judged)
    assert sent["pushed"] == 1 and sent["checked"] == 1, sent
    judged.clear()
    received = json.loads(ben.run("sync", "--json").stdout)
    assert judged == ["clients/client-007.md"], len(judged)
    assert received["incoming_commits"] == 1 and received["checked"] == 1, received
    judged.clear()
    nothing = json.loads(ben.run("sync", "--json").stdout)
    assert nothing["checked"] == 0 and judged == []
    ben.run("check")


def test_a_push_overtaken_until_the_time_is_up_says_how_long_it_tried(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ben pushes again after every merge Anna's sync makes: Anna's sync keeps merging and
    trying within its time (here 1.5 s) and then gives up, saying how long it tried and
    why; nothing is forced, lost or left half-done."""
    monkeypatch.setattr(sync_module, "PUSH_SECONDS", 1.5)
    monkeypatch.setattr(sync_module, "PUSH_TRIES", 2)
    anna, ben = team["anna"], team["ben"]
    hook = anna.root / ".git" / "hooks" / "post-merge"
    hook.write_text(
        "#!/bin/sh\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"cd {ben.root} && git commit -q --allow-empty -m 'ben again' && git push -q\n"
    )
    hook.chmod(0o755)
    anna.run("client", "add", "Acme Ltd")
    ben.git("commit", "-q", "--allow-empty", "-m", "ben first")
    ben.git("push", "-q")
    result = anna.fail("sync", code=7)
    message = result.stderr
    assert "gave up pushing to origin/main after " in message, message
    assert "found that a teammate had pushed first" in message
    assert re.search(r"each of your \d+ push(es)? \(with [\d.]+ s of pauses in between\)", message)
    assert "your work is committed in this clone" in message
    assert CLIENT not in git(team.remote, "ls-tree", "-r", "--name-only", "main")
    assert anna.clean() and "ben first" in anna.git("log", "--format=%s")
    hook.unlink()
    anna.sync()
    assert CLIENT in git(team.remote, "ls-tree", "-r", "--name-only", "main")


def test_a_first_push_reads_no_record_whose_verdict_is_kept(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first push of a CRM (the remote has nothing yet) is checked whole, from the
    verdicts 'check' kept: no record file is parsed again."""
    for n in range(300):
        crm.write(f"clients/client-{n:03}.md", f"---\nname: Client {n}\nowner: anna\n---\n")
    crm.git("add", "clients")
    crm.git("commit", "-qm", "300 clients")
    crm.run("check")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    crm.git("remote", "add", "origin", str(remote))
    parsed: list[str] = []
    parse = records.parse_record

    def counting(rtype: Any, path: str, text: str) -> Record:
        parsed.append(path)
        return parse(rtype, path, text)

    monkeypatch.setattr(records, "parse_record", counting)
    data = json.loads(crm.run("sync", "--json").stdout)
    assert len(parsed) < 10, len(parsed)
    assert data["pushed"] and data["checked"] is None
    assert "clients/client-299.md" in git(remote, "ls-tree", "-r", "--name-only", "main")


def test_an_unrelated_broken_record_is_reported_and_does_not_stop_the_sync(team: Team) -> None:
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd")
    shared(team, anna)
    anna.write("clients/broken.md", "---\nname: Broken\ncity: [Budapest\n---\n")
    anna.git("add", "clients/broken.md")
    anna.git("commit", "--no-verify", "-qm", "a broken record, committed past the hook")
    anna.git("push", "-q", "origin", "main")
    ben.sync()  # it comes in
    ben.run("task", "add", "acme", "Call", "--due", "tomorrow")
    before = remote_head(team)
    done = ben.sync()
    assert remote_head(team) != before  # the task went out
    assert "clients/broken.md:3" in done.stdout + done.stderr
    report = json.loads(ben.run("sync", "--json").stdout)
    assert any(p["path"] == "clients/broken.md" for p in report["problems"])
