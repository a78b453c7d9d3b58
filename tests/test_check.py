"""``plaincrm check`` and how broken files are handled by every other command."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from conftest import Crm
from plaincrm.core.errors import EXIT_INVALID, EXIT_NO_REPO

GOOD = "---\nname: Good Ltd\nowner: anna\n---\n## Tasks\n- [ ] Call due:2026-11-27 id:good01\n"


def problems(crm: Crm) -> list[str]:
    result = crm.run("check", ok=False)
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


def test_clean_repository(crm: Crm) -> None:
    crm.write("clients/good.md", GOOD)
    result = crm.run("check")
    assert result.stdout == ""
    assert result.stderr == "OK: 1 record, no problems.\n"
    report = json.loads(crm.run("check", "--json").stdout)
    assert report == {"ok": True, "files": 1, "problems": []}


def test_each_kind_of_problem_is_located(crm: Crm) -> None:
    crm.write("clients/good.md", GOOD)
    crm.write("clients/yaml.md", "---\nname: Broken\nphone: [0123\nemail: x\n---\n")
    crm.write(
        "clients/schema.md",
        "---\nname: Schema\nkind: robot\nemail: nope\n"
        "created: 27/11/2026\ncontacts:\n  - role: buyer\n---\n",
    )
    crm.write(
        "clients/tasks.md",
        "---\nname: Tasks\n---\n\n## Tasks\n\n"
        "- [ ] Bad date due:2026-02-30\n- [ ] Bad time at:9.30 dur:forever\n"
        "- [ ] Dup one id:good01\n- [ ] Open but dated done:2026-11-01\n",
    )
    crm.write(
        "clients/conflict.md",
        "---\nname: C\n---\n<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> other\n",
    )
    (crm.root / "clients" / "latin1.md").write_bytes("---\nname: Caf\xe9\n---\n".encode("latin-1"))
    crm.write(
        "clients/owner.md",
        "---\nname: Owner\nowner: zoe\n---\n## Tasks\n- [ ] X owner:yves id:own001\n",
    )
    crm.write("clients/nofront.md", "Just some text\n")
    found = problems(crm)
    expected = [
        "clients/conflict.md:4: leftover git conflict marker: resolve the conflict",
        "clients/latin1.md:2: the file is not UTF-8 text (save it as UTF-8 in your editor)",
        "clients/nofront.md:1: no front matter: the file must start with a '---' line",
        "clients/owner.md:3: owner: 'zoe' is not a user in plaincrm.yaml",
        "clients/owner.md:6: owner:yves is not a user in plaincrm.yaml",
        "clients/schema.md:3: kind: expected company or person, not 'robot'",
        "clients/schema.md:4: email: expected an e-mail address like anna@example.com, not 'nope'",
        "clients/schema.md:5: created: expected a date like 2026-11-27, not '27/11/2026'",
        "clients/schema.md:7: contacts.0.name: is missing; add it, like name: Gábor Tóth",
        "clients/tasks.md:7: due:2026-02-30 is not a date (use YYYY-MM-DD)",
        "clients/tasks.md:8: at:9.30 is not a time (use HH:MM)",
        "clients/tasks.md:8: dur:forever is not a duration (use 30m, 1h, 1h30m)",
        "clients/tasks.md:10: open task has done:2026-11-01: tick the box ([x]) or remove done:",
    ]
    for line in expected:
        assert line in found, line
    assert any(line.startswith("clients/yaml.md:3: YAML does not parse") for line in found)
    assert "clients/tasks.md:9: duplicate task id 'good01' (also clients/good.md:6)" in found
    assert "clients/good.md:6: duplicate task id 'good01' (also clients/tasks.md:9)" in found
    result = crm.run("check", ok=False)
    assert result.exit_code == 1
    report = json.loads(crm.run("check", "--json", ok=False).stdout)
    assert report["ok"] is False
    assert {
        "path": "clients/schema.md",
        "line": 3,
        "message": "kind: expected company or person, not 'robot'",
    } in report["problems"]


def test_a_broken_file_does_not_stop_the_day(crm: Crm) -> None:
    crm.write("clients/good.md", GOOD)
    crm.write("clients/bad.md", "---\nname: Bad\ntags: [unclosed\n---\n## Tasks\n- [ ] Hidden\n")
    result = crm.run("today")
    assert "Call" in result.stdout and "Good Ltd" in result.stdout
    assert result.stderr.startswith("warning: clients/bad.md:")
    assert "(skipped)" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    listed = crm.run("client", "list").stdout
    assert "Good Ltd" in listed and "Bad" not in listed
    shown = crm.run("client", "show", "bad", ok=False)
    assert shown.exit_code == EXIT_INVALID
    assert shown.stderr.startswith("Error: clients/bad.md:")
    assert any(line.startswith("clients/bad.md:") for line in problems(crm))


def test_bad_settings_are_reported_by_check_and_refused_elsewhere(crm: Crm) -> None:
    config = crm.read("plaincrm.yaml").replace('start: "09:00"', "start: nine")
    crm.write("plaincrm.yaml", config)
    found = problems(crm)
    assert len(found) == 1
    assert found[0].startswith("plaincrm.yaml:") and "workday.start must be a time" in found[0]
    result = crm.fail("today", code=EXIT_NO_REPO)
    assert "the settings have problems" in result.stderr


def test_unreadable_index_folder_still_works(crm: Crm) -> None:
    crm.write("clients/good.md", GOOD)
    index = crm.root / ".plaincrm"
    index.mkdir(exist_ok=True)
    (index / "index.sqlite").write_bytes(b"this is not a database")
    assert "Call" in crm.run("today").stdout
    if os.geteuid() != 0:  # root ignores permissions
        os.chmod(index, stat.S_IRUSR | stat.S_IXUSR)
        try:
            assert "Call" in crm.run("today").stdout
        finally:
            os.chmod(index, stat.S_IRWXU)


def test_edit_checks_and_commits(crm: Crm, tmp_path: Path) -> None:
    crm.write("clients/good.md", GOOD)
    crm.git("add", ".")
    crm.git("commit", "-qm", "good")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/Good Ltd/Better Ltd/' \"$1\"\n")
    editor.chmod(0o755)
    result = crm.run("edit", "good", env={"EDITOR": str(editor)})
    assert "Saved clients/good.md." in result.stdout
    assert crm.commits()[0] == "edit: clients/good.md"
    assert "Made-with" not in crm.git("log", "-1", "--format=%B")  # the user wrote it
    history = json.loads(crm.run("history", "good", "--json").stdout)["events"]
    assert (history[0]["text"], history[0]["by_hand"]) == ("name: Good Ltd -> Better Ltd", True)
    breaker = tmp_path / "breaker.sh"
    breaker.write_text("#!/bin/sh\nsed -i 's/^name: .*/name: [oops/' \"$1\"\n")
    breaker.chmod(0o755)
    result = crm.run("edit", "good", env={"EDITOR": str(breaker)}, ok=False)
    assert result.exit_code == EXIT_INVALID
    assert "clients/good.md:2: YAML does not parse" in result.stderr
    assert "saved but not committed" in result.stderr
    assert crm.commits()[0] == "edit: clients/good.md"
    noop = tmp_path / "noop.sh"
    noop.write_text("#!/bin/sh\nexit 0\n")
    noop.chmod(0o755)
    assert "No changes" in crm.run("edit", "good", env={"EDITOR": str(noop)}).stdout


def test_an_edit_that_undoes_a_broken_edit_commits_nothing(crm: Crm, tmp_path: Path) -> None:
    crm.write("clients/good.md", GOOD)
    crm.git("add", ".")
    crm.git("commit", "-qm", "good")
    breaker = tmp_path / "breaker.sh"
    breaker.write_text("#!/bin/sh\nsed -i 's/^name: Good Ltd/name: [oops/' \"$1\"\n")
    breaker.chmod(0o755)
    result = crm.run("edit", "good", env={"EDITOR": str(breaker)}, ok=False)
    assert result.exit_code == EXIT_INVALID
    fixer = tmp_path / "fixer.sh"
    fixer.write_text("#!/bin/sh\nsed -i 's/^name: \\[oops/name: Good Ltd/' \"$1\"\n")
    fixer.chmod(0o755)
    result = crm.run("edit", "good", env={"EDITOR": str(fixer)})
    assert "Saved clients/good.md." in result.stdout
    assert crm.commits()[0] == "good"
    assert crm.clean()


def test_long_conflict_markers_are_found_too(crm: Crm) -> None:
    """Markers of another size (git's conflict-marker-size, or a merge driver's)."""
    crm.write(
        "clients/marked.md",
        "---\nname: Marked\n---\n"
        + "<" * 63
        + " ours\nA\n"
        + "=" * 63
        + "\nB\n"
        + ">" * 63
        + " theirs\n",
    )
    assert "clients/marked.md:4: leftover git conflict marker: resolve the conflict" in problems(
        crm
    )


def test_an_empty_value_is_reported_in_words(crm: Crm) -> None:
    crm.write("clients/empty.md", "---\nname:\nkind: company\n---\n")
    crm.write("deals/empty.md", "---\nclient: empty\ntitle: Deal\nstage:\n---\n")
    found = problems(crm)
    assert (
        "clients/empty.md:2: name: has no value; write text like Danube Hotels Zrt. after 'name:'"
        in found
    )
    assert "deals/empty.md:4: stage: has no value; write text like proposal after 'stage:'" in found
    assert not any("None" in line for line in found), found


def test_changing_a_broken_file_is_refused_with_its_location(crm: Crm) -> None:
    crm.write("clients/bad.md", "---\nname: Bad\ntags: [unclosed\n---\n")
    before = crm.read("clients/bad.md")
    result = crm.fail("task", "add", "bad", "Call", code=EXIT_INVALID)
    assert result.stderr.startswith("Error: clients/bad.md:3: YAML does not parse")
    assert "fix the file, then run the command again" in result.stderr
    assert crm.read("clients/bad.md") == before
