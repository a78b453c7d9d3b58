"""Real-world-shaped mail, built with the standard library, into Maildirs and mbox files.

The messages are what a small sales team's mailbox holds: a client's inquiry
from Outlook (multipart/alternative, HTML, quoted-printable Hungarian accents),
a reply with the quoted earlier mail and a signature, a forwarded thread, a
calendar invitation, an auto-reply and a newsletter, and mail of nobody the CRM
knows.  ``bad_messages`` are the ones that break naive importers.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

CET = timezone(timedelta(hours=1))
ANNA = ("Anna Kovács", "anna@kovacs-trading.example")
BEN = ("Ben Weiss", "ben@kovacs-trading.example")
GABOR = ("Tóth Gábor", "gabor.toth@danubehotels.example")
KATALIN = ("Horváth Katalin", "katalin.horvath@danubehotels.example")
ZSOFIA = ("Zsófia Kiss", "zsofia@cafe-aurora.example")
STRANGER = ("Péter Új", "peter@new-prospect.example")


def addr(person: tuple[str, str]) -> str:
    name, address = person
    return f'"{name}" <{address}>'


def message(
    sender: tuple[str, str],
    to: Iterable[tuple[str, str]],
    subject: str,
    text: str,
    when: datetime,
    *,
    cc: Iterable[tuple[str, str]] = (),
    html: str | None = None,
    msgid: str | None = None,
    reply_to: EmailMessage | None = None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    charset: str = "utf-8",
) -> EmailMessage:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = addr(sender)
    msg["To"] = ", ".join(addr(p) for p in to)
    if cc:
        msg["Cc"] = ", ".join(addr(p) for p in cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = msgid or make_msgid(domain=sender[1].split("@")[1])
    if reply_to is not None:
        msg["In-Reply-To"] = reply_to["Message-ID"]
        msg["References"] = reply_to["Message-ID"]
    msg.set_content(text, charset=charset, cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
    for name, data, ctype in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def inquiry() -> EmailMessage:
    """Gábor asks, from Outlook: plain and HTML, Hungarian accents, an attachment."""
    text = (
        "Kedves Anna!\n\n"
        "Küldenétek árajánlatot 14 gépre, lízinggel? Az igazgatóság december 1-jén dönt, "
        "előtte szeretnénk látni a számokat.\n\n"
        "Üdvözlettel,\nTóth Gábor\nbeszerzési igazgató\nDanube Hotels Zrt.\n"
    )
    html = (
        "<html><head><style>p{margin:0}</style></head><body>"
        "<p>Kedves Anna!</p><p>Küldenétek árajánlatot 14 gépre, lízinggel? Az igazgatóság "
        "december 1-jén dönt, előtte szeretnénk látni a számokat.</p>"
        "<p>Üdvözlettel,<br>Tóth Gábor</p></body></html>"
    )
    return message(
        GABOR,
        [ANNA],
        "Árajánlat 14 gépre",
        text,
        datetime(2026, 11, 20, 9, 14, tzinfo=CET),
        cc=[KATALIN],
        html=html,
        msgid="<CAB-inquiry-1@mail.danubehotels.example>",
        attachments=[("igények.pdf", b"%PDF-1.4 requirements", "application/pdf")],
    )


def reply(to_msg: EmailMessage) -> EmailMessage:
    """Anna answers, quoting Gábor, with a signature."""
    text = (
        "Kedves Gábor!\n\n"
        "Csatolom a kalkulációt: 14 gép 36 hónapos lízinggel, havi 1 240 EUR.\n\n"
        "--\nKovács Anna\nKovacs Trading\n+36 1 555 0100\n\n"
        "2026. nov. 20., p 9:14 Tóth Gábor <gabor.toth@danubehotels.example> ezt írta:\n"
        "> Kedves Anna!\n> Küldenétek árajánlatot 14 gépre?\n"
    )
    return message(
        ANNA,
        [GABOR],
        "Re: Árajánlat 14 gépre",
        text,
        datetime(2026, 11, 21, 10, 2, tzinfo=CET),
        msgid="<reply-1@kovacs-trading.example>",
        reply_to=to_msg,
        attachments=[("kalkuláció.xlsx", b"PK\x03\x04 fake xlsx", "application/octet-stream")],
    )


def client_reply(to_msg: EmailMessage) -> EmailMessage:
    """Gábor answers Anna: Outlook-style, the earlier mail below a From:/Sent: block."""
    text = (
        "Köszönjük, továbbítottam az igazgatóságnak.\n\n"
        "From: Anna Kovács <anna@kovacs-trading.example>\n"
        "Sent: Saturday, November 21, 2026 10:02 AM\n"
        "To: Tóth Gábor\nSubject: Re: Árajánlat 14 gépre\n\nKedves Gábor! ...\n"
    )
    return message(
        GABOR,
        [ANNA],
        "RE: Árajánlat 14 gépre",
        text,
        datetime(2026, 11, 24, 8, 30, tzinfo=CET),
        msgid="<CAB-thanks-2@mail.danubehotels.example>",
        reply_to=to_msg,
    )


def forward() -> EmailMessage:
    """Ben forwards a supplier's thread to Zsófia at Café Aurora, with a line of his own."""
    text = (
        "Zsófia, see below: the gasket ships Monday.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Supplier <orders@supplier.example>\nDate: Mon, 23 Nov 2026\n"
        "Subject: Gasket order\nTo: Ben\n\nYour gasket ships on Monday.\n"
    )
    return message(
        BEN,
        [ZSOFIA],
        "Fwd: Gasket order",
        text,
        datetime(2026, 11, 23, 14, 0, tzinfo=CET),
        msgid="<fwd-1@kovacs-trading.example>",
    )


def invitation() -> EmailMessage:
    """Anna invites Katalin to the tasting (text/calendar, METHOD:REQUEST)."""
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:tasting-1@kovacs-trading.example\r\n"
        "DTSTART:20261203T100000Z\r\nDTEND:20261203T120000Z\r\n"
        "SUMMARY:Tasting for the F&B team\r\nLOCATION:Danube Hotel Pest\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    msg = message(
        ANNA,
        [KATALIN],
        "Invitation: Tasting for the F&B team",
        "",
        datetime(2026, 11, 25, 11, 0, tzinfo=CET),
        msgid="<invite-1@kovacs-trading.example>",
    )
    msg.clear_content()
    msg.set_content("You are invited.", cte="7bit")
    msg.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
    return msg


def auto_reply() -> EmailMessage:
    msg = message(
        KATALIN,
        [ANNA],
        "Automatic reply: Invitation",
        "I am out of the office until Monday.",
        datetime(2026, 11, 25, 11, 1, tzinfo=CET),
        msgid="<ooo-1@danubehotels.example>",
    )
    msg["Auto-Submitted"] = "auto-replied"
    return msg


def newsletter() -> EmailMessage:
    msg = message(
        ("Danube Hotels News", "news@danubehotels.example"),
        [ANNA],
        "Our winter menu",
        "Read all about it.",
        datetime(2026, 11, 22, 7, 0, tzinfo=CET),
        msgid="<news-1@danubehotels.example>",
    )
    msg["List-Id"] = "<news.danubehotels.example>"
    return msg


def stranger() -> EmailMessage:
    return message(
        STRANGER,
        [ANNA],
        "Coffee machines for our office?",
        "Hello, we are 40 people and look for a machine.",
        datetime(2026, 11, 26, 16, 45, tzinfo=CET),
        msgid="<new-1@new-prospect.example>",
    )


def inbox_messages() -> list[EmailMessage]:
    first = inquiry()
    return [first, client_reply(reply(first)), invitation(), auto_reply(), newsletter(), stranger()]


def sent_messages() -> list[EmailMessage]:
    return [reply(inquiry()), forward(), invitation()]


def make_maildir(path: Path, messages: Iterable[EmailMessage | bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(path), create=True)
    for msg in messages:
        box.add(msg.as_bytes() if isinstance(msg, EmailMessage) else msg)
    return path


def make_mbox(path: Path, messages: Iterable[EmailMessage | bytes]) -> Path:
    box = mailbox.mbox(str(path), create=True)
    box.lock()
    try:
        for msg in messages:
            box.add(msg.as_bytes() if isinstance(msg, EmailMessage) else msg)
    finally:
        box.flush()
        box.unlock()
    return path


# ---------------------------------------------------------------- mail that breaks importers


def _raw(header: str, body: bytes = b"Hello.\n") -> bytes:
    return header.replace("\n", "\r\n").encode("latin-1", "surrogateescape") + b"\r\n" + body


def bad_messages() -> dict[str, bytes]:
    """Name -> bytes of messages that break naive importers; all from or to Gábor."""
    g = "gabor.toth@danubehotels.example"
    day = "Fri, 20 Nov 2026 09:00:00 +0100"
    nested = b""
    depth = 120
    for level in range(depth):
        nested += (
            f'--b{level}\r\nContent-Type: multipart/mixed; boundary="b{level + 1}"\r\n\r\n'.encode()
        )
    nested += f"--b{depth}\r\nContent-Type: text/plain\r\n\r\nDeep down.\r\n".encode()
    for level in reversed(range(depth + 1)):
        nested += f"--b{level}--\r\n".encode()
    big = b"A" * (50 * 1024 * 1024)
    recipients = ", ".join(f"guest{n}@danubehotels.example" for n in range(500))
    return {
        "no-message-id": _raw(
            f"From: {g}\nTo: anna@kovacs-trading.example\nSubject: No id\nDate: {day}\n"
        ),
        "no-date": _raw(
            f"From: {g}\nTo: anna@kovacs-trading.example\nSubject: No date\n"
            "Message-ID: <nodate@x>\n"
        ),
        "bad-from": _raw(
            f"From: <<<>>> @@@\nTo: {g}\nSubject: Bad from\nDate: {day}\nMessage-ID: <badfrom@x>\n"
        ),
        "bad-date": _raw(
            f"From: {g}\nTo: anna@kovacs-trading.example\nSubject: Bad date\n"
            "Date: Friday at noon\nMessage-ID: <baddate@x>\n"
        ),
        "unknown-charset": _raw(
            f"From: {g}\nTo: anna@kovacs-trading.example\nSubject: =?x-klingon?q?Qapla=27?=\n"
            f"Date: {day}\nMessage-ID: <charset@x>\nContent-Type: text/plain; charset=x-klingon\n",
            b"Qapla' \xe9\xe1\xfb\n",
        ),
        "eight-bit-garbage": _raw(
            f"From: G\xe1bor \xff\xfe <{g}>\nTo: anna@kovacs-trading.example\n"
            f"Subject: \xc1raj\xe1nlat \x81\x8d garbage\nDate: {day}\nMessage-ID: <garbage@x>\n",
            b"\xff\xfe\x00 binary \xc3\x28 bytes\n",
        ),
        "huge-attachment": _raw(
            f"From: {g}\nTo: anna@kovacs-trading.example\nSubject: Floor plans\nDate: {day}\n"
            "Message-ID: <huge@x>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="XX"\n',
            b"--XX\r\nContent-Type: text/plain\r\n\r\nThe plans, 50 MB.\r\n--XX\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b'Content-Disposition: attachment; filename="plans.dwg"\r\n'
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + big + b"\r\n--XX--\r\n",
        ),
        "deep-mime": _raw(
            f"From: {g}\nTo: anna@kovacs-trading.example\nSubject: Deep\nDate: {day}\n"
            "Message-ID: <deep@x>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="b0"\n',
            nested,
        ),
        "many-recipients": _raw(
            f"From: anna@kovacs-trading.example\nTo: {recipients}\nCc: {g}\n"
            "Subject: Christmas offer\n"
            f"Date: {day}\nMessage-ID: <many@x>\n"
        ),
        "no-header-at-all": b"\x00\x01\x02 just bytes, no header \xff\n",
    }
