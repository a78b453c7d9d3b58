"""mail import from a real IMAP server: Dovecot, started on a free loopback port with a
temporary configuration, TLS with a certificate made here, a test user and mailbox.

CI installs Dovecot (``.ci/run``); these tests fail, not skip, when it is missing.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from mailfixtures import (
    ANNA,
    CET,
    GABOR,
    client_reply,
    inquiry,
    make_maildir,
    message,
    reply,
    stranger,
)

from conftest import Crm
from plaincrm.cli import cli

PASSWORD = "imap-test-secret"


@dataclass
class Imap:
    port: int
    cert: Path
    maildir: Path
    owner: tuple[int, int]

    @property
    def url(self) -> str:
        return f"imaps://anna@localhost:{self.port}/INBOX"

    def deliver(self, *messages) -> None:
        make_maildir(self.maildir, messages)
        for folder, _, files in os.walk(self.maildir):
            os.chown(folder, *self.owner)
            for name in files:
                os.chown(os.path.join(folder, name), *self.owner)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(tmp: Path, port: int, uid: int, gid: int, user: str) -> str:
    version = subprocess.run(["dovecot", "--version"], capture_output=True, text=True).stdout
    if version.startswith("2.3") or version.startswith("2.2"):
        return f"""
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{tmp}/cert.pem
ssl_key = <{tmp}/key.pem
auth_mechanisms = plain login
disable_plaintext_auth = yes
first_valid_uid = 0
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {pwd.getpwuid(os.getuid()).pw_name if os.getuid() else user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
    return f"""
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
base_dir = {tmp}/run
state_dir = {tmp}/state
log_path = {tmp}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_server_cert_file = {tmp}/cert.pem
ssl_server_key_file = {tmp}/key.pem
auth_mechanisms = plain login
auth_allow_cleartext = no
first_valid_uid = 0
default_login_user = {user}
default_internal_user = {user}
passdb passwd-file {{
  passwd_file_path = {tmp}/users
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {tmp}/home/%{{user}}
  }}
}}
mail_driver = maildir
mail_path = ~/Maildir
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
"""


@pytest.fixture
def imap() -> Iterator[Imap]:
    """A Dovecot IMAP server over TLS on a free loopback port, user anna.  Its folder is
    one of its own in the temporary folder: Dovecot's processes run as another user,
    who cannot enter pytest's (private) folders."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    assert os.path.exists(binary), "Dovecot is missing: apt-get install dovecot-imapd (.ci/run)"
    tmp = Path(tempfile.mkdtemp(prefix="plaincrm-dovecot-"))
    try:
        yield from _serve(binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _serve(binary: str, tmp: Path) -> Iterator[Imap]:
    os.chmod(tmp, 0o755)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem"),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    if os.getuid() == 0:
        user = "dovenull"
        entry = pwd.getpwnam(user)
        uid, gid = entry.pw_uid, entry.pw_gid
    else:
        entry = pwd.getpwuid(os.getuid())
        user, uid, gid = entry.pw_name, entry.pw_uid, entry.pw_gid
    (tmp / "users").write_text(f"anna:{{PLAIN}}{PASSWORD}::::::\n")
    home = tmp / "home" / "anna"
    home.mkdir(parents=True)
    for folder in (tmp / "home", home):
        os.chown(folder, uid, gid)
    port = _free_port()
    (tmp / "dovecot.conf").write_text(_config(tmp, port, uid, gid, user))
    server = subprocess.Popen(
        [binary, "-F", "-c", str(tmp / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                log = (tmp / "dovecot.log").read_text() if (tmp / "dovecot.log").exists() else ""
                server.kill()
                raise AssertionError(f"Dovecot did not start:\n{output}\n{log}") from None
            time.sleep(0.1)
    try:
        yield Imap(port, tmp / "cert.pem", home / "Maildir", (uid, gid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def demo(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Crm:
    root = tmp_path / "crm"
    result = runner.invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


def test_import_from_imap_over_tls_then_only_new_uids(
    demo: Crm, imap: Imap, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = inquiry()
    imap.deliver(first, reply(first), stranger())
    monkeypatch.setenv("SSL_CERT_FILE", str(imap.cert))
    monkeypatch.setenv("PLAINCRM_IMAP_PASSWORD", PASSWORD)
    result = demo.run("mail", "import", imap.url, "--unmatched")
    assert "Recorded 2 mails for 1 client" in result.stdout
    assert "peter@new-prospect.example" in result.stdout
    section = demo.read("clients/danube-hotels.md")
    assert "<!-- Message-ID: <CAB-inquiry-1@mail.danubehotels.example>" in section
    assert PASSWORD not in section + "".join(demo.git("log", "-p").splitlines())
    states = list((demo.root / ".plaincrm" / "mail").glob("*.json"))
    state = json.loads(states[0].read_text())
    assert state["uidvalidity"] and state["last"] == 3
    assert demo.git("status", "--porcelain", "--ignored").count(".plaincrm/") == 1  # ignored
    # nothing new: the server is asked only for UIDs above the last one
    assert "Nothing new to record" in demo.run("mail", "import", imap.url).stdout
    imap.deliver(client_reply(reply(first)))
    result = demo.run("mail", "import", imap.url)
    assert "Recorded 1 mail for 1 client" in result.stdout
    assert json.loads(states[0].read_text())["last"] == 4
    # the mailbox was only examined: nothing was marked as read
    assert all(
        ":2," not in name or "S" not in name.split(":2,")[1]
        for name in os.listdir(imap.maildir / "cur")
    )


def test_imap_password_from_a_command_and_the_errors(
    demo: Crm, imap: Imap, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datetime import datetime

    imap.deliver(message(GABOR, [ANNA], "Hello", "Hi.", datetime(2026, 11, 20, 9, tzinfo=CET)))
    # no password anywhere
    refused = demo.fail("mail", "import", imap.url, code=2)
    assert "no password for anna@localhost: set PLAINCRM_IMAP_PASSWORD" in refused.stderr
    # a certificate nobody vouches for
    monkeypatch.setenv("PLAINCRM_IMAP_PASSWORD", PASSWORD)
    untrusted = demo.fail("mail", "import", imap.url, code=6)
    assert "certificate is not trusted" in untrusted.stderr and "SSL_CERT_FILE" in untrusted.stderr
    monkeypatch.setenv("SSL_CERT_FILE", str(imap.cert))
    # a wrong password
    monkeypatch.setenv("PLAINCRM_IMAP_PASSWORD", "wrong")
    wrong = demo.fail("mail", "import", imap.url, code=6)
    assert "IMAP login as anna at localhost" in wrong.stderr and "wrong" not in wrong.stderr
    # a password command in the shared settings is never run: anyone who can push
    # would choose what runs on every teammate's machine
    monkeypatch.delenv("PLAINCRM_IMAP_PASSWORD")
    secret, ran = tmp_path / "secret", tmp_path / "ran"
    secret.write_text(f"{PASSWORD}\n")
    settings = demo.read("plaincrm.yaml")
    demo.write(
        "plaincrm.yaml", settings + f"mail:\n  password_command: touch {ran}; cat {secret}\n"
    )
    shared = demo.fail("mail", "import", imap.url, code=5)
    line = len(settings.splitlines()) + 2
    assert f"plaincrm.yaml:{line}: mail.password_command: a command in the team's shared" in (
        shared.stderr
    )
    assert "git config plaincrm.mailPasswordCommand" in shared.stderr
    assert f"plaincrm.yaml:{line}: mail.password_command" in demo.fail("check", code=1).stdout
    assert not ran.exists()
    # the clone's own password command, like mbsync's PassCmd
    demo.write("plaincrm.yaml", settings)
    demo.git("config", "plaincrm.mailPasswordCommand", f"cat {secret} # {{user}}@{{host}}")
    assert "Recorded 1 mail" in demo.run("mail", "import", imap.url).stdout
    assert (
        "no mailbox 'Nope'"
        in demo.fail("mail", "import", imap.url.replace("INBOX", "Nope"), code=6).stderr
    )
