"""``edit`` says of a file what ``check`` says of it (issue 11, item 8): ``edit``
accepted an owner who is not a user, which ``check`` then rejected.  The pre-commit
hook judges each staged file on its own (what ``check`` finds in the file alone), so
what it says is a part of ``check``'s verdict, never more."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import Crm

# Files each with problems of one kind that only the settings or other records show.
FILES = {
    "clients/stranger.md": "---\nname: Stranger Ltd\nowner: stranger\n---\n",
    "clients/tokens.md": (
        "---\nname: Tokens\n---\n\n## Tasks\n\n"
        "- [ ] Call owner:stranger id:tok001\n- [ ] Mail done:2026-11-20 id:tok002\n"
    ),
    "deals/orphan.md": ("---\nclient: nobody\ntitle: Orphan\nstage: dreaming\namount: 100\n---\n"),
    "tickets/odd.md": (
        "---\nclient: acme-ltd\nsubject: Odd\nstatus: closed\nopened: 2026-11-20 10:00\n---\n"
    ),
    "campaigns/ghosts.md": (
        "---\nname: Ghosts\n---\n\n## Responses\n\n- 2026-11-20 nobody: interested\n"
    ),
    "documents/strange.md": ("---\nkind: brochure\ntitle: Strange\ndeal: acme-ltd-machines\n---\n"),
}


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    crm.run("deal", "add", "acme-ltd", "Machines", "--amount", "1000")
    return crm


def editor(tmp_path: Path, name: str, script: str) -> str:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def hook(crm: Crm, path: str) -> list[str]:
    crm.git("add", path)
    refused = subprocess.run(
        ["git", "commit", "-q", "-m", "by hand"], cwd=crm.root, capture_output=True, text=True
    )
    crm.git("reset", "-q", "HEAD", "--", path)
    lines = [line.removeprefix("Error: ") for line in refused.stderr.splitlines()]
    return [line for line in lines if line.startswith(f"{path}:")]


def test_edit_refuses_an_owner_who_is_not_a_user(acme: Crm, tmp_path: Path) -> None:
    stranger = editor(tmp_path, "stranger.sh", "sed -i 's/^owner: .*/owner: stranger/' \"$1\"")
    commits = acme.commits()
    result = acme.run("edit", "acme-ltd", env={"EDITOR": stranger}, ok=False)
    assert result.exit_code == 6
    assert "clients/acme-ltd.md:4: owner: 'stranger' is not a user in plaincrm.yaml" in (
        result.stderr
    )
    assert "saved but not committed" in result.stderr and acme.commits() == commits
    assert "clients/acme-ltd.md:4: owner: 'stranger'" in acme.run("check", ok=False).stdout


@pytest.mark.parametrize("path", sorted(FILES))
def test_edit_says_what_check_says_and_the_hook_no_more(
    acme: Crm, tmp_path: Path, path: str
) -> None:
    acme.write(path, FILES[path])
    checked = [line for line in acme.run("check", ok=False).stdout.splitlines()]
    mine = [line for line in checked if line.startswith(f"{path}:")]
    assert mine, checked
    touch = editor(tmp_path, "touch.sh", 'printf "\\n" >> "$1"')  # a change, no line moves
    edited = acme.run("edit", path.removesuffix(".md"), env={"EDITOR": touch}, ok=False)
    assert edited.exit_code == 6
    assert [line for line in edited.stderr.splitlines() if line.startswith(f"{path}:")] == mine
    assert set(hook(acme, path)) <= set(mine)


def test_edit_also_tells_what_lies_between_records(acme: Crm, tmp_path: Path) -> None:
    """A task id used twice is a problem of both files: edit says it of the file edited;
    the hook checks each staged file on its own (check reports both)."""
    acme.run("task", "add", "acme-ltd", "Call", "--due", "tomorrow")
    taken = acme.read("clients/acme-ltd.md").split(" id:")[1].split()[0]
    acme.run("client", "add", "Bolt")
    twin = editor(
        tmp_path, "twin.sh", f"printf -- '\\n## Tasks\\n\\n- [ ] Twin id:{taken}\\n' >> \"$1\""
    )
    result = acme.run("edit", "bolt", env={"EDITOR": twin}, ok=False)
    assert f"duplicate task id '{taken}' (also clients/acme-ltd.md:" in result.stderr


def test_edit_tells_an_invoice_number_used_twice(acme: Crm, tmp_path: Path) -> None:
    first = acme.run("doc", "add", "invoice", "acme-ltd-machines", "--status", "issued")
    second = acme.run("doc", "add", "invoice", "acme-ltd-machines", "--status", "issued")
    taken = acme.read(f"documents/{first.stdout.strip()}.md").split("number: ")[1].split()[0]
    same = editor(tmp_path, "same.sh", f"sed -i 's/^number: .*/number: {taken}/' \"$1\"")
    result = acme.run("edit", second.stdout.strip(), env={"EDITOR": same}, ok=False)
    assert result.exit_code == 6
    assert f"invoice number {taken} is used twice" in result.stderr
