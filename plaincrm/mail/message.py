"""One e-mail message, read into what a client card keeps of it.

Reading is in two steps, so that a message that concerns no client is never
read beyond its header: ``summarize`` reads the header into a ``Summary`` (its
Message-ID, local time, sender and recipients; small enough to be remembered in
the source's state), and ``read_content`` reads a matched message's body into
its excerpt and attachment names.

Nothing here raises on bad mail: missing or malformed headers, unknown
charsets, 8-bit bytes, MIME nested without end, a huge attachment are each read
as far as they can be, with a one-line note of what was wrong (``Summary.skip``
when the message cannot be recorded at all).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import cached_property
from html.parser import HTMLParser
from typing import Any

from ..core.dates import DATE_RANGE, FIRST_DAY, LAST_DAY
from ..core.mailentries import EXCERPT_WIDTH, clean

EXCERPT_CHARS = 3 * EXCERPT_WIDTH  # two or three lines
MAX_DEPTH = 40  # MIME parts nested deeper are not looked into
MAX_PARSE = 16 * 1024 * 1024  # bytes of a message parsed; the rest (attachments) is not read
HEADER_BYTES = 256 * 1024
STAMP = "%Y-%m-%d %H:%M"  # at most this much of a file is read to find its header
_ID_OK = re.compile(r"^[!-~]+$")
_AUTO_PRECEDENCE = ("bulk", "junk", "list", "auto_reply")


@dataclass
class Summary:
    """What matching needs of a message, from its header alone."""

    message_id: str
    utc: str  # when it was written, UTC, "YYYY-MM-DD HH:MM" ("" when not known)
    sender: str  # address, lower case ("" when none)
    recipients: list[str]  # To, Cc and Bcc addresses, lower case
    skip: str | None = None  # why it cannot be recorded
    automatic: str | None = None  # why it is automatic mail (an auto-reply, a list ...)
    notes: list[str] = field(default_factory=list)

    @cached_property
    def stamp(self) -> str:
        """When it was written, in local time: ``YYYY-MM-DD HH:MM``."""
        if not self.utc:
            return ""
        try:
            moment = datetime.strptime(self.utc, STAMP).replace(tzinfo=timezone.utc)
        except ValueError:
            return ""
        return _local(moment)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "i": self.message_id,
            "d": self.utc,
            "f": self.sender,
            "r": self.recipients,
        }
        for key, value in (("s", self.skip), ("a", self.automatic), ("n", self.notes)):
            if value:
                data[key] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        return cls(
            data["i"], data["d"], data["f"], data["r"], data.get("s"), data.get("a"),
            data.get("n", []),
        )  # fmt: skip


@dataclass
class Content:
    """What a card shows of a matched message."""

    subject: str
    sender: str  # "Name <address>"
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    excerpt: str
    attachments: list[str]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- the header


def header_bytes(data: bytes) -> bytes:
    """The header of a message's bytes (up to the first blank line)."""
    for end in (b"\n\n", b"\r\n\r\n"):
        at = data.find(end)
        if at >= 0:
            return data[: at + len(end)]
    return data


def _parse_header(data: bytes) -> Message:
    return BytesHeaderParser(policy=policy.compat32).parsebytes(header_bytes(data))


def summarize(data: bytes, fallback: datetime | None = None) -> Summary:
    """The ``Summary`` of a message (its bytes, at least its whole header);
    ``fallback``: when it arrived (file time, IMAP INTERNALDATE), for a message
    without a readable Date."""
    notes: list[str] = []
    try:
        head = _parse_header(data)
    except Exception as exc:  # the standard library's parser, on bytes from anywhere
        return Summary(_made_id(data), "", "", [], skip=f"unreadable header ({exc})")
    sender = _addresses(head, "From", notes) or _addresses(head, "Sender", notes)
    recipients = [
        address
        for name in ("To", "Cc", "Bcc")
        for _, address in _addresses(head, name, notes)
        if address
    ]
    stamp = _stamp(_first(head, "Date"), notes)
    if stamp is None and fallback is not None:
        stamp = _utc(fallback)
        notes.append("no readable Date: dated when it arrived")
    message_id = _message_id(_first(head, "Message-ID"))
    if message_id is None:
        message_id = _made_id(data)
        notes.append("no Message-ID: recorded under one made from its content")
    summary = Summary(
        message_id,
        stamp or "",
        sender[0][1] if sender else "",
        list(dict.fromkeys(recipients)),
        notes=notes,
    )
    if stamp is None:
        summary.skip = "no date (no readable Date header)"
    elif not summary.sender:
        summary.skip = "no sender (no readable From header)"
    summary.automatic = automatic(head)
    return summary


def automatic(head: Message) -> str | None:
    """Why a message was sent by a machine (an out-of-office reply, a mailing list,
    a bounce), which a card does not record; None for a person's mail."""
    auto = _text(_first(head, "Auto-Submitted")).lower()
    if auto and auto != "no":
        return f"automatic mail (Auto-Submitted: {auto})"
    precedence = _text(_first(head, "Precedence")).lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"automatic mail (Precedence: {precedence})"
    if _first(head, "List-Id") or _first(head, "List-Unsubscribe"):
        return "mailing list mail (List-Id)"
    if _first(head, "X-Autoreply") or _first(head, "X-Autorespond"):
        return "automatic mail (an auto-reply)"
    return None


def _text(value: Any) -> str:
    """A header's text, decoded (RFC 2047 words, 8-bit bytes), on one clean line."""
    if value is None:
        return ""
    raw = _unescape(str(value))
    try:
        parts = decode_header(raw)
    except Exception:  # broken encoded words: the text as it is
        return clean(raw)
    out = []
    for part, charset in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        try:
            out.append(part.decode(charset or "ascii"))
        except (LookupError, UnicodeDecodeError):
            out.append(_unescape(part.decode("ascii", "surrogateescape")))
    return clean("".join(out))


def _unescape(text: str) -> str:
    """8-bit bytes the parser kept as surrogates: UTF-8 when they are, else Windows-1252."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _values(head: Message, name: str) -> list[str]:
    """The raw values of a header (8-bit bytes as surrogates, not yet decoded)."""
    wanted = name.lower()
    return [str(value) for key, value in head.raw_items() if key.lower() == wanted]


def _first(head: Message, name: str) -> str | None:
    values = _values(head, name)
    return values[0] if values else None


def _addresses(head: Message, name: str, notes: list[str]) -> list[tuple[str, str]]:
    values = _values(head, name)
    if not values:
        return []
    try:
        pairs = getaddresses([_unescape(value) for value in values])
    except Exception:
        notes.append(f"unreadable {name} header")
        return []
    out = []
    for display, address in pairs:
        address = clean(address).lower()
        if "@" not in address or " " in address:
            continue
        out.append((_text(display), address))
    if not out:
        notes.append(f"no address in the {name} header")
    return out


def _stamp(value: Any, notes: list[str]) -> str | None:
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        notes.append(f"unreadable Date '{_text(value)[:40]}'")
        return None
    if moment is None:
        return None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:  # every date of a record keeps to them
        notes.append(f"Date '{_text(value)[:40]}' is out of range ({DATE_RANGE})")
        return None
    return _utc(moment)


def _utc(moment: datetime) -> str:
    """A moment in UTC to the minute (a moment without a zone is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc).strftime(STAMP)
    except (OverflowError, ValueError, OSError):
        return moment.strftime(STAMP)


def _local(moment: datetime) -> str:
    """A moment as local time (the machine's, or ``TZ``'s) to the minute."""
    try:
        return moment.astimezone().strftime(STAMP)
    except (OverflowError, ValueError, OSError):
        return moment.strftime(STAMP)


def _message_id(value: Any) -> str | None:
    text = _text(value).strip()
    found = re.search(r"<([^<>\s]+)>", text)
    text = found.group(1) if found else text.strip("<> ")
    if not text or len(text) > 250 or not _ID_OK.match(text):
        return None
    return text


def _made_id(data: bytes) -> str:
    """A Message-ID for a message without one: the same message always gets the same."""
    digest = hashlib.sha1(data[:65536]).hexdigest()[:24]
    return f"{digest}@no-message-id.plaincrm"


# ---------------------------------------------------------------- the body


def read_content(data: bytes, full: bool = False) -> Content:
    """The subject, addresses, excerpt and attachment names of a message's bytes
    (``full``: the whole new text instead of an excerpt)."""
    notes: list[str] = []
    if len(data) > MAX_PARSE:
        data = data[:MAX_PARSE]
        notes.append(
            f"larger than {MAX_PARSE // (1024 * 1024)} MB: attachments after that unlisted"
        )
    try:
        message: Message = BytesParser(policy=policy.default).parsebytes(data)
    except RecursionError:
        notes.append("MIME nested too deeply: recorded without an excerpt")
        message = _parse_header(data)
        message.set_payload("")
    except Exception as exc:
        notes.append(f"unreadable body ({type(exc).__name__}): recorded without an excerpt")
        message = _parse_header(data)
        message.set_payload("")
    head = _parse_header(data)
    sender = _addresses(head, "From", notes) or _addresses(head, "Sender", notes)
    to = _addresses(head, "To", notes)
    cc = _addresses(head, "Cc", notes) + _addresses(head, "Bcc", notes)
    parts, attachments, invitation = _walk(message, notes)
    text = ""
    for kind, part in parts:
        text = _part_text(part, notes)
        if kind == "html":
            text = html_to_text(text)
        text = new_text(text)
        if text:
            break
    if invitation:
        text = f"{invitation} {text}".strip()
    return Content(
        clean(_text(_first(head, "Subject"))),
        _show(*sender[0]) if sender else "",
        to,
        cc,
        clean(text) if full else excerpt(text),
        attachments,
        notes,
    )


def _show(name: str, address: str) -> str:
    name = name.replace("<", "").replace(">", "").replace('"', "").strip()
    name = name.replace("->", "-")
    return f"{name} <{address}>" if name and name.lower() != address else address


def show_addresses(to: list[tuple[str, str]], cc: list[tuple[str, str]], limit: int = 6) -> str:
    """Recipients as a card line shows them: ``A <a@x>, B <b@x>, cc C <c@x>`` with at most
    ``limit`` named and ``and N more``."""
    shown = [_show(*pair) for pair in to[:limit]]
    room = max(0, limit - len(shown))
    copied = [_show(*pair) for pair in cc[:room]]
    if copied:
        shown.append("cc " + copied[0])
        shown += copied[1:]
    rest = len(to) + len(cc) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {rest} more" if rest > 0 else text


def _walk(message: Message, notes: list[str]) -> tuple[list[tuple[str, Message]], list[str], str]:
    """The text parts (plain before HTML), the attachment names, and what a calendar
    invitation says, looking at most ``MAX_DEPTH`` levels deep."""
    plain: list[tuple[str, Message]] = []
    markup: list[tuple[str, Message]] = []
    names: list[str] = []
    invitation = ""
    stack: list[tuple[Message, int]] = [(message, 0)]
    deep = False
    while stack:
        part, depth = stack.pop()
        if depth > MAX_DEPTH:
            deep = True
            continue
        try:
            ctype = part.get_content_type()
            payload = part.get_payload()
            disposition = (part.get_content_disposition() or "").lower()
            filename = part.get_filename()
        except Exception:
            notes.append("a MIME part with unreadable headers was left out")
            continue
        if part.is_multipart() and isinstance(payload, list):
            stack.extend(
                (child, depth + 1) for child in reversed(payload) if isinstance(child, Message)
            )
            continue
        if ctype == "text/calendar":
            invitation = invitation or _invitation(_part_text(part, notes))
            if filename:
                names.append(_text(filename))
            continue
        if filename or disposition == "attachment":
            inline_image = disposition == "inline" and ctype.startswith("image/")
            if not inline_image:
                names.append(_text(filename) or ctype)
            continue
        if ctype == "text/plain":
            plain.append(("plain", part))
        elif ctype == "text/html":
            markup.append(("html", part))
    if deep:
        notes.append(f"MIME nested deeper than {MAX_DEPTH} levels: the deeper parts are not read")
    return plain + markup, names, invitation


def _part_text(part: Message, notes: list[str]) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        if isinstance(content, str):
            return _unescape(content)
    except (LookupError, UnicodeError, ValueError, AssertionError, TypeError, KeyError):
        pass  # an unknown charset or a broken transfer encoding: decoded by hand below
    try:
        raw = part.get_payload(decode=True)
    except Exception:
        raw = None
    if not isinstance(raw, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        notes.append(f"charset '{charset}' unknown or wrong: read as UTF-8")
        return raw.decode("utf-8", "replace")


def _invitation(text: str) -> str:
    """``Invitation: SUMMARY, DATE TIME`` of an iCalendar text (its first event)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    summary = re.search(r"^SUMMARY[^:\n]*:(.*)$", unfolded, re.M)
    start = re.search(r"^DTSTART[^:\n]*:(\d{8})(?:T(\d{4})\d*(Z)?)?", unfolded, re.M)
    method = re.search(r"^METHOD:(\w+)", unfolded, re.M)
    word = "Cancelled" if method and method.group(1).upper() == "CANCEL" else "Invitation"
    bits = [summary.group(1).replace("\\,", ",").replace("\\;", ";").strip() if summary else ""]
    if start:
        day, clock, utc = start.groups()
        when = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        if clock:
            when += f" {clock[:2]}:{clock[2:]}"
            if utc:  # a moment in UTC: shown in local time, as the entries' times
                moment = datetime.strptime(when, STAMP).replace(tzinfo=timezone.utc)
                when = _local(moment)
        bits.append(when)
    said = ", ".join(bit for bit in bits if bit)
    return f"{word}: {said}." if said else f"{word}."


# ---------------------------------------------------------------- the new text


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML mail, without quoted replies, styles and scripts."""

    SKIP = frozenset({"style", "script", "head", "title", "blockquote"})
    BREAK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"})
    QUOTE_MARKS = (
        "gmail_quote",
        "moz-cite-prefix",
        "divrplyfwdmsg",
        "yahoo_quoted",
        "appendonsend",
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        marks = " ".join(f"{key}={value}" for key, value in attrs if value).lower()
        if any(mark in marks for mark in self.QUOTE_MARKS):
            self.stopped = True  # what follows is the quoted earlier mail
            return
        if tag in self.SKIP:
            self.skipping.append(tag)
        elif tag in self.BREAK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        elif tag in self.BREAK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.stopped:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser on garbage: keep what it read
        pass
    return "".join(parser.out)


# The line that starts a quoted earlier mail ("On ... wrote:", Hungarian "... írta:",
# German "Am ... schrieb", Outlook's "-----Original Message-----" or "From: ... Sent:")
_ATTRIBUTION = re.compile(
    r"^(?:on\b.*\bwrote:?|.*\b(?:wrote|írta|schrieb|a écrit|scrisse|escribió|napisał)\s*:?"
    r"|-{2,}\s*(?:original message|eredeti üzenet|ursprüngliche nachricht)\s*-{2,}"
    r"|_{5,})\s*$",
    re.I,
)
_OUTLOOK_HEAD = re.compile(r"^\*?(?:from|feladó|von|de)\s*:\*?\s", re.I)
_OUTLOOK_NEXT = re.compile(r"^\*?(?:sent|date|elküldve|dátum|gesendet|envoyé)\s*:", re.I)
_FORWARD = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|továbbított üzenet|weitergeleitete nachricht)\s*-{2,}"
    r"|begin forwarded message:)\s*$",
    re.I,
)
_SIGNATURE = re.compile(
    r"^(?:--|—|__)\s*$|^(?:best|kind|warm)?\s*regards,?$|^(?:many )?thanks,?$|^cheers,?$"
    r"|^(?:üdvözlettel|tisztelettel|köszönettel|üdv),?$|^(?:mit freundlichen grüßen|mfg|"
    r"viele grüße|liebe grüße),?$|^(?:cordialement|saludos|pozdrawiam),?$"
    r"|^sent from my \w+|^get outlook for \w+|^küldve .*(?:iphone|androidos)",
    re.I,
)


def new_text(text: str) -> str:
    """The text a person wrote in this mail: without the quoted earlier mail, the
    signature, and (for a forward with no words of its own) the forwarded header."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    own: list[str] = []
    forwarded: list[str] | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if _FORWARD.match(stripped):
            forwarded = lines[index + 1 :]
            break
        if _ATTRIBUTION.match(stripped) or (
            _OUTLOOK_HEAD.match(stripped)
            and any(_OUTLOOK_NEXT.match(later.strip()) for later in lines[index + 1 : index + 4])
        ):
            break
        if _SIGNATURE.match(stripped) and any(item.strip() for item in own):
            break
        own.append(line)
    words = " ".join(" ".join(own).split())
    if words or forwarded is None:
        return words
    body = forwarded
    while body and (not body[0].strip() or re.match(r"^\s*[\w -]{2,20}:\s", body[0])):
        body = body[1:]  # the forwarded mail's From:, Date:, Subject:, To: lines
    return "Forwarded: " + new_text("\n".join(body)) if body else "Forwarded."


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut to about ``limit`` characters at a word, with an ellipsis."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"
