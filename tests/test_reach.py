"""Nothing outside the CRM is read, nothing but the files named is shared: record folders
that are symlinks leaving the CRM are never read, and file names reach git literally."""

from __future__ import annotations

import pytest

from conftest import Crm


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
