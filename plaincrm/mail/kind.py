"""What the mail domain adds to the kinds (``core.kinds``): the facts the index keeps of a
client's mail and the check of the ``mail:`` settings; the mails each person recorded, for
the sales activity report (the deal kind's ``activity_mails`` hook)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.kinds import Facts, extend

if TYPE_CHECKING:
    from ..core.errors import Problem
    from ..core.store import Store


def facts() -> Facts:
    from .facts import mail_facts

    return mail_facts


def check(store: Store) -> list[Problem]:
    from .settings import check_mail

    return check_mail(store)


def mails(store: Store, since: str) -> list[tuple[str | None, str]]:
    """``(who, day)`` of every mail recorded on or after ``since``: an outgoing mail is
    its sender's (a user's address), any other the client owner's."""
    from ..core.mailentries import addresses_in
    from .facts import ENTRY_FIELDS, facts_rows

    users = {u.email.lower(): u.name for u in store.config.users if u.email}
    found: list[tuple[str | None, str]] = []
    for _path, client_owner, entries in facts_rows(store.index.conn, since=since):
        for values in entries:
            item = dict(zip(ENTRY_FIELDS, values, strict=False))
            sent = addresses_in(str(item["sender"]))
            who = client_owner
            if item["direction"] == "out" and sent and sent[0].lower() in users:
                who = users[sent[0].lower()]
            found.append((who, str(item["stamp"])[:10]))
    return found


extend("client", facts=facts, checks=(check,))
extend("deal", hooks={"activity_mails": (mails,)})
