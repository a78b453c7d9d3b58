"""What importing a record of a particular type needs beyond its schema.

``NEW_RECORD[type]`` fills the defaults a new record gets from its own
command and returns its body; ``SLUG_BASE[type]`` makes its file name;
``UPDATED[type]`` adds to an updated record what its own commands would (a
deal logs changed details).  The fields that only their commands change, because
those commands record the change (a deal's stage goes through ``deal move``,
which logs it), are each kind's ``by_command`` (``core.kinds``).  Deals and tickets are made
exactly as ``plaincrm deal add`` and ``plaincrm ticket add`` make them (tested).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.records import append_log, log_line
from ..core.store import Store
from .plan import Change

NewRecord = Callable[[Store, dict[str, Any]], str]
Updated = Callable[[Store, str, list[Change]], str]


def new_deal(store: Store, fields: dict[str, Any]) -> str:
    """A deal's stage (the first by default), its probability and currency, and the
    ``opened`` log line, as ``dealops.add_deal`` writes them."""
    from ..sales.deallog import Event, event_line
    from ..sales.pipeline import settings

    pipeline = settings(store)
    given = fields.get("stage")
    stage = pipeline.find_stage(str(given)) if given else pipeline.first_stage
    fields["stage"] = stage.name
    probability = fields.get("probability")
    manual = fields.get("probability_manual")
    if manual is None:
        manual = probability is not None and probability != stage.probability
    manual = bool(manual) and not stage.closed
    fields["probability"] = probability if manual else stage.probability
    fields["probability_manual"] = True if manual else None
    if fields.get("amount") is not None and not fields.get("currency"):
        fields["currency"] = pipeline.money.currency
    if stage.closed and not fields.get("closed"):
        fields["closed"] = fields.get("close") or store.today()
    event = Event("opened", stage.name, None, fields["probability"], manual)
    return f"## Tasks\n\n## Log\n\n{event_line(store.today(), store.current_user(), event)}"


def updated_deal(store: Store, text: str, changes: list[Change]) -> str:
    """Log the changed details, as ``deal set`` does."""
    from ..sales.deallog import Event, event_line
    from .exporter import csv_cell

    said = "; ".join(
        f"{c.key} {csv_cell(c.old) if c.old not in (None, '') else 'none'} -> {csv_cell(c.new)}"
        for c in changes
    )
    line = event_line(store.today(), store.current_user(), Event("changed", text=said))
    return append_log(text, [line])


def new_ticket(store: Store, fields: dict[str, Any]) -> str:
    """A ticket's kind, priority, status and opening time, the empty conversation and
    the ``opened`` log line, as ``tickets.add_ticket`` writes them.  A ticket that
    comes in with another status than ``new`` also gets the status change the SLA
    clocks read (``status new -> waiting: imported``), at its opening time: its
    clocks then run, pause or stop as its status says."""
    from ..core.dates import now
    from ..service.sla import format_stamp, status_line_text
    from ..service.tickets import CONVERSATION

    fields.setdefault("kind", "request")
    fields.setdefault("priority", "normal")
    fields.setdefault("status", "new")
    fields.setdefault("opened", format_stamp(now()))
    how = ", ".join(str(fields[k]) for k in ("kind", "priority", "channel") if fields.get(k))
    lines = [log_line(str(fields["opened"]), store.current_user(), f"opened ({how})")]
    if fields["status"] != "new":
        change = status_line_text("new", str(fields["status"]), "imported")
        lines.append(log_line(str(fields["opened"]), store.current_user(), change))
    return f"## {CONVERSATION}\n\n## Tasks\n\n## Log\n\n" + "\n".join(lines)


def ticket_slug(values: dict[str, Any]) -> str:
    """The client's ref and the subject's first words, as ``ticket add`` names a file."""
    from ..service.tickets import slug_base

    return slug_base(str(values.get("client") or ""), str(values.get("subject") or ""))


NEW_RECORD: dict[str, NewRecord] = {"deal": new_deal, "ticket": new_ticket}
# What a new record's file name is made from (default: its title), as its command does.
SLUG_BASE: dict[str, Callable[[dict[str, Any]], str]] = {
    "deal": lambda values: f"{values.get('client') or ''} {values.get('title') or ''}",
    "ticket": ticket_slug,
}
UPDATED: dict[str, Updated] = {"deal": updated_deal}
