"""An IMAP mailbox over TLS: ``imaps://user@host[:port]/Mailbox`` (``imaplib``).

The password is never written anywhere: it comes from ``PLAINCRM_IMAP_PASSWORD``,
else from a command (``PLAINCRM_IMAP_PASSCMD``, else the clone's git config
``plaincrm.mailPasswordCommand``: never the shared ``plaincrm.yaml``, where anyone
who can push would choose a command run on everyone's machine) run by the shell
like mbsync's ``PassCmd``, ``{user}`` and ``{host}`` replaced, whose first output
line is the password.  The server's certificate is checked against the system's
certificate authorities (``SSL_CERT_FILE`` names another bundle, for a server with
its own).

The mailbox is opened read-only (``EXAMINE``): nothing is marked as read.  Only
headers are fetched for matching; whole messages only for those recorded.
The state remembers UIDVALIDITY and the highest UID whose header was fetched:
the next run asks only for later UIDs (all again when UIDVALIDITY changed).
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import re
import shlex
import ssl
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..core.errors import InvalidError, UsageError
from .message import MAX_PARSE, summarize
from .sources import Item, Source, _cached

PASSWORD_ENV = "PLAINCRM_IMAP_PASSWORD"
PASSCMD_ENV = "PLAINCRM_IMAP_PASSCMD"
BATCH = 200  # UIDs per FETCH of headers
TIMEOUT = 60  # seconds without an answer before the connection is given up
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_FETCH_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
_INTERNAL_RE = re.compile(rb'INTERNALDATE "([^"]+)"')


class ImapSource(Source):
    def __init__(self, url: str, root: Path, password_command: str | None) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            raise UsageError(f"{url}: give the server, like imaps://anna@imap.example.com/INBOX")
        if not parts.username:
            raise UsageError(f"{url}: give the user, like imaps://anna@{parts.hostname}/INBOX")
        self.user = unquote(parts.username)
        self.host = parts.hostname
        try:
            self.port = parts.port or 993
        except ValueError:
            raise UsageError(f"{url}: the port is not a number") from None
        if parts.password:
            raise UsageError(
                f"imaps://{self.user}@{self.host}/...: a password in the URL would be written to "
                f"your shell history; set {PASSWORD_ENV} or git config plaincrm.mailPasswordCommand"
            )
        self.mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
        self.password_command = password_command
        label = f"imaps://{self.user}@{self.host}{'' if self.port == 993 else f':{self.port}'}"
        super().__init__(f"{label}/{self.mailbox}", root)
        self.conn: imaplib.IMAP4_SSL | None = None
        self.sizes: dict[str, int] = {}

    # ------------------------------------------------------------ connecting

    def password(self) -> str:
        given = os.environ.get(PASSWORD_ENV)
        if given:
            return given
        command = os.environ.get(PASSCMD_ENV) or self.password_command
        if not command:
            raise UsageError(
                f"no password for {self.user}@{self.host}: set {PASSWORD_ENV}, or a command "
                "that prints it (like mbsync's PassCmd): "
                "git config plaincrm.mailPasswordCommand 'pass show mail/{user}@{host}'"
            )
        filled = command.replace("{user}", shlex.quote(self.user)).replace(
            "{host}", shlex.quote(self.host)
        )
        try:
            done = subprocess.run(
                ["/bin/sh", "-c", filled], capture_output=True, text=True, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise InvalidError(f"the password command could not run ({exc})") from None
        lines = done.stdout.splitlines()
        if done.returncode != 0 or not lines or not lines[0]:
            why = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
            raise InvalidError(f"the password command printed no password ({why[0]})")
        return lines[0]

    def connect(self) -> imaplib.IMAP4_SSL:
        if self.conn is not None:
            return self.conn
        password = self.password()
        where = f"{self.host}:{self.port}"
        try:
            conn = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
            )
        except ssl.SSLCertVerificationError as exc:
            raise InvalidError(
                f"{where}: the server's certificate is not trusted ({exc.verify_message}); "
                "for a server with its own certificate authority set SSL_CERT_FILE to its file"
            ) from None
        except (OSError, ssl.SSLError, imaplib.IMAP4.error) as exc:
            raise InvalidError(f"cannot reach the IMAP server {where} over TLS ({exc})") from None
        try:
            conn.login(self.user, password)
        except imaplib.IMAP4.error as exc:
            _quietly_logout(conn)
            message = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
            raise InvalidError(
                f"IMAP login as {self.user} at {where} refused ({message})"
            ) from None
        status, _ = conn.select(_quote(self.mailbox), readonly=True)
        if status != "OK":
            _quietly_logout(conn)
            raise InvalidError(f"{self.label}: no mailbox '{self.mailbox}' on {self.host}")
        self.conn = conn
        return conn

    def close(self) -> None:
        if self.conn is not None:
            _quietly_logout(self.conn)
            self.conn = None

    # ------------------------------------------------------------ reading

    def scan(self, since: str | None) -> list[Item]:
        self.load_state()
        conn = self.connect()
        validity = _response(conn, "UIDVALIDITY")
        if self.state.get("uidvalidity") != validity:
            self.state = {"uidvalidity": validity, "items": {}, "last": 0, "since": None}
        items_state: dict[str, Any] = dict(self.state.get("items", {}))
        last = int(self.state.get("last") or 0)
        scanned_since = self.state.get("since")
        wanted = self._search(f"UID {last + 1}:*", since)
        if last and scanned_since and (since is None or since < scanned_since):
            # earlier mail than the runs before asked for: headers not fetched yet
            wanted += self._search(f"UID 1:{last} BEFORE {_imap_date(scanned_since)}", since)
        new = sorted({uid for uid in wanted if str(uid) not in items_state and uid > 0})
        for start in range(0, len(new), BATCH):
            for uid, size, head, arrived in self._headers(new[start : start + BATCH]):
                items_state[str(uid)] = dict(summarize(head, arrived).as_json(), z=size)
        highest = max([last, *new]) if new or last else 0
        if not last or since is None or (scanned_since and since < scanned_since):
            self.state["since"] = since
        self.state.update(items=items_state, last=highest)
        items = []
        for key, data in items_state.items():
            summary = _cached(self.state, key)
            if summary is not None:
                self.sizes[key] = int(data.get("z") or 0)
                items.append(Item(key, f"{self.label} UID {key}", summary))
        items.sort(key=lambda item: (item.summary.utc, int(item.key)))
        return items

    def _search(self, criteria: str, since: str | None) -> list[int]:
        conn = self.connect()
        if since:
            criteria += f" SINCE {_imap_date(since)}"
        status, data = conn.uid("SEARCH", *criteria.split())
        if status != "OK":
            raise InvalidError(f"{self.label}: the server refused to search ({data})")
        return [int(uid) for uid in b" ".join(part or b"" for part in data).split()]

    def _headers(self, uids: list[int]) -> Iterator[tuple[int, int, bytes, datetime | None]]:
        conn = self.connect()
        wanted = ",".join(str(uid) for uid in uids)
        status, data = conn.uid("FETCH", wanted, "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])")
        if status != "OK":
            raise InvalidError(f"{self.label}: the server refused to send headers ({data})")
        for part in data:
            if not isinstance(part, tuple):
                continue
            info, head = part
            uid = _FETCH_RE.search(info)
            if uid is None:
                continue
            size = _SIZE_RE.search(info)
            internal = _INTERNAL_RE.search(info)
            arrived = None
            if internal:
                try:
                    arrived = parsedate_to_datetime(internal.group(1).decode())
                except (TypeError, ValueError):
                    arrived = None
            yield int(uid.group(1)), int(size.group(1)) if size else 0, head, arrived

    def read(self, items: list[Item]) -> Iterator[tuple[Item, bytes | None]]:
        conn = self.connect()
        for item in items:
            big = self.sizes.get(item.key, 0) > MAX_PARSE
            what = f"(BODY.PEEK[]<0.{MAX_PARSE}>)" if big else "(BODY.PEEK[])"
            try:
                status, data = conn.uid("FETCH", item.key, what)
            except (TimeoutError, OSError, imaplib.IMAP4.error) as exc:
                raise InvalidError(f"{self.label}: the connection failed ({exc})") from None
            body = next((part[1] for part in data if isinstance(part, tuple)), None)
            yield item, body if status == "OK" else None


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _response(conn: imaplib.IMAP4_SSL, code: str) -> str:
    _, data = conn.response(code)
    values = [value.decode() if isinstance(value, bytes) else str(value) for value in data if value]
    return values[-1] if values else ""


def _imap_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def _quietly_logout(conn: imaplib.IMAP4_SSL) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()
