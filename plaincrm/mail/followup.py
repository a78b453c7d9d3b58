"""What the recorded mail asks of the team, as data for every front end.

``mail_lists`` gives the two lists of ``today``:

- *waiting for your answer*: threads whose last mail came from a client and has
  had no answer from the team for ``mail.answer_within`` working hours (the
  working day of ``workday:``), oldest first;
- *no answer yet*: threads where the team wrote last and the client has been
  silent for ``mail.follow_up_after`` days: follow-up candidates, oldest first.

Threads quiet for longer than ``mail.look_back`` days are on neither.  A mail is
yours when it was sent to you (waiting) or by you (no answer yet); one that went
to or from none of the users' addresses (a shared address at an internal
domain) is the client owner's.  ``recorded_mail`` is every recorded mail, for
``mail list``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..core.model import slug_of
from ..core.store import Store
from ..core.workhours import Hours, working_minutes
from .facts import ENTRY_FIELDS, facts_rows
from .settings import MailSettings, read_mail


@dataclass
class FollowUp:
    """A thread on one of ``today``'s mail lists."""

    subject: str
    stamp: str  # of its last mail
    sender: str
    message_id: str
    clients: list[tuple[str, str]]  # (path, name)
    waited: int  # working minutes (waiting) or days (no answer yet)

    def as_json(self) -> dict[str, Any]:
        date, _, time = self.stamp.partition(" ")
        return {
            "subject": self.subject,
            "date": date,
            "time": time or None,
            "from": self.sender,
            "message_id": self.message_id,
            "clients": [{"record": path, "name": name} for path, name in self.clients],
            "waited": self.waited,
        }


@dataclass
class MailLists:
    waiting: list[FollowUp] = field(default_factory=list)
    silent: list[FollowUp] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "waiting_for_answer": [item.as_json() for item in self.waiting],
            "no_answer_yet": [item.as_json() for item in self.silent],
        }


def _stamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return None


def mail_lists(store: Store, moment: datetime, owner: str | None) -> MailLists:
    """The mail lists of ``owner`` (None: everybody) at ``moment``."""
    settings, problems = read_mail(store.config)
    if problems:  # check reports them; today still shows the rest of the day
        return MailLists()
    cutoff = (moment - timedelta(days=settings.look_back)).strftime("%Y-%m-%d %H:%M")
    rows = facts_rows(store.index.conn, "$.threads", cutoff)
    if not rows:
        return MailLists()
    names = store.titles(path for path, _, _ in rows)
    hours = Hours.of(store.config)
    found: dict[tuple[str, str], FollowUp] = {}
    for path, client_owner, threads in rows:
        for _, subject, stamp, direction, sender, addresses, key in threads:
            when = _stamp(stamp)
            if when is None or stamp < cutoff or when > moment:
                continue
            if owner is not None and not _yours(
                settings, direction, addresses, client_owner, owner
            ):
                continue
            if direction == "in":
                waited = working_minutes(when, moment, hours)
                if waited < settings.answer_within:
                    continue
                kind = "waiting"
            else:
                waited = (moment.date() - when.date()).days
                if waited < settings.follow_up_after:
                    continue
                kind = "silent"
            item = found.setdefault(
                (kind, key), FollowUp(subject, stamp, _name(sender), key, [], waited)
            )
            item.clients.append((path, names.get(path, slug_of(path))))
    lists = MailLists()
    for (kind, _), item in sorted(found.items(), key=lambda pair: pair[1].stamp):
        (lists.waiting if kind == "waiting" else lists.silent).append(item)
    return lists


def _yours(
    settings: MailSettings, direction: str, addresses: list[str], client_owner: Any, owner: str
) -> bool:
    team = settings.team
    if direction == "out":
        sender = team.get(addresses[0]) if addresses else None
        if sender is not None:
            return sender == owner
    else:
        users = {team[address] for address in addresses[1:] if address in team}
        if users:
            return owner in users
    return client_owner in (owner, None)


def _name(sender: str) -> str:
    name = sender.split("<", 1)[0].strip().strip('"')
    return name or sender.strip("<> ")


# ---------------------------------------------------------------- mail list


@dataclass
class RecordedMail:
    """A mail as a client file records it, with its client."""

    client: str  # path
    client_name: str
    fields: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        date, _, time = str(self.fields["stamp"]).partition(" ")
        return {
            "client": self.client,
            "client_name": self.client_name,
            "date": date,
            "time": time or None,
            "direction": self.fields["direction"],
            "from": self.fields["sender"],
            "to": self.fields["recipients"],
            "subject": self.fields["subject"],
            "deal": self.fields["deal"],
            "excerpt": self.fields["excerpt"],
            "message_id": None
            if str(self.fields["key"]).startswith("line:")
            else self.fields["key"],
        }


def recorded_mail(store: Store) -> list[RecordedMail]:
    """Every recorded mail, oldest first."""
    rows = facts_rows(store.index.conn)
    names = store.titles(path for path, _, _ in rows)
    found = [
        RecordedMail(
            path, names.get(path, slug_of(path)), dict(zip(ENTRY_FIELDS, entry, strict=False))
        )
        for path, _, entries in rows
        for entry in entries
    ]
    found.sort(key=lambda item: (item.fields["stamp"], item.client))
    return found


def recorded_keys(store: Store) -> dict[str, set[str]]:
    """Client path -> the keys (Message-IDs) of the mail its file records."""
    return {
        path: {entry[0] for entry in entries} for path, _, entries in facts_rows(store.index.conn)
    }
