"""The clients domain's record kind (``core.kinds``): every other record links to one."""

from __future__ import annotations

from ..core.kinds import FirstRun, RecordType, register


def first_run() -> FirstRun:
    """A client with mail is parsed (``today``'s mail lists); of any other, the name the
    day view shows for its tasks."""
    from ..core.firstrun import UNSURE, scalar
    from ..core.mailentries import MAIL_SECTION_BYTES

    def look(values: dict[bytes, bytes], data: bytes, mine: bool) -> bool | str:
        if b"##" in data and MAIL_SECTION_BYTES.search(data):
            return True  # its mail: today's mail lists
        name = scalar(values.get(b"name"))
        return True if name is UNSURE else str(name or "")

    return look


register(RecordType("client", "clients", "name", "client", rank=0, first_run=first_run))
