"""``check`` judges each file's content once: verdicts kept in the index, never stale.

Each test counts the files ``check`` judges (``FileRules.verdict``) and asserts
on that work; no test times anything.  A warm check judges only what changed,
and whatever a verdict depends on besides the file (the settings, the schema,
other records) changes the outcome as it would on a fresh index.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Crm
from plaincrm.core import check, index, schemas
from plaincrm.core.index import INDEX_DIR, INDEX_NAME, Index

Judged = Callable[[], list[str]]


@pytest.fixture
def judged(monkeypatch: pytest.MonkeyPatch) -> Iterator[Judged]:
    """The paths ``check`` judged since the last call (in this process: fewer files
    than ``index.PARALLEL_MIN`` are judged without workers)."""
    seen: list[str] = []
    verdict = check.FileRules.verdict
    unreadable = check.FileRules.unreadable

    def counting(self: check.FileRules, record: check.Record, text: str) -> str:
        seen.append(record.path)
        return verdict(self, record, text)

    def counting_unreadable(self: check.FileRules, problem: check.Problem) -> str:
        seen.append(problem.path)
        return unreadable(self, problem)

    monkeypatch.setattr(check.FileRules, "verdict", counting)
    monkeypatch.setattr(check.FileRules, "unreadable", counting_unreadable)

    def take() -> list[str]:
        out = sorted(seen)
        seen.clear()
        return out

    yield take


def client(name: str, owner: str = "anna", extra: str = "") -> str:
    return f"---\nname: {name}\nowner: {owner}\n{extra}---\n\nNotes.\n"


def deal(client: str, stage: str, extra: str = "") -> str:
    return (
        f"---\nclient: {client}\ntitle: Licences\nstage: {stage}\nowner: anna\n{extra}---\n\n"
        "## Tasks\n\n- [ ] Call due:2026-12-01\n"
    )


def lines(crm: Crm) -> list[str]:
    result = crm.run("check", ok=False)
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout.splitlines()


def small_crm(crm: Crm) -> None:
    for n in range(6):
        crm.write(f"clients/c{n}.md", client(f"Client {n}"))
    crm.write("clients/acme.md", client("Acme"))
    crm.write("deals/acme-licences.md", deal("acme", "proposal"))
    crm.write("deals/c1-licences.md", deal("c1", "lead"))


def test_a_warm_check_judges_only_what_changed(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    assert lines(crm) == []
    first = judged()
    assert len(first) == len(set(first)) == 9  # each file once
    assert lines(crm) == [] and judged() == []
    crm.write("clients/c3.md", client("Client 3", extra="kind: robot\n"))
    assert lines(crm) == ["clients/c3.md:4: kind: expected company or person, not 'robot'"]
    assert judged() == ["clients/c3.md"]
    assert len(lines(crm)) == 1 and judged() == []  # the verdict with a problem is kept
    crm.write("clients/c3.md", client("Client 3"))
    assert lines(crm) == [] and judged() == []  # a content judged before
    crm.write("clients/c3.md", client("Client 3", extra="city: Pécs\n"))
    assert lines(crm) == [] and judged() == ["clients/c3.md"]
    # a file another command indexed is judged from its indexed rows, once
    crm.run("client", "add", "Zeta Ltd")
    crm.run("task", "list")
    assert judged() == []
    assert lines(crm) == [] and judged() == ["clients/zeta-ltd.md"]


def test_a_cold_check_judges_each_file_as_it_reads_it(
    crm: Crm, judged: Judged, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_crm(crm)
    from_rows: list[list[str]] = []
    judge_chunk = index._judge_chunk

    def counting(paths: list[str]) -> list[tuple[str, str, str]]:
        from_rows.append(paths)
        return judge_chunk(paths)

    monkeypatch.setattr(index, "_judge_chunk", counting)
    shutil.rmtree(crm.root / INDEX_DIR, ignore_errors=True)
    assert lines(crm) == []
    assert len(judged()) == 9 and from_rows == []  # no second reading of any file


def test_the_same_verdicts_from_the_indexed_rows_as_from_the_files(crm: Crm) -> None:
    """Judged while reading the files (a cold check) or from the rows another command
    indexed: the same problems."""
    small_crm(crm)
    crm.write("clients/schema.md", "---\nname: S\nkind: robot\nemail: nope\ncreated: 27/11\n---\n")
    crm.write("clients/yaml.md", "---\nname: Broken\nphone: [0123\n---\n")
    crm.write("clients/tasks.md", "---\nname: T\n---\n\n## Tasks\n\n- [ ] Bad due:2026-02-30\n")
    crm.write("deals/lost.md", deal("acme", "lost", "competitor: Nobody\n"))
    crm.write("deals/won.md", deal("gone", "won"))
    crm.write(
        "tickets/t.md",
        "---\nclient: acme\nsubject: Help\nstatus: closed\nopened: 2026-11-02 10:00\n---\n",
    )
    crm.write(
        "campaigns/spring.md",
        "---\nname: Spring\naudience: city:Pécs\nstart: 2026-03-01\nend: 2026-02-01\n---\n\n"
        "## Responses\n\n"
        "- 2026-03-02 acme: yes\n- 2026-03-03 nobody: maybe\n- 2026-03-04 acme: again\n"
        "- not a response\n",
    )
    shutil.rmtree(crm.root / INDEX_DIR, ignore_errors=True)
    cold = lines(crm)
    shutil.rmtree(crm.root / INDEX_DIR, ignore_errors=True)
    crm.run("task", "list")  # builds the index: no verdicts
    assert lines(crm) == cold
    assert len(cold) > 12
    assert "campaigns/spring.md:11: client 'nobody' does not exist (clients/nobody.md)" in cold
    assert "deals/won.md:2: client: 'gone' does not exist (clients/gone.md)" in cold


def test_a_settings_change_rejudges_what_reads_those_settings(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    assert lines(crm) == []
    judged()
    settings = crm.read("plaincrm.yaml")
    crm.write(
        "plaincrm.yaml",
        settings.replace("    - {name: proposal, probability: 50, rotting: 14}\n", ""),
    )
    assert lines(crm) == [
        "deals/acme-licences.md:4: stage: 'proposal' is not a stage of the pipeline "
        "(lead, qualified, negotiation, won, lost)"
    ]
    assert judged() == ["deals/acme-licences.md", "deals/c1-licences.md"]  # the deals only
    crm.write("plaincrm.yaml", settings)
    assert lines(crm) == [] and judged() == []  # the verdicts under these settings are kept
    # broken pipeline settings: reported, and the deals are not held against them
    crm.write("plaincrm.yaml", settings.replace("other_reasons: false", "other_reasons: perhaps"))
    found = lines(crm)
    assert len(found) == 1 and found[0].startswith("plaincrm.yaml:")
    assert judged() == ["deals/acme-licences.md", "deals/c1-licences.md"]


def test_lost_reasons_and_users_changed(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    crm.write("deals/lost.md", deal("acme", "lost", "closed: 2026-11-01\nlost_reason: timing\n"))
    crm.write("clients/bens.md", client("Ben's", owner="ben"))
    assert lines(crm) == []
    judged()
    settings = crm.read("plaincrm.yaml")
    crm.write("plaincrm.yaml", settings.replace("timing, ", ""))
    assert lines(crm) == [
        "deals/lost.md:7: lost_reason: 'timing' is not one of pipeline.lost_reasons "
        "(price, competitor, no budget, no decision, requirements not met)"
    ]
    assert "deals/lost.md" in judged()
    crm.write("plaincrm.yaml", settings.replace("  - name: ben\n", ""))
    assert lines(crm) == ["clients/bens.md:3: owner: 'ben' is not a user in plaincrm.yaml"]
    assert "clients/bens.md" not in judged()  # owners are read from the index, not judged


def test_a_schema_change_rejudges_the_files_of_that_schema(
    crm: Crm, judged: Judged, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_crm(crm)
    assert lines(crm) == []
    judged()
    folder = tmp_path / "schema"
    shutil.copytree(schemas.schema_dir(), folder)
    path = folder / "client.schema.json"
    schema = json.loads(path.read_text())
    schema["required"] = [*schema.get("required", []), "city"]
    path.write_text(json.dumps(schema))
    monkeypatch.setattr(schemas, "schema_dir", lambda: folder)
    for cached in (schemas.load_schema, schemas.validator, schemas.valid):
        cached.cache_clear()
    try:
        found = lines(crm)
        assert found == [
            f"clients/{name}.md:1: city: is missing; add it, like city: Budapest"
            for name in sorted(["acme", *(f"c{n}" for n in range(6))])
        ]
        assert len(judged()) == 9
    finally:
        for cached in (schemas.load_schema, schemas.validator, schemas.valid):
            cached.cache_clear()


def test_references_to_deleted_or_renamed_records(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    crm.write(
        "campaigns/spring.md",
        "---\nname: Spring\naudience: +vip\n---\n\n## Responses\n\n- 2026-03-02 c2: yes\n",
    )
    assert lines(crm) == []
    judged()
    (crm.root / "clients/c2.md").unlink()
    assert lines(crm) == ["campaigns/spring.md:8: client 'c2' does not exist (clients/c2.md)"]
    crm.git("add", "-A")
    crm.git("commit", "-qm", "records")
    crm.git("mv", "clients/acme.md", "clients/acme-kft.md")
    assert lines(crm) == [
        "campaigns/spring.md:8: client 'c2' does not exist (clients/c2.md)",
        "deals/acme-licences.md:2: client: 'acme' does not exist (clients/acme.md)",
    ]
    assert judged() == ["clients/acme-kft.md"]  # the renamed file only
    crm.write("clients/c2.md", client("Client 2"))
    crm.git("mv", "clients/acme-kft.md", "clients/acme.md")
    assert lines(crm) == []
    assert judged() == []  # c2 as it was, acme under its old name: judged before


def test_a_competitor_known_by_another_record(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    crm.write("competitors/contoso.md", "---\nname: Contoso\naliases: [Contoso Ltd]\n---\n")
    crm.write(
        "deals/lost.md",
        deal("acme", "lost", "closed: 2026-11-01\nlost_reason: competitor\ncompetitor: Globex\n"),
    )
    unknown = (
        "deals/lost.md:8: competitor 'Globex' is not known: add it to pipeline.competitors "
        "or create a competitors/ card"
    )
    assert lines(crm) == [unknown]
    judged()
    crm.write("competitors/contoso.md", "---\nname: Contoso\naliases: [Contoso Ltd, Globex]\n---\n")
    assert lines(crm) == []
    assert judged() == ["competitors/contoso.md"]
    (crm.root / "competitors/contoso.md").unlink()
    assert lines(crm) == []  # no competitor known: any name goes
    crm.write("competitors/initech.md", "---\nname: Initech\n---\n")
    assert lines(crm) == [unknown]


def test_old_verdicts_are_forgotten_once_they_outnumber_the_files(crm: Crm) -> None:
    crm.write("clients/one.md", client("One"))
    lines(crm)
    db = sqlite3.connect(crm.root / INDEX_DIR / INDEX_NAME)
    old = [(f"x:clients/one.md:{n:040x}", "") for n in range(1100)]  # earlier contents
    db.executemany("INSERT INTO verdicts VALUES(?, ?)", old)
    db.commit()
    crm.write("clients/one.md", client("One", extra="city: Town\n"))
    lines(crm)
    assert db.execute("SELECT count(*) FROM verdicts").fetchone()[0] == 1
    db.close()


def test_the_hook_judges_each_staged_content_once(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    crm.write("clients/broken.md", "---\nname: Broken\nphone: [0123\n---\n")
    crm.git("add", "clients", "deals")
    refused = crm.fail("pre-commit", code=6)
    assert "clients/broken.md:3: YAML does not parse" in refused.stderr
    assert len(judged()) == 10
    again = crm.fail("pre-commit", code=6)  # the verdicts kept, the broken one too
    assert again.stderr == refused.stderr and judged() == []
    (crm.root / "clients/broken.md").unlink()
    crm.git("add", "clients")
    crm.run("pre-commit")
    assert judged() == []
    assert lines(crm) == [] and judged() == []  # check finds every content judged


def test_the_hook_reuses_what_check_judged(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    assert lines(crm) == []
    judged()
    crm.write("clients/c0.md", client("Client 0", extra="kind: robot\n"))
    crm.git("add", "clients", "deals")
    refused = crm.fail("pre-commit", code=6)
    assert "clients/c0.md:4: kind: expected company or person, not 'robot'" in refused.stderr
    assert judged() == ["clients/c0.md"]


def test_the_hook_keeps_its_verdicts_before_any_index_is_built(crm: Crm, judged: Judged) -> None:
    """A first commit of many files in a clone no command has indexed yet."""
    for n in range(1100):
        crm.write(f"clients/c{n}.md", client(f"Client {n}"))
    shutil.rmtree(crm.root / INDEX_DIR, ignore_errors=True)
    crm.git("add", "clients")
    crm.run("pre-commit")
    assert len(judged()) == 1100
    crm.run("pre-commit")
    assert judged() == []


def test_a_verdict_read_from_a_file_changed_since_it_was_indexed_is_not_kept(crm: Crm) -> None:
    """A campaign's verdict reads its text: when the file changed after the index read it
    (another process, between the refresh and the judging), the verdict holds for
    neither content and is not kept."""
    from plaincrm.core.model import TYPES
    from plaincrm.core.settings import read_config
    from plaincrm.core.store import ref_fields

    spring = "---\nname: Spring\naudience: +vip\n---\n\n## Responses\n\n- 2026-03-02 c2: yes\n"
    crm.write("campaigns/spring.md", spring)
    crm.run("task", "list")  # indexed, not judged
    crm.write("campaigns/spring.md", spring + "- not a response\n")
    index = Index(crm.root, TYPES.values(), ref_fields)  # not brought up to date
    index.verdicts(check.FileRules(read_config(crm.root)))
    assert index.conn.execute("SELECT count(*) FROM verdicts").fetchone()[0] == 0
    found = lines(crm)
    assert "campaigns/spring.md:9: not a response line" in found[-1]
    assert "campaigns/spring.md:8: client 'c2' does not exist (clients/c2.md)" in found


def test_the_hook_does_not_wait_for_a_build_to_keep_its_verdicts(crm: Crm, judged: Judged) -> None:
    small_crm(crm)
    crm.write("clients/c0.md", client("Client 0", extra="kind: robot\n"))
    crm.run("task", "list")
    crm.git("add", "clients", "deals")
    builder = sqlite3.connect(crm.root / INDEX_DIR / INDEX_NAME, isolation_level=None)
    builder.execute("BEGIN IMMEDIATE")  # as a build writing the index for seconds
    try:
        refused = crm.fail("pre-commit", code=6)
    finally:
        builder.execute("ROLLBACK")
        builder.close()
    assert "clients/c0.md:4: kind: expected company or person, not 'robot'" in refused.stderr
    assert len(judged()) == 9
    crm.fail("pre-commit", code=6)
    assert len(judged()) == 9  # nothing was kept: judged again
