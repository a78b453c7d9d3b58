"""Mail in the client card: import from Maildir, mbox and .eml files, what is written,
threads, deals, today's lists, bad mail, and two clones importing the same mail."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import make_team
from mailfixtures import (
    ANNA,
    GABOR,
    bad_messages,
    client_reply,
    forward,
    inbox_messages,
    inquiry,
    make_maildir,
    make_mbox,
    message,
    reply,
    sent_messages,
)

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.core.mailentries import NewEntry, add_entries, parse_mail
from plaincrm.git.merge import merge_record
from plaincrm.mail import sources

DANUBE = "clients/danube-hotels.md"
DEAL = "deals/danube-hotels-2027-framework-with-machine-lease.md"


@pytest.fixture(autouse=True)
def _budapest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local time is Budapest's, as for the team in the tests' mail."""
    monkeypatch.setenv("TZ", "Europe/Budapest")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """The demo CRM: users anna, ben, eva at kovacs-trading.example; you are anna."""
    root = tmp_path / "crm"
    result = runner.invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


@pytest.fixture
def boxes(tmp_path: Path) -> tuple[Path, Path]:
    inbox = make_maildir(tmp_path / "Mail" / "INBOX", inbox_messages())
    sent = make_maildir(tmp_path / "Mail" / "Sent", sent_messages())
    return inbox, sent


def mail_section(crm: Crm, path: str) -> str:
    text = crm.read(path)
    return text[text.index("## Mail") :]


def test_maildir_import_records_each_mail_in_its_thread(demo: Crm, boxes) -> None:
    before = len(demo.commits())
    result = demo.run("mail", "import", *map(str, boxes))
    assert "Recorded 5 mails for 2 clients" in result.stdout
    assert len(demo.commits()) == before + 1  # one import, one commit
    assert demo.commits()[0].startswith("mail import: 5 mails for 2 clients")
    assert demo.last_commit_files() == sorted(["clients/cafe-aurora.md", DANUBE, DEAL])
    section = mail_section(demo, DANUBE)
    # threads under their subject without Re:/RE:, mails in date order
    assert section.index("### Árajánlat 14 gépre") < section.index("### Invitation: Tasting")
    assert section.count("### Árajánlat 14 gépre") == 1
    first = (
        "- 2026-11-20 09:14 in: Tóth Gábor <gabor.toth@danubehotels.example> -> "
        "Anna Kovács <anna@kovacs-trading.example>, cc Horváth Katalin "
        "<katalin.horvath@danubehotels.example>\n"
        "  Attached: igények.pdf\n"
        "  > Kedves Anna! Küldenétek árajánlatot 14 gépre, lízinggel? Az igazgatóság\n"
        "  > december 1-jén dönt, előtte szeretnénk látni a számokat.\n"
        "  <!-- Message-ID: <CAB-inquiry-1@mail.danubehotels.example> "
        "deal: danube-hotels-2027-framework-with-machine-lease -->\n"
    )
    assert first in section  # quoted-printable accents decoded, signature cut
    # the reply: its quote of Gábor's mail and its signature are not in the excerpt
    assert (
        "  > Kedves Gábor! Csatolom a kalkulációt: 14 gép 36 hónapos lízinggel, havi 1\n" in section
    )
    assert "ezt írta" not in section and "+36 1 555 0100" not in section
    # Outlook's reply: the From:/Sent: block of the earlier mail is cut
    assert "  > Köszönjük, továbbítottam az igazgatóságnak.\n" in section
    assert "Invitation: Tasting for the F&B team, 2026-12-03 11:00." in section
    # no automatic mail (out-of-office, newsletter), no stranger
    assert "out of the office" not in section and "winter menu" not in section
    aurora = mail_section(demo, "clients/cafe-aurora.md")
    assert "### Gasket order" in aurora
    assert "  > Zsófia, see below: the gasket ships Monday.\n" in aurora
    assert demo.run("check").exit_code == 0


def test_the_deal_a_mail_refers_to_logs_it_and_stops_rotting(demo: Crm, boxes) -> None:
    deal = demo.read(DEAL)
    demo.write(DEAL, deal.replace("stage proposal -> negotiation (75%)", "note"))
    flagged = demo.run(
        "deal", "show", "danube-hotels-2027", "--json", env={"PLAINCRM_TODAY": "2026-12-05"}
    )
    assert any("rotting" in flag for flag in json.loads(flagged.stdout)["attention"])
    demo.git("commit", "-qam", "older activity")
    demo.run("mail", "import", *map(str, boxes))
    log = demo.read(DEAL)
    assert "- 2026-11-20 09:14 Tóth Gábor: mail in: Árajánlat 14 gépre\n" in log
    assert "- 2026-11-21 10:02 anna: mail out: Árajánlat 14 gépre\n" in log
    shown = demo.run("deal", "show", "danube-hotels-2027", env={"PLAINCRM_TODAY": "2026-12-05"})
    assert "Tóth Gábor: mail in: Árajánlat 14 gépre" in shown.stdout
    data = json.loads(
        demo.run(
            "deal", "show", "danube-hotels-2027", "--json", env={"PLAINCRM_TODAY": "2026-12-05"}
        ).stdout
    )
    assert not any("rotting" in flag for flag in data["attention"])
    assert {entry["event"]["kind"] for entry in data["log"]} >= {"mail"}


def test_a_rerun_reads_no_message_again_and_writes_nothing(demo: Crm, boxes, monkeypatch) -> None:
    demo.run("mail", "import", *map(str, boxes))
    commits = demo.commits()
    reads: list[Path] = []
    original = sources.read_head

    def counting(path: Path):
        reads.append(path)
        return original(path)

    monkeypatch.setattr(sources, "read_head", counting)
    result = demo.run("mail", "import", *map(str, boxes))
    assert reads == []  # the state remembers every message's header
    assert demo.commits() == commits
    assert "Nothing new to record" in result.stdout
    # a new mail: only it is read
    later = message(
        GABOR,
        [ANNA],
        "Re: Árajánlat 14 gépre",
        "Mikor jöhetnénk?",
        inquiry_time(26),
        msgid="<CAB-new-3@mail.danubehotels.example>",
    )
    make_maildir(boxes[0], [later])
    result = demo.run("mail", "import", *map(str, boxes))
    assert len(reads) == 1 and "Recorded 1 mail for 1 client" in result.stdout
    assert mail_section(demo, DANUBE).count("Message-ID") == 5


def inquiry_time(day: int):
    from datetime import datetime

    from mailfixtures import CET

    return datetime(2026, 11, day, 9, 0, tzinfo=CET)


def test_mail_of_a_client_added_later_is_recorded_on_the_next_run(demo: Crm, boxes) -> None:
    result = demo.run("mail", "import", *map(str, boxes), "--unmatched")
    assert "peter@new-prospect.example  1 mail" in result.stdout
    demo.run("client", "add", "New Prospect Kft.", "--email", "info@new-prospect.example")
    result = demo.run("mail", "import", *map(str, boxes))
    assert "Recorded 1 mail for 1 client" in result.stdout  # by the company's domain
    assert "### Coffee machines for our office?" in demo.read("clients/new-prospect-kft.md")


def test_dry_run_shows_what_would_be_recorded_and_writes_nothing(demo: Crm, boxes) -> None:
    commits = demo.commits()
    result = demo.run("mail", "import", *map(str, boxes), "--dry-run")
    assert "Would record 5 mails for 2 clients" in result.stdout
    assert "danube-hotels" in result.stdout and "Dry run: nothing was written." in result.stdout
    assert demo.commits() == commits and demo.clean()
    data = json.loads(demo.run("mail", "import", *map(str, boxes), "--dry-run", "--json").stdout)
    assert data["dry_run"] is True and len(data["recorded"]) == 5
    assert data["unmatched_addresses"] == {"peter@new-prospect.example": 1}
    assert data["automatic"] == 2 and data["commit"] is None


def test_mbox_and_eml_files(demo: Crm, tmp_path: Path) -> None:
    first = inquiry()
    box = make_mbox(tmp_path / "sent.mbox", [reply(first)])
    eml = tmp_path / "offer.eml"
    eml.write_bytes(first.as_bytes())
    demo.run("mail", "import", str(box), str(eml))
    assert mail_section(demo, DANUBE).count("Message-ID") == 2
    # mail appended to the mbox: read from where the last run stopped
    make_mbox(box, [client_reply(reply(first))])
    result = demo.run("mail", "import", str(box))
    assert "Recorded 1 mail for 1 client" in result.stdout
    assert "Köszönjük" in mail_section(demo, DANUBE)


def test_forwarded_mail_without_words_of_its_own(demo: Crm, tmp_path: Path) -> None:
    from datetime import datetime

    from mailfixtures import BEN, CET, ZSOFIA

    text = (
        "---------- Forwarded message ---------\nFrom: Supplier <orders@supplier.example>\n"
        "Date: Mon, 23 Nov 2026\nSubject: Gasket order\nTo: Ben\n\nYour gasket ships on Monday.\n"
    )
    box = make_maildir(
        tmp_path / "Sent",
        [message(BEN, [ZSOFIA], "Fwd: Gasket order", text, datetime(2026, 11, 23, 15, tzinfo=CET))],
    )
    demo.run("mail", "import", str(box))
    assert "  > Forwarded: Your gasket ships on Monday.\n" in mail_section(
        demo, "clients/cafe-aurora.md"
    )


def test_bad_mail_never_stops_the_import(demo: Crm, tmp_path: Path) -> None:
    bad = bad_messages()
    box = make_maildir(tmp_path / "INBOX", bad.values())
    result = demo.run("mail", "import", str(box))
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    section = mail_section(demo, DANUBE)
    # recorded: a made Message-ID, an unknown charset, 8-bit garbage, the 50 MB attachment,
    # MIME nested 120 deep, 500 recipients
    assert "@no-message-id.plaincrm>" in section
    assert "### Qapla'" in section and "charset 'x-klingon' unknown or wrong" in out
    assert "### Árajánlat" in section and "in: Gábor" in section  # 8-bit Latin-1 header

    assert "  Attached: plans.dwg\n" in section and "The plans, 50 MB." in section
    assert "deep@x" in section
    many = next(line for line in section.splitlines() if "guest0@" in line)
    assert many.endswith("and 495 more") and len(many) < 400
    # no readable Date: dated when it arrived in the Maildir, with a note
    assert "### No date" in section and "### Bad date" in section
    assert "unreadable Date 'Friday at noon'" in out and "dated when it arrived" in out
    # skipped, each with a one-line reason: a From without an address, no header at all
    assert out.count("no sender (no readable From header)") == 2
    assert out.count("  skipped ") == 2
    assert "MIME nested deeper than 40 levels" in out
    demo.run("check")
    (demo.root / DANUBE).read_bytes().decode("utf-8")  # valid UTF-8, no control characters
    assert "\x00" not in demo.read(DANUBE)


@pytest.mark.parametrize(
    "date", ["Sat, 01 Jan 3000 10:00:00 +0000", "Sun, 31 Dec 1899 10:00:00 +0000"]
)
def test_a_date_out_of_plaincrms_range_is_no_date(demo: Crm, tmp_path: Path, date: str) -> None:
    """A Date header out of 1900-01-01 .. 2999-12-31 (which every other date of a record
    keeps to) is unreadable: the mail is dated when it arrived, with a note (it was
    recorded as 3000-01-01)."""
    eml = tmp_path / "far.eml"
    eml.write_bytes(
        f"From: {GABOR[1]}\nTo: {ANNA[1]}\nSubject: Far away\nDate: {date}\n"
        "Message-ID: <far@x>\n\nHello.\n".encode()
    )
    result = demo.run("mail", "import", str(eml))
    assert f"Date '{date}' is out of range (plaincrm's dates run from 1900-01-01" in (result.stdout)
    assert "dated when it arrived" in result.stdout
    entry = next(line for line in mail_section(demo, DANUBE).splitlines() if " in: " in line)
    assert entry.startswith("- 2026-") or entry.startswith("- 2025-"), entry


def test_settings_are_checked(demo: Crm, boxes) -> None:
    text = (
        demo.read("plaincrm.yaml")
        + "mail:\n  answer_within: soon\n  ignore: [not a domain]\n  color: red\n"
    )
    demo.write("plaincrm.yaml", text)
    result = demo.fail("check", code=1)
    lines = text.splitlines()
    at = lines.index("  answer_within: soon") + 1
    assert f"plaincrm.yaml:{at}: mail.answer_within: 'soon' is not a duration" in result.stdout
    assert "mail.ignore: 'not a domain' is neither an address" in result.stdout
    assert "mail.color: unknown setting" in result.stdout
    failed = demo.fail("mail", "import", *map(str, boxes), code=5)
    assert "mail settings in plaincrm.yaml have problems" in failed.stderr


def test_ignore_internal_domains_and_free_mail(demo: Crm, tmp_path: Path) -> None:
    from datetime import datetime

    from mailfixtures import CET

    demo.write(
        "plaincrm.yaml",
        demo.read("plaincrm.yaml") + "mail:\n  ignore: [gabor.toth@danubehotels.example]\n",
    )
    demo.run("client", "add", "Gmail Person", "--email", "someone@gmail.com", "--kind", "company")
    when = datetime(2026, 11, 20, 10, tzinfo=CET)
    box = make_maildir(
        tmp_path / "INBOX",
        [
            message(GABOR, [ANNA], "Ignored", "x", when),
            message(("Other", "other@gmail.com"), [ANNA], "Free mail", "x", when),
            message(("Eva", "eva@kovacs-trading.example"), [ANNA], "Internal", "x", when),
        ],
    )
    data = json.loads(demo.run("mail", "import", str(box), "--json").stdout)
    assert data["ignored"] == 1 and data["unmatched"] == 2 and data["recorded"] == []


def test_errors_say_what_to_do(demo: Crm, tmp_path: Path) -> None:
    assert (
        "no such file or folder"
        in demo.fail("mail", "import", str(tmp_path / "nope"), code=2).stderr
    )
    (tmp_path / "plain").mkdir()
    assert "not a Maildir" in demo.fail("mail", "import", str(tmp_path / "plain"), code=2).stderr
    refused = demo.fail("mail", "import", "imap://anna@localhost/INBOX", code=2)
    assert "only imaps:// mailboxes" in refused.stderr
    leak = demo.fail("mail", "import", "imaps://anna:secret@localhost/INBOX", code=2)
    assert "PLAINCRM_IMAP_PASSWORD" in leak.stderr and "secret" not in leak.stderr


def test_all_or_nothing_when_a_write_fails(demo: Crm, boxes, monkeypatch) -> None:
    from plaincrm.core.store import Store

    before = {p: demo.read(p) for p in (DANUBE, DEAL, "clients/cafe-aurora.md")}
    commits = demo.commits()
    original = Store.replace
    calls = []

    def failing(self, path, text, expected):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(self, path, text, expected)

    monkeypatch.setattr(Store, "replace", failing)
    result = demo.run("mail", "import", *map(str, boxes), ok=False)
    assert result.exit_code == 6  # what the system said, as every command tells it
    assert "the system refused: no space left on device" in result.stderr
    monkeypatch.setattr(Store, "replace", original)
    assert {p: demo.read(p) for p in before} == before
    assert demo.commits() == commits and demo.clean()


# ---------------------------------------------------------------- what shows the mail


def test_client_show_history_and_mail_list_show_the_mail(demo: Crm, boxes) -> None:
    demo.run("mail", "import", *map(str, boxes))
    card = demo.run("client", "show", "danube").stdout
    assert "Tóth Gábor: mail in: Árajánlat 14 gépre" in card
    assert "anna: mail out to Tóth Gábor: Árajánlat 14 gépre" in card
    assert card.count("mail in: Árajánlat 14 gépre") == 2  # the deal's log lines are not repeated
    assert "## Mail" not in card and "Message-ID" not in card  # not in the notes
    data = json.loads(demo.run("client", "show", "danube", "--json").stdout)
    kinds = [item["kind"] for item in data["history"]]
    assert kinds.count("mail") == 4
    history = demo.run("history", "danube").stdout
    assert "mail in: Árajánlat 14 gépre" in history and "| Köszönjük" in history
    activity = json.loads(demo.run("activity", "--json").stdout)
    assert activity["counts"]["mail"] == 2  # one line per client file
    listed = demo.run("mail", "list", "direction:in").stdout
    assert "Árajánlat 14 gépre" in listed and "Gasket" not in listed
    rows = json.loads(demo.run("mail", "list", "gasket", "--json").stdout)
    assert [row["subject"] for row in rows] == ["Gasket order"]
    assert rows[0]["client"] == "clients/cafe-aurora.md" and rows[0]["direction"] == "out"


def test_today_lists_who_waits_for_an_answer_and_threads_with_no_answer(
    demo: Crm, tmp_path
) -> None:
    from datetime import datetime

    from mailfixtures import BEN, CET, ZSOFIA

    box = make_maildir(
        tmp_path / "INBOX",
        [
            # Gábor wrote to anna on Wednesday morning and had no answer
            message(GABOR, [ANNA], "Árajánlat", "Mikor?", datetime(2026, 11, 25, 9, 0, tzinfo=CET)),
            # ben wrote to Zsófia a week ago; she has been silent since
            message(
                BEN,
                [ZSOFIA],
                "Service visit",
                "Would Tuesday do?",
                datetime(2026, 11, 19, 10, 0, tzinfo=CET),
            ),
            # answered: no list
            message(
                ZSOFIA, [BEN], "Invoice", "Where is it?", datetime(2026, 11, 26, 9, 0, tzinfo=CET)
            ),
            message(
                BEN, [ZSOFIA], "Re: Invoice", "Sent.", datetime(2026, 11, 26, 9, 30, tzinfo=CET)
            ),
        ],
    )
    demo.run("mail", "import", str(box))
    env = {"PLAINCRM_TIME": "11:00"}
    mine = json.loads(demo.run("today", "--json", env=env).stdout)
    assert [i["subject"] for i in mine["waiting_for_answer"]] == ["Árajánlat"]
    # working minutes of the demo's 08:30-17:00 day: Wed from 09:00, all Thu, Fri to 11:00
    assert mine["waiting_for_answer"][0]["waited"] == 8 * 60 + 510 + 150
    assert mine["no_answer_yet"] == []  # ben's, not anna's
    everybody = json.loads(demo.run("today", "--all", "--json", env=env).stdout)
    assert [i["subject"] for i in everybody["no_answer_yet"]] == ["Service visit"]
    assert everybody["no_answer_yet"][0]["waited"] == 8
    text = demo.run("today", "--all", env=env).stdout
    assert "Waiting for your answer" in text and "No answer yet" in text
    assert "silent 8 days" in text
    # the answer threshold is a setting, in working hours
    demo.write("plaincrm.yaml", demo.read("plaincrm.yaml") + "mail:\n  answer_within: 20h\n")
    later = json.loads(demo.run("today", "--json", env=env).stdout)
    assert later["waiting_for_answer"] == []


# ---------------------------------------------------------------- merging


def entry(subject: str, day: int, key: str, text: str = "x") -> NewEntry:
    return NewEntry(
        subject, f"2026-11-{day:02d}", "10:00", "in", "G <g@d.example>", "anna@x", text, [], key
    )


BASE = "---\nname: D\n---\n\n## Tasks\n\n- [ ] Call id:abc123\n"


def test_merge_keeps_one_entry_per_message_and_each_mail_in_its_thread() -> None:
    base = add_entries(BASE, [entry("Offer", 1, "m1@x")])
    ours = add_entries(
        base, [entry("Offer", 3, "m3@x"), entry("Visit", 4, "v1@x"), entry("Both", 5, "b1@x")]
    )
    theirs = add_entries(
        base, [entry("Offer", 2, "m2@x"), entry("Price", 6, "p1@x"), entry("Both", 5, "b1@x")]
    )
    result = merge_record(base, ours, theirs)
    assert result.notes == []
    lines = result.text.split("\n")
    entries = parse_mail(lines)
    keys = [e.key for e in entries]
    assert sorted(keys) == sorted(["m1@x", "m2@x", "m3@x", "v1@x", "b1@x", "p1@x"])
    by_thread = {e.key: e.thread for e in entries}
    assert by_thread == {
        "m1@x": "Offer",
        "m2@x": "Offer",
        "m3@x": "Offer",
        "v1@x": "Visit",
        "b1@x": "Both",
        "p1@x": "Price",
    }
    offer = [e.key for e in entries if e.thread == "Offer"]
    assert offer == ["m1@x", "m2@x", "m3@x"]  # in date order
    assert "<<<<<<<" not in result.text and result.text.count("### Both") == 1
    assert "\n\n### Price" in result.text  # threads stand apart


def test_two_clones_importing_overlapping_mail_end_with_one_entry_each(
    tmp_path: Path, runner: CliRunner
) -> None:
    team = make_team(tmp_path, runner, names=("anna", "ben"))
    for clone in team.clones.values():
        clone.run(
            "client", "add", "Danube Hotels Zrt.", "--email", "purchasing@danubehotels.example"
        ) if clone.user == "anna" else None
    team.sync_all()
    first = inquiry()
    shared = [first, reply(first)]
    anna_box = make_maildir(tmp_path / "anna-mail", [*shared, client_reply(reply(first))])
    ben_box = make_maildir(
        tmp_path / "ben-mail",
        [
            *shared,
            forward(),
            message(
                GABOR,
                [("Ben", "ben@example.com")],
                "Szállítás",
                "Mikor szállítotok?",
                inquiry_time(25),
            ),
        ],
    )
    team["anna"].run("mail", "import", str(anna_box))
    team["ben"].run("mail", "import", str(ben_box))
    notes = [team["anna"].sync().stdout, team["ben"].sync().stdout, team["anna"].sync().stdout]
    texts = {
        name: clone.read("clients/danube-hotels-zrt.md") for name, clone in team.clones.items()
    }
    assert texts["anna"] == texts["ben"]
    entries = parse_mail(texts["anna"].split("\n"))
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys)) == 4  # inquiry, reply, thanks, Szállítás
    assert "<<<<<<<" not in texts["anna"]
    assert not any("both sides" in out for out in notes)
    assert team["anna"].run("check").exit_code == 0
    assert {e.thread for e in entries} == {"Árajánlat 14 gépre", "Szállítás"}


def test_imports_running_at_once_record_each_mail_once(demo: Crm, tmp_path: Path) -> None:
    """Five imports of overlapping mailboxes and three task adds, all at the same moment:
    every change lands, and each mail is in the client's file once."""
    import subprocess
    import sys
    from datetime import datetime

    from mailfixtures import CET

    mails = [
        message(
            GABOR, [ANNA], f"Kérdés {n}", f"Szöveg {n}.", datetime(2026, 11, 2 + n, 9, tzinfo=CET)
        )
        for n in range(6)
    ]
    boxes = [make_maildir(tmp_path / f"box{k}", mails[k : k + 3]) for k in range(5)]
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "plaincrm", "-C", str(demo.root), "mail", "import", str(box)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for box in boxes
    ] + [
        subprocess.Popen(
            [sys.executable, "-m", "plaincrm", "-C", str(demo.root), "task", "add", "danube-hotels",
             f"Call back {n}", "--due", "tomorrow"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for n in range(3)
    ]  # fmt: skip
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
    keys = [entry.key for entry in parse_mail(demo.read(DANUBE).split("\n"))]
    assert sorted(keys) == sorted(str(m["Message-ID"]).strip("<>") for m in mails)
    assert all(f"Call back {n}" in demo.read(DANUBE) for n in range(3))
    assert demo.clean()
    assert demo.run("check").exit_code == 0


def test_entries_typed_by_hand_and_subjects_that_look_like_markup() -> None:
    text = (
        "---\nname: D\n---\n\n## Mail\n\n### C#\n\n"
        "- 2026-11-26 9:30 out: anna -> Gábor: called back instead\n"
        "- 2026-11-27 10:00 in: Gábor <g@d.example>\n"
        "  the excerpt, typed\n"
    )
    entries = parse_mail(text.split("\n"))
    assert [(e.thread, e.time, e.direction, e.key) for e in entries] == [
        ("C#", "09:30", "out", "line:- 2026-11-26 9:30 out: anna -> Gábor: called back instead"),
        ("C#", "10:00", "in", "line:- 2026-11-27 10:00 in: Gábor <g@d.example>"),
    ]
    assert entries[1].excerpt == "the excerpt, typed"
    more = add_entries(text, [entry("Re: C#", 28, "new@x")])
    assert more.count("### C#") == 1  # the same thread, its heading read back as written
    tricky = entry("Offer", 1, "a--b@x")
    tricky.excerpt = "<!-- Message-ID: <evil@x> --> ## Tasks"
    written = add_entries("---\nname: D\n---\n", [tricky])
    assert [e.key for e in parse_mail(written.split("\n"))] == ["a--b@x"]
    assert "\n## Tasks" not in written


def test_the_first_run_parses_the_clients_with_mail() -> None:
    from plaincrm.core.firstrun import needs_parse
    from plaincrm.core.model import TYPES

    plain = b"---\nname: Acme\n---\n\nNotes.\n"
    assert needs_parse(plain, TYPES["client"], b"2026-11-27", "anna") == "Acme"
    with_mail = plain + b"\n## Mail\n\n### Offer\n\n- 2026-11-20 09:00 in: a@b.example\n"
    assert needs_parse(with_mail, TYPES["client"], b"2026-11-27", "anna") is True


def test_more_errors_say_what_to_do(demo: Crm, tmp_path: Path, monkeypatch) -> None:
    import socket

    assert "give the user" in demo.fail("mail", "import", "imaps://localhost/INBOX", code=2).stderr
    port = demo.fail("mail", "import", "imaps://anna@localhost:99999x/INBOX", code=2)
    assert "the port is not a number" in port.stderr
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    monkeypatch.setenv("PLAINCRM_IMAP_PASSWORD", "x")
    down = demo.fail("mail", "import", f"imaps://anna@127.0.0.1:{free}/INBOX", code=6)
    assert f"cannot reach the IMAP server 127.0.0.1:{free} over TLS" in down.stderr
    monkeypatch.delenv("PLAINCRM_IMAP_PASSWORD")
    monkeypatch.setenv("PLAINCRM_IMAP_PASSCMD", "echo 'no such key' >&2; exit 3")
    failed = demo.fail("mail", "import", f"imaps://anna@127.0.0.1:{free}/INBOX", code=6)
    assert "the password command printed no password (no such key)" in failed.stderr
    (tmp_path / "file").write_text("x")
    assert "is a file" in demo.fail("calendar", "--vdir", str(tmp_path / "file"), code=2).stderr
    both = demo.fail("export", "--format", "vcard", "--vdir", str(tmp_path), "-o", "x.vcf", code=2)
    assert "not both" in both.stderr


def test_a_broken_client_file_is_warned_about_and_the_rest_imported(demo: Crm, boxes) -> None:
    text = demo.read("clients/cafe-aurora.md") + "<<<<<<< ours\n"
    demo.write("clients/cafe-aurora.md", text)
    result = demo.run("mail", "import", *map(str, boxes))
    assert "Recorded 4 mails for 1 client" in result.stdout
    line = text.count("\n")
    assert f"clients/cafe-aurora.md:{line}: leftover git conflict marker" in result.stderr
    assert demo.read("clients/cafe-aurora.md") == text


def test_the_demo_ships_a_sample_mailbox_that_the_readme_imports(demo: Crm) -> None:
    boxes = [str(demo.root / "mail" / "INBOX"), str(demo.root / "mail" / "Sent")]
    result = demo.run("mail", "import", *boxes, "--unmatched")
    assert "Recorded 5 mails for 3 clients" in result.stdout
    assert "peter@new-prospect.example" in result.stdout
    day = json.loads(demo.run("today", "--json", env={"PLAINCRM_TIME": "11:00"}).stdout)
    assert [i["subject"] for i in day["waiting_for_answer"]] == [
        "Árajánlat 14 gépre",
        "Steam wand drips again",
    ]
    assert [i["subject"] for i in day["no_answer_yet"]] == [
        "Export prices for the showroom machines"
    ]


def test_the_demo_moves_the_sample_mail_to_its_day() -> None:
    from datetime import timedelta

    from plaincrm.crm.setup import shift_mail_date

    data = b"From: a@b.example\r\nDate: Fri, 20 Nov 2026 09:14:00 +0100\r\n\r\nDate: body\r\n"
    moved = shift_mail_date(data, timedelta(days=98))
    assert moved == data.replace(b"Fri, 20 Nov 2026", b"Fri, 26 Feb 2027")
    assert shift_mail_date(b"no header", timedelta(days=1)) == b"no header"
