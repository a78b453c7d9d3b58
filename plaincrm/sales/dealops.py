"""Deal operations: open, move, win, lose, reopen and change deals.

Each operation reads the deal fresh from disk, refuses what makes no sense
with an error that says what to do instead, changes only the front matter
values it must (``frontmatter.set_fields``), appends one line per event to the
deal's ``## Log`` (grammar in ``deallog``) and makes exactly one commit.

Stage gates: the deal kind's ``"stage_gate"`` hook (``core.kinds``: another
domain adds one with ``kinds.extend("deal", hooks={"stage_gate": (gate,)})``)
holds functions ``(store, deal_record, target_stage) -> refusal message | None``
consulted before a deal moves to another stage or is won.  A refusal stops the
command unless it is forced (``force=True``, ``--force`` on the command line); a
forced refusal is written to the log as ``forced past: <message>``.  The
documents domain's gate checks the documents a stage ``requires:``
(pipeline.stages in plaincrm.yaml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..clients.clients import new_owner
from ..core.dates import parse_iso_date
from ..core.errors import ConflictError, InvalidError, NotFoundError, UsageError, did_you_mean
from ..core.frontmatter import append_items, set_fields
from ..core.ids import slugify, unique_slug
from ..core.kinds import TYPES
from ..core.model import Record, path_of, slug_of
from ..core.money import check_currency, parse_amount
from ..core.records import append_log, new_record_text, one_line, parse_record
from ..core.setfields import Edit, Wanted, check_owner, plan_edit, set_record
from ..core.store import Store, type_of_path, writes
from .deallog import LOST, WON, Event, closed_at, event_line
from .deals import Deal, deal_of
from .pipeline import Pipeline, competitor_names, settings

Gate = Callable[[Store, Record, str], str | None]
GATE = "stage_gate"  # the deal kind's hook: the gates of a stage

Money = Decimal | int | float | str


@writes
def add_deal(
    store: Store,
    client_path: str,
    title: str,
    *,
    amount: Money | None = None,
    currency: str | None = None,
    close: date | str | None = None,
    stage: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    message: str | None = None,
    probability: int | str | None = None,
    competitors: Iterable[str] = (),
    commit: bool = True,
    force: bool = False,
) -> str:
    """Open a deal for the client at ``client_path`` (``clients/<slug>.md``).

    Creates ``deals/<client>-<title>.md`` in ``stage`` (default: the first
    stage), with the stage's probability unless ``probability`` is given
    (``60`` or ``"60%"``, as ``set_deal`` takes it; then it is kept as set by
    hand; ``"auto"``: the stage's), ``currency`` defaulting to money.currency
    when an amount is given, and ``owner`` defaulting to the current user.
    The starting stage's the stage gates are consulted as for a move (``force``
    overrides them and logs ``forced past: ...`` first); a new deal has no
    documents yet, so a stage that requires some refuses it.
    Logs ``opened in <stage> (<p>%)``, commits with ``message`` (default
    ``deal add: <title> (<path>)``; ``commit=False``: the caller commits the
    file with its own change) and returns the deal's path.
    """
    pipeline = settings(store)
    title = one_line(title)
    if not title:
        raise InvalidError("a deal needs a title, e.g. 'Espresso machines for the new shop'")
    if type_of_path(client_path).name != "client" or store.indexed(client_path) is None:
        raise NotFoundError(f"no client {client_path} (list them with 'plaincrm client list')")
    chosen = pipeline.find_stage(stage) if stage else pipeline.first_stage
    if chosen.closed:
        raise InvalidError(
            f"a new deal cannot start as {chosen.name}: add it in an open stage, then "
            f"'plaincrm deal {'win' if chosen.name == WON else 'lose'} REF'"
        )
    owner = new_owner(store, owner)
    value = parse_amount(amount) if amount is not None else None
    code = check_currency(currency) if currency else None
    if value is not None and code is None:
        code = pipeline.money.currency
    if probability is not None and str(probability).lower() == AUTO:
        probability = None  # follows the stage, as without it
    manual = probability is not None
    percent = _check_probability(probability) if probability is not None else chosen.probability
    met = [find_competitor(store, pipeline, name) for name in competitors]
    client_slug = slug_of(client_path)
    slug = unique_slug(slugify(f"{client_slug} {title}"), lambda s: store.exists("deal", s))
    path = path_of("deal", slug)
    fields: dict[str, Any] = {
        "client": client_slug,
        "title": title,
        "stage": chosen.name,
        "probability": percent,
        "probability_manual": True if manual else None,
        "amount": value,
        "currency": code,
        "close": _close_date(close),
        "owner": owner,
        "source": one_line(source) if source else None,
        "created": store.today(),
        "competitors": list(dict.fromkeys(met)) or None,
    }
    text = new_record_text(fields, "## Tasks\n\n## Log\n")
    record = parse_record(type_of_path(path), path, text)
    forced = _gates(store, record, chosen.name, force, new=True)
    opened = Event("opened", chosen.name, None, percent, manual)
    lines = [event_line(store.today(), store.current_user(), e) for e in [*forced, opened]]
    store.create(path, append_log(text, lines))
    if commit:  # commit=False: the caller commits the deal with the files it changes
        store.commit([path], message or f"deal add: {title} ({path})")
    return path


@dataclass
class NewDeal:
    """A deal another command opens together with its own change (a ticket's
    upsell, a campaign response): created by ``add``, committed by that command
    with its own files (``store.modify_all(..., created=[deal])``)."""

    title: str
    amount: Money | None = None
    currency: str | None = None
    close: date | None = None

    def add(self, store: Store, client_path: str, source: str) -> str:
        """Create the deal (not committed) with ``source``; return its path."""
        return add_deal(
            store,
            client_path,
            self.title,
            amount=self.amount,
            currency=self.currency,
            close=self.close,
            source=source,
            commit=False,
        )


@writes
def move_deal(store: Store, path: str, stage: str, *, force: bool = False) -> list[Event]:
    """Move an open deal to another open stage; the probability follows the stage
    unless it was set by hand.  Consults the stage gates (``force`` overrides them).
    Returns the events logged: the ``forced`` ones, then the ``stage`` one."""
    pipeline = settings(store)
    record, deal = _load_open(store, path, pipeline, "move")
    target = pipeline.find_stage(stage)
    if target.closed:
        how = "deal win REF" if target.name == WON else "deal lose REF --reason REASON"
        raise InvalidError(
            f"'deal move' does not close deals: use 'plaincrm {how}' to mark it {target.name}"
        )
    if target.name == deal.stage:
        raise ConflictError(f"{deal.ref} is already in {target.name}")
    forced = _gates(store, record, target.name, force)
    percent = deal.probability if deal.manual else target.probability
    event = Event("stage", target.name, deal.stage or "none", percent, deal.manual)
    found = [*forced, event]
    _apply(
        store,
        path,
        {"stage": target.name, "probability": percent},
        found,
        f"deal move: {deal.title} {event.previous} -> {target.name} ({path})",
    )
    return found


@writes
def win_deal(
    store: Store,
    path: str,
    *,
    amount: Money | None = None,
    currency: str | None = None,
    force: bool = False,
) -> list[Event]:
    """Close an open deal as won today, optionally with its final amount.
    Returns the events logged: the ``forced`` ones, then the ``won`` one."""
    pipeline = settings(store)
    record, deal = _load_open(store, path, pipeline, "win")
    forced = _gates(store, record, WON, force)
    changes: dict[str, Any] = {
        "stage": WON,
        "probability": 100,
        "probability_manual": None,
        "closed": store.today(),
    }
    final = deal.amount
    code = deal.currency
    if amount is not None:
        final = parse_amount(amount)
        changes["amount"] = final
    if currency is not None:
        code = check_currency(currency)
        changes["currency"] = code
    elif amount is not None and record.get_text("currency") is None:
        changes["currency"] = code
    event = Event(
        "won", WON, deal.stage, 100, amount=final, currency=code if final is not None else None
    )
    found = [*forced, event]
    _apply(store, path, changes, found, f"deal win: {deal.title} ({path})")
    return found


@writes
def lose_deal(
    store: Store,
    path: str,
    *,
    reason: str,
    competitor: str | None = None,
    note: str | None = None,
) -> list[Event]:
    """Close an open deal as lost today, with the reason (one of pipeline.lost_reasons),
    the competitor who won it (required for the competitor reasons) and a note.
    Returns the events logged (the ``lost`` one)."""
    pipeline = settings(store)
    _, deal = _load_open(store, path, pipeline, "lose")
    why = pipeline.find_reason(reason)
    winner = find_competitor(store, pipeline, competitor) if competitor else None
    if winner is None and pipeline.needs_competitor(why):
        raise InvalidError(
            f"the reason '{why}' means a competitor won the deal: say which with --competitor NAME"
        )
    text = one_line(note) if note else None
    event = Event("lost", LOST, deal.stage, 0, reason=why, competitor=winner, text=text)
    changes: dict[str, Any] = {
        "stage": LOST,
        "probability": 0,
        "probability_manual": None,
        "closed": store.today(),
        "lost_reason": why,
        "competitor": winner,
        "lost_note": text,
    }
    to = f" to {winner}" if winner else ""
    _apply(store, path, changes, [event], f"deal lose: {deal.title}, {why}{to} ({path})")
    return [event]


@writes
def reopen_deal(
    store: Store, path: str, *, stage: str | None = None, force: bool = False
) -> list[Event]:
    """Reopen a won or lost deal in ``stage`` (default: the stage it closed at, else
    the first stage).  The closing fields go; the log keeps what happened.
    Consults the stage gates as a move does (``force`` overrides them).  Returns the
    events logged: the ``forced`` ones, then the ``reopened`` one."""
    pipeline = settings(store)
    record = store.load(path)
    deal = deal_of(record, pipeline)
    if deal.status == "open":
        raise ConflictError(f"{deal.ref} is open (in {deal.stage}); only won or lost deals reopen")
    if stage is not None:
        target = pipeline.find_stage(stage)
        if target.closed:
            raise InvalidError(f"reopen the deal in an open stage, not {target.name}")
    else:
        last = pipeline.stage(closed_at(record))
        target = last if last is not None and not last.closed else pipeline.first_stage
    forced = _gates(store, record, target.name, force)
    event = Event("reopened", target.name, deal.stage, target.probability)
    found = [*forced, event]
    changes = {
        "stage": target.name,
        "probability": target.probability,
        "closed": None,
        "lost_reason": None,
        "competitor": None,
        "lost_note": None,
    }
    _apply(store, path, changes, found, f"deal reopen: {deal.title} in {target.name} ({path})")
    return found


AUTO = "auto"


DEAL_OPTIONS = ("title", "amount", "currency", "close", "owner", "source")  # deal set --KEY


@writes
def set_deal(
    store: Store,
    path: str,
    *,
    title: str | None = None,
    amount: Money | None = None,
    currency: str | None = None,
    close: date | str | None = None,
    owner: str | None = None,
    source: str | None = None,
    probability: int | str | None = None,
    competitors: Iterable[str] = (),
    fields: Wanted | None = None,
) -> list[Event]:
    """Change a deal's details.  ``probability``: a percentage, kept across stage
    moves (set by hand), or ``"auto"`` to follow the stage again.  ``competitors``
    are added to the deal's competitors met; ``fields`` are other fields (custom
    ones too), as ``set`` changes them for every record type.  Logs what changed;
    decided on the deal as it is under the write lock (``setfields.set_record``)."""
    given = (title, amount, currency, close, owner, source, probability)
    if all(value is None for value in given) and not competitors and not fields:
        raise InvalidError(
            "nothing to change: give new values with --title, --amount, --currency, "
            "--close, --owner, --source, --probability, --competitor or --field"
        )
    for key in fields.values if fields else ():
        if key in DEAL_OPTIONS:
            raise UsageError(f"a deal's {key} changes with --{key}, not --field {key}=...")
    pipeline = settings(store)
    found: list[Event] = []

    def decide(record: Record) -> Edit:
        deal = deal_of(record, pipeline)
        edit = Edit()

        def change(key: str, old: Any, new: Any) -> None:
            if new is None:
                return
            if _shown(new) == _shown(old):
                edit.already.append(f"{key} {_shown(old)}")
                return
            edit.changes[key] = new
            edit.said.append(f"{key} {_shown(old)} -> {_shown(new)}")

        if title is not None:
            if not one_line(title):
                raise InvalidError("a deal needs a title")
            change("title", deal.title, one_line(title))
        if amount is not None:
            change("amount", deal.amount, parse_amount(amount))
            if "amount" in edit.changes and record.get_text("currency") is None:
                edit.changes.setdefault("currency", deal.currency)
        if currency is not None:
            change("currency", record.get_text("currency"), check_currency(currency))
        if close is not None:
            change("close", deal.close, _close_date(close))
        if owner is not None:
            check_owner(store, owner)
            if owner.strip():
                change("owner", deal.owner, owner)
            elif deal.owner:  # --owner '': nobody's
                edit.changes["owner"] = None
                edit.said.append(f"owner {_shown(deal.owner)} -> none")
        if source is not None:
            change("source", record.get_text("source"), one_line(source))
        met = record.get_list("competitors")
        added = [find_competitor(store, pipeline, name) for name in competitors]
        edit.already += [f"competitor {name}" for name in dict.fromkeys(added) if name in met]
        added = [name for name in dict.fromkeys(added) if name not in met]
        if added:
            edit.changes["competitors"] = [*met, *added]
            edit.appended["competitors"] = added
            edit.said.append(f"competitors + {', '.join(added)}")
        if fields:
            edit.merge(plan_edit(store, record, fields))
        events = [Event("changed", text="; ".join(edit.said))] if edit.said else []
        if probability is not None:
            events.extend(_probability_change(deal, pipeline, probability, edit.changes))
        day, who = store.today(), store.current_user()
        edit.log = [event_line(day, who, event) for event in events]
        found[:] = events
        return edit

    set_record(store, path, decide, "deal set")
    return found


def _probability_change(
    deal: Deal, pipeline: Pipeline, probability: int | str, changes: dict[str, Any]
) -> list[Event]:
    if deal.status != "open":
        raise ConflictError(
            f"{deal.ref} is {deal.status}: a closed deal counts "
            f"{deal.probability}%; reopen it to change the probability"
        )
    if str(probability).lower() == AUTO:
        stage = pipeline.stage(deal.stage)
        if stage is None:
            raise InvalidError(
                f"{deal.ref} is in the unknown stage '{deal.stage}': move it to a stage "
                "of the pipeline first"
            )
        if not deal.manual and deal.probability == stage.probability:
            return []
        changes.update(probability=stage.probability, probability_manual=None)
        return [Event("probability", probability=stage.probability, manual=False)]
    percent = _check_probability(probability)
    if deal.manual and deal.probability == percent:
        return []
    changes.update(probability=percent, probability_manual=True)
    return [Event("probability", probability=percent, manual=True)]


# ---------------------------------------------------------------- competitors


def find_competitor(store: Store, pipeline: Pipeline, name: str) -> str:
    """The competitor ``name`` means, as deals write it.

    Free text while no competitor is known; once some are (settings or
    cards), one of them (any case, aliases too).
    """
    wanted = one_line(name)
    if not wanted:
        raise InvalidError("a competitor needs a name")
    known = competitor_names(store, pipeline)
    if not known:
        return wanted
    hit = known.get(wanted.lower())
    if hit is not None:
        return hit
    listed = ", ".join(sorted(set(known.values()), key=str.lower))
    raise InvalidError(
        f"unknown competitor '{wanted}'{did_you_mean(wanted.lower(), known)}; known: "
        f"{listed} (add it to pipeline.competitors in plaincrm.yaml or create "
        f"competitors/{slugify(wanted)}.md)"
    )


# ---------------------------------------------------------------- helpers


def _load_open(store: Store, path: str, pipeline: Pipeline, verb: str) -> tuple[Record, Deal]:
    record = store.load(path)
    deal = deal_of(record, pipeline)
    if deal.status != "open":
        when = f" on {deal.closed}" if deal.closed else ""
        raise ConflictError(
            f"{deal.ref} is already {deal.status}{when}, so it cannot {verb}: reopen it "
            f"first with 'plaincrm deal reopen {deal.ref}'"
        )
    return record, deal


def _gates(
    store: Store, record: Record, target: str, force: bool, *, new: bool = False
) -> list[Event]:
    """The ``forced`` events of the gates refusing ``target``; an error unless
    ``force``.  ``new``: the deal is being opened in ``target``."""
    gates: tuple[Gate, ...] = TYPES["deal"].hook(GATE)
    refusals = [message for gate in gates if (message := gate(store, record, target))]
    if refusals and not force:
        if new:
            raise ConflictError(
                f"a new deal cannot start in {target}: {'; '.join(refusals)}; open it in an "
                f"earlier stage and 'plaincrm deal move' it to {target} once it has that "
                "(--force opens it there anyway and writes this to the deal's log)"
            )
        raise ConflictError(
            f"{record.slug} cannot go to {target}: {'; '.join(refusals)} "
            "(--force goes ahead anyway and writes this to the deal's log)"
        )
    return [Event("forced", text=message) for message in refusals]


def _apply(
    store: Store,
    path: str,
    changes: dict[str, Any],
    found: list[Event],
    message: str,
    appended: dict[str, list[Any]] | None = None,
) -> None:
    """Write ``changes`` and the log lines of ``found`` in one commit.  A key of
    ``appended`` (the items a list of ``changes`` gains) that is a block list in
    the file gets them as new lines; otherwise the whole list is set."""
    day, who = store.today(), store.current_user()
    lines = [event_line(day, who, event) for event in found]

    def edit(text: str) -> str:
        rest = dict(changes)
        for key, items in (appended or {}).items():
            grown = append_items(text, key, items)
            if grown is not None:
                text = grown
                del rest[key]
        return append_log(set_fields(text, rest), lines)

    store.modify(path, edit, message)


def _check_probability(value: int | str) -> int:
    text = str(value).strip().rstrip("%")
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 100:
        raise InvalidError(f"'{value}' is not a probability: use a whole number from 0 to 100")
    return int(text)


def _close_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    parsed = parse_iso_date(value)
    if parsed is None:
        raise InvalidError(f"'{value}' is not a close date: use YYYY-MM-DD")
    return parsed


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return one_line(str(value))


# ---------------------------------------------------------------- import (sales/kind.py)


def imported_deal(store: Store, fields: dict[str, Any], previous: str | None = None) -> str:
    """A deal a spreadsheet brings in: its stage (the first by default), its probability
    and currency, and the ``opened`` log line, as ``add_deal`` writes them (the body),
    dated the day it was created when the row says so.  A deal imported won or lost at a
    known stage (``previous``, from another CRM) is opened there and closed at it, as
    ``deal win``/``deal lose`` log it, on the day it closed: ``report lost`` then says
    which stage it was lost at."""
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
    who, today = store.current_user(), store.today()
    at = pipeline.stage(previous) if previous else None
    if at is None or at.closed or not stage.closed:
        event = Event("opened", stage.name, None, fields["probability"], manual)
        line = event_line(_day(fields.get("created"), today), who, event)
        return f"## Tasks\n\n## Log\n\n{line}"
    opened = Event("opened", at.name, None, at.probability)
    if stage.name == WON:
        amount = fields.get("amount")
        money = None
        if isinstance(amount, (int, float)):
            money = Decimal(int(amount)) if float(amount).is_integer() else Decimal(str(amount))
        code = fields.get("currency") if money is not None else None
        closing = Event("won", WON, at.name, 100, amount=money, currency=code)
    else:
        closing = Event(
            "lost",
            LOST,
            at.name,
            0,
            reason=fields.get("lost_reason"),
            competitor=fields.get("competitor"),
            text=fields.get("lost_note"),
        )
    lines = [
        event_line(_day(fields.get("created"), today), who, opened),
        event_line(_day(fields.get("closed"), today), who, closing),
    ]
    return "## Tasks\n\n## Log\n\n" + "\n".join(lines)


def _day(value: Any, today: date) -> date:
    """A date field's day (not after today), else today."""
    day = value if isinstance(value, date) else parse_iso_date(str(value or ""))
    return min(day, today) if day else today


def log_imported_changes(store: Store, text: str, said: str) -> str:
    """A deal an import changed logs what changed (``said``), as ``deal set`` does."""
    line = event_line(store.today(), store.current_user(), Event("changed", text=said))
    return append_log(text, [line])
