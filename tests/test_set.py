"""``client set``, ``ticket set``, ``doc set`` and ``deal set --field``: one mechanism
that changes a record's details with minimal diffs, checked as ``check`` checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import Crm

EXIT_USAGE, EXIT_NOT_FOUND, EXIT_INVALID = 2, 3, 6

ACME = "clients/acme-ltd.md"
HAND_WRITTEN = """\
---
name: Acme Ltd   # the trading name
kind: company
email: 'info@acme.example'
phone: "+36 1 234 5678"
city: Budapest
tags:
  - wholesale   # since 2024
  - prospect
owner: anna
created: 2026-01-15
board_day: first Tuesday
contacts:
  - name: Jane Roe
---

Notes stay as they are.

## Tasks

- [ ] Call Jane due:2026-11-30 id:k3x9mw
"""


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.write(ACME, HAND_WRITTEN)
    crm.git("add", "-A")
    crm.git("commit", "-qm", "Acme by hand")
    return crm


def diff(crm: Crm, path: str = ACME) -> list[str]:
    """The removed and added lines of the last commit's change to ``path``."""
    out = crm.git("diff", "-U0", "HEAD~1", "HEAD", "--", path).splitlines()
    return [line for line in out if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def test_client_set_changes_only_the_lines_of_the_changed_values(acme: Crm) -> None:
    before = len(acme.commits())
    result = acme.run(
        "client", "set", "acme", "--email", "orders@acme.example", "--city", "",
        "--tag", "vip", "--untag", "prospect", "--owner", "ben",
    )  # fmt: skip
    assert result.stdout == (
        "acme-ltd: changed email info@acme.example -> orders@acme.example; city Budapest -> "
        "none; owner anna -> ben; tags + vip; - prospect\n"
    )
    assert sorted(diff(acme)) == sorted(
        [
            "-email: 'info@acme.example'",
            "+email: 'orders@acme.example'",
            "-city: Budapest",
            "-  - prospect",
            "+  - vip",
            "-owner: anna",
            "+owner: ben",
        ]
    )
    assert "tags:\n  - wholesale   # since 2024\n  - vip\nowner: ben\n" in acme.read(ACME)
    assert len(acme.commits()) == before + 1
    assert acme.commits()[0] == "client set: Acme Ltd (clients/acme-ltd.md)"
    assert acme.last_commit_files() == [ACME]
    assert "Plaincrm-User: anna" in acme.git("log", "-1", "--format=%b")
    assert acme.clean()
    assert acme.run("check").exit_code == 0


def test_adding_tags_to_a_block_list_adds_lines_and_keeps_comments(acme: Crm) -> None:
    acme.run("client", "set", "acme", "--tag", "vip", "--tag", "horeca", "--tag", "wholesale")
    assert diff(acme) == ["+  - vip", "+  - horeca"]
    assert "  - wholesale   # since 2024\n" in acme.read(ACME)


def test_tags_of_a_flow_list_and_of_a_client_without_tags(crm: Crm) -> None:
    crm.run("client", "add", "Bolt", "--tag", "a", "--tag", "b")
    crm.run("client", "set", "bolt", "--tag", "c", "--untag", "a")
    assert "tags: [b, c]\n" in crm.read("clients/bolt.md")
    crm.run("client", "set", "bolt", "--untag", "b", "--untag", "c")
    assert "tags" not in crm.read("clients/bolt.md")
    crm.run("client", "set", "bolt", "--tag", "new one")
    assert "tags: [new one]\n" in crm.read("clients/bolt.md")


def test_custom_fields_are_set_and_cleared(acme: Crm) -> None:
    acme.run("client", "set", "acme", "--field", "vat_number=HU12345678")
    assert diff(acme) == ["+vat_number: HU12345678"]
    acme.run("client", "set", "acme", "--field", "board_day=", "--field", "zip=0123")
    assert diff(acme) == ["-board_day: first Tuesday", '+zip: "0123"']
    acme.run("client", "set", "acme", "--field", "country=NO")
    assert '+country: "NO"' in diff(acme)  # the text NO, never false
    shown = acme.run("client", "show", "acme", "--json").stdout
    assert '"country": "NO"' in shown and '"zip": "0123"' in shown


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--email", "not-an-email"], EXIT_INVALID,
         "not changing clients/acme-ltd.md: email: expected an e-mail address like "
         "anna@example.com, not 'not-an-email'"),
        (["--owner", "zoe"], EXIT_INVALID, "'zoe' is not a user in plaincrm.yaml; known users: "
         "anna, ben"),
        (["--name", ""], EXIT_INVALID,
         "not changing clients/acme-ltd.md: name: is missing; add it, like name: "
         "Danube Hotels Zrt."),
        (["--field", "contacts=Jane"], EXIT_INVALID,
         "acme-ltd: contacts holds entries of their own: change them with 'plaincrm edit "
         "acme-ltd'"),
        (["--field", "created=someday"], EXIT_USAGE, "'someday' is not a date"),
        (["--tag", ""], EXIT_INVALID, "an empty tag adds nothing: give it a name"),
        (["--field", "city=Pécs", "--city", "Győr"], EXIT_USAGE,
         "--city and --field city=... both set city: give it once"),
        (["--field", "city"], EXIT_USAGE, "--field 'city': write it as KEY=VALUE"),
        (["--field", "a b=c"], EXIT_USAGE, "--field 'a b=c': write it as KEY=VALUE"),
        (["--field", "x=1", "--field", "x=2"], EXIT_USAGE, "--field x is given twice"),
        (["--tag", "vip", "--untag", "vip"], EXIT_USAGE,
         "tag 'vip' is both added and removed: give it once"),
        (["--untag", "vip"], EXIT_INVALID, "nothing to change: acme-ltd already has no tag vip"),
        (["--email", "info@acme.example", "--tag", "wholesale"], EXIT_INVALID,
         "nothing to change: acme-ltd already has email info@acme.example, tag wholesale"),
        ([], EXIT_INVALID, "nothing to change: give new values with --name, --email"),
        (["--kind", "robot"], EXIT_USAGE, "'robot' is not one of 'company', 'person'"),
        (["--field", "kind=robot"], EXIT_INVALID,
         "not changing clients/acme-ltd.md: kind: expected company or person, not 'robot'"),
    ],
)  # fmt: skip
def test_client_set_errors(acme: Crm, args: list[str], code: int, message: str) -> None:
    before = acme.read(ACME)
    commits = acme.commits()
    result = acme.fail("client", "set", "acme", *args, code=code)
    assert message in result.stderr, result.stderr
    assert acme.read(ACME) == before and acme.commits() == commits


def test_client_set_of_a_missing_or_broken_client(acme: Crm) -> None:
    result = acme.fail("client", "set", "nobody", "--city", "X", code=EXIT_NOT_FOUND)
    assert "no client 'nobody'" in result.stderr
    acme.write("clients/broken.md", "---\nname: [unclosed\n---\n")
    result = acme.fail("client", "set", "broken", "--city", "X", code=EXIT_INVALID)
    assert "clients/broken.md:2:" in result.stderr


def test_enum_values_in_any_case_and_the_owner_me(acme: Crm) -> None:
    acme.run("client", "set", "acme", "--field", "kind=Person", "--owner", "ben")
    assert "+kind: person" in diff(acme)
    acme.run("client", "set", "acme", "--owner", "me")
    assert "+owner: anna" in diff(acme)
    acme.run("client", "set", "acme", "--owner", "")
    assert diff(acme) == ["-owner: anna"]


def test_problems_the_record_already_had_do_not_block_a_change(acme: Crm) -> None:
    acme.write(ACME, acme.read(ACME).replace("owner: anna", "owner: zoe"))
    acme.git("commit", "-qam", "an owner who left")
    acme.run("client", "set", "acme", "--phone", "+36 1 999 9999")
    assert diff(acme) == ['-phone: "+36 1 234 5678"', '+phone: "+36 1 999 9999"']


def test_ticket_set_logs_the_change_and_refuses_what_ticket_commands_do(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAINCRM_TIME", "12:00")
    crm.run("client", "add", "Acme Ltd")
    ref = crm.run("ticket", "add", "acme", "Grinder rattles").stdout.strip()
    path = f"tickets/{ref}.md"
    result = crm.run("ticket", "set", ref, "--priority", "urgent", "--channel", "phone")
    assert result.stdout == f"{ref}: changed priority normal -> urgent; channel none -> phone\n"
    assert diff(crm, path) == [
        "-priority: normal",
        "+priority: urgent",
        "+channel: phone",
        "+- 2026-11-27 12:00 anna: changed priority normal -> urgent; channel none -> phone",
    ]
    assert crm.commits()[0] == f"ticket set: Grinder rattles ({path})"
    for field, command in (
        ("status=closed", "'plaincrm ticket reply|wait|resolve|close|reopen'"),
        ("opened=2026-01-01 10:00", "'plaincrm ticket reply|wait|resolve|close|reopen'"),
        ("deal=x", "'plaincrm ticket close --upsell'"),
    ):
        result = crm.fail("ticket", "set", ref, "--field", field, code=EXIT_INVALID)
        key = field.split("=")[0]
        assert f"{ref}: set does not change {key}: use {command}" in result.stderr
    assert (
        "'urgent-ish' is not one of"
        in crm.fail("ticket", "set", ref, "--priority", "urgent-ish", code=EXIT_USAGE).stderr
    )
    assert crm.run("check").exit_code == 0


def test_doc_set_due_title_owner(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    deal = crm.run("deal", "add", "acme", "Espresso", "--amount", "1000").stdout.strip()
    ref = crm.run("doc", "add", "quote", deal, "--amount", "1000").stdout.strip()
    path = f"documents/{ref}.md"
    crm.run("doc", "set", ref, "--due", "+30d", "--title", "Offer for Acme")
    changed = diff(crm, path)
    assert "+due: 2026-12-27" in changed and "+title: Offer for Acme" in changed
    assert changed[-1] == (
        "+- 2026-11-27 anna: changed title Quote for Espresso -> Offer for Acme; "
        "due none -> 2026-12-27"
    )
    for field, command in (
        ("status=sent", "'plaincrm doc status'"),
        ("number=A-1", "'plaincrm doc status'"),
        ("related=x", "'plaincrm pay'"),
    ):
        result = crm.fail("doc", "set", ref, "--field", field, code=EXIT_INVALID)
        assert f"set does not change {field.split('=')[0]}: use {command}" in result.stderr
    result = crm.fail("doc", "set", ref, "--field", "items=x", code=EXIT_INVALID)
    assert "items holds entries of their own" in result.stderr
    result = crm.fail("doc", "set", ref, "--field", "amount=lots", code=EXIT_INVALID)
    assert "amount: expected a number of 0 or more, like 15240, not 'lots'" in result.stderr
    assert crm.run("check").exit_code == 0


def test_deal_set_takes_fields_through_the_same_mechanism(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    ref = crm.run("deal", "add", "acme", "Espresso", "--amount", "1000").stdout.strip()
    path = f"deals/{ref}.md"
    result = crm.run("deal", "set", ref, "--field", "lead_source=fair", "--close", "2027-01-31")
    assert result.stdout == (f"{ref}: changed close none -> 2027-01-31; lead_source none -> fair\n")
    assert diff(crm, path)[-1] == (
        "+- 2026-11-27 anna: changed close none -> 2027-01-31; lead_source none -> fair"
    )
    result = crm.fail("deal", "set", ref, "--field", "stage=won", code=EXIT_INVALID)
    assert "set does not change stage: use 'plaincrm deal move|win|lose|reopen'" in (result.stderr)
    result = crm.fail("deal", "set", ref, "--field", "amount=5", code=EXIT_USAGE)
    assert "a deal's amount changes with --amount, not --field amount=..." in result.stderr
    result = crm.fail("deal", "set", ref, "--close", "2027-01-31", code=EXIT_INVALID)
    assert "nothing to change: " + ref + " already has close 2027-01-31" in result.stderr


def test_set_decides_on_the_file_as_it_is_when_it_writes(crm: Crm) -> None:
    """Eight `client set --tag` at once on one client: every tag lands, one commit each
    (each decides on the text it changes, under the write lock)."""
    crm.run("client", "add", "Acme Ltd", "--tag", "first")
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    subprocess.run([sys.executable, "-m", "plaincrm", "-C", str(crm.root), "check"], check=True)
    base = [sys.executable, "-m", "plaincrm", "-C", str(crm.root), "client", "set", "acme"]
    runs = [
        subprocess.Popen(
            [*base, "--tag", f"t{n}", "--field", f"f{n}=v{n}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(8)
    ]
    results = [(run.wait(), run.stderr.read() if run.stderr else b"") for run in runs]
    assert all(code == 0 for code, _ in results), results
    text = crm.read(ACME)
    tags = next(line for line in text.splitlines() if line.startswith("tags:"))
    assert sorted(tags.removeprefix("tags: [").rstrip("]").split(", ")) == sorted(
        ["first", *(f"t{n}" for n in range(8))]
    )
    assert all(f"f{n}: v{n}\n" in text for n in range(8))
    assert len([c for c in crm.commits() if c.startswith("client set:")]) == 8
    assert crm.clean()


def test_a_field_naming_a_record_takes_a_ref_as_commands_do(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Bolt")
    ref = crm.run("ticket", "add", "acme", "Grinder rattles").stdout.strip()
    crm.run("ticket", "set", ref, "--field", "client=bolt")
    assert "+client: bolt" in diff(crm, f"tickets/{ref}.md")
    result = crm.fail("ticket", "set", ref, "--field", "client=nobody", code=EXIT_NOT_FOUND)
    assert "no client 'nobody'" in result.stderr
    result = crm.fail("ticket", "set", ref, "--field", "client=../../etc", code=EXIT_NOT_FOUND)
    assert "no record '../../etc': '../' is not a record folder" in result.stderr
    deal = crm.run("deal", "add", "acme", "Espresso").stdout.strip()
    result = crm.fail("deal", "set", deal, "--field", "client=bolt", code=EXIT_INVALID)
    assert "set does not change client: use 'plaincrm deal add'" in result.stderr
