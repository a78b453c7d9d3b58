"""Tasks and contacts to phones: ``calendar --vdir`` and ``export --format vcard --vdir``
write one file per item that vdirsyncer syncs to a CalDAV/CardDAV server: here a
Radicale server the test starts on a free loopback port."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Crm
from plaincrm.cli import cli

ADDRESSBOOK = (
    b'<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
    b'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
    b"<D:collection/><C:addressbook/></D:resourcetype></D:prop></D:set></D:mkcol>"
)


@pytest.fixture
def demo(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Crm:
    root = tmp_path / "crm"
    result = runner.invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


def test_calendar_vdir_keeps_names_rewrites_only_changes_and_removes_gone_tasks(
    demo: Crm, tmp_path: Path
) -> None:
    folder = tmp_path / "cal"
    result = demo.run("calendar", "--all", "--vdir", str(folder))
    names = sorted(os.listdir(folder))
    assert names and all(name.endswith("@plaincrm.ics") for name in names)
    assert "dh8g4h@plaincrm.ics" in names
    text = (folder / "dh8g4h@plaincrm.ics").read_text()
    assert "UID:dh8g4h@plaincrm" in text and text.count("BEGIN:VEVENT") == 1
    assert f"{len(names)} written" in result.stderr
    stamps = {name: (folder / name).stat().st_mtime_ns for name in names}
    (folder / "phone-made-this.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    again = demo.run("calendar", "--all", "--vdir", str(folder))
    assert f"0 written, {len(names)} unchanged, 0 removed" in again.stderr
    assert {name: (folder / name).stat().st_mtime_ns for name in names} == stamps
    demo.run("task", "done", "dh8g4h", "--no-note")
    demo.run("task", "move", "dh9j5k", "--due", "2026-12-02")
    third = demo.run("calendar", "--all", "--vdir", str(folder))
    assert "1 written" in third.stderr and "1 removed" in third.stderr
    assert not (folder / "dh8g4h@plaincrm.ics").exists()
    assert (folder / "phone-made-this.ics").exists()  # not plaincrm's: left alone
    assert "20261202" in (folder / "dh9j5k@plaincrm.ics").read_text()


def test_export_vcard_vdir_one_card_per_client_and_contact(demo: Crm, tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    demo.run("export", "--type", "client", "--format", "vcard", "--vdir", str(folder))
    names = sorted(os.listdir(folder))
    assert "plaincrm-client-danube-hotels.vcf" in names
    assert "plaincrm-client-danube-hotels-gabor-toth.vcf" in names
    card = (folder / "plaincrm-client-danube-hotels-gabor-toth.vcf").read_text()
    assert "UID:plaincrm-client-danube-hotels-gabor-toth" in card and "Gábor Tóth" in card
    (demo.root / "clients" / "margit-szabo.md").unlink()
    demo.git("commit", "-qam", "gone")
    demo.run("export", "--format", "vcard", "--vdir", str(folder))
    assert not (folder / "plaincrm-client-margit-szabo.vcf").exists()
    assert demo.fail("export", "--format", "csv", "--vdir", str(folder), code=2)
    assert "not both" in demo.fail("calendar", "--vdir", str(folder), "-o", "x.ics", code=2).stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[str]:
    """A Radicale CalDAV/CardDAV server (any password) on a free loopback port."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}",
            "--storage-filesystem-folder", str(tmp_path / "radicale"), "--auth-type", "none",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(f"Radicale did not start: {server.stderr.read()}") from None
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _request(url: str, method: str, body: bytes = b"") -> None:
    auth = base64.b64encode(b"anna:x").decode()
    request = urllib.request.Request(
        url, data=body or None, method=method, headers={"Authorization": f"Basic {auth}"}
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def _uids(folder: Path) -> list[str]:
    """The UIDs of the items a Radicale collection stores."""
    found = []
    for path in folder.iterdir():
        if path.suffix in (".ics", ".vcf"):
            found += [
                line[4:].strip()
                for line in path.read_text().splitlines()
                if line.startswith("UID:")
            ]
    return sorted(found)


def _vdirsyncer(config: Path, *args: str) -> str:
    exe = shutil.which("vdirsyncer") or str(Path(sys.executable).with_name("vdirsyncer"))
    done = subprocess.run(
        [exe, "-c", str(config), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_vdirsyncer_carries_tasks_and_contacts_to_a_caldav_carddav_server(
    demo: Crm, tmp_path: Path, radicale: str
) -> None:
    _request(f"{radicale}/anna/crm-tasks/", "MKCALENDAR")
    _request(f"{radicale}/anna/crm-contacts/", "MKCOL", ADDRESSBOOK)
    config = tmp_path / "vdirsyncer.conf"
    pairs = ""
    for name, kind, ext, collection in (
        ("tasks", "caldav", ".ics", "crm-tasks"),
        ("contacts", "carddav", ".vcf", "crm-contacts"),
    ):
        pairs += f"""
[pair {name}]
a = "{name}_local"
b = "{name}_remote"
collections = null

[storage {name}_local]
type = "filesystem"
path = "{tmp_path / name}"
fileext = "{ext}"

[storage {name}_remote]
type = "{kind}"
url = "{radicale}/anna/{collection}/"
username = "anna"
password = "x"
"""
    config.write_text(f'[general]\nstatus_path = "{tmp_path / "status"}"\n{pairs}')
    demo.run("calendar", "--all", "--vdir", str(tmp_path / "tasks"))
    demo.run("export", "--format", "vcard", "--vdir", str(tmp_path / "contacts"))
    _vdirsyncer(config, "discover")
    _vdirsyncer(config, "sync")
    stored = tmp_path / "radicale" / "collection-root" / "anna"
    local = sorted(name.removesuffix(".ics") for name in os.listdir(tmp_path / "tasks"))
    assert _uids(stored / "crm-tasks") == local and "dh8g4h@plaincrm" in local
    cards = _uids(stored / "crm-contacts")
    assert cards == sorted(n.removesuffix(".vcf") for n in os.listdir(tmp_path / "contacts"))
    # a task done: its event leaves the server on the next export and sync
    demo.run("task", "done", "dh8g4h", "--no-note")
    demo.run("calendar", "--all", "--vdir", str(tmp_path / "tasks"))
    out = _vdirsyncer(config, "sync")
    assert "Deleting" in out  # remotely
    assert _uids(stored / "crm-tasks") == [uid for uid in local if uid != "dh8g4h@plaincrm"]
    # nothing changed: nothing is uploaded
    demo.run("calendar", "--all", "--vdir", str(tmp_path / "tasks"))
    assert "Copying" not in _vdirsyncer(config, "sync")
