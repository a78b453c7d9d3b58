"""Direct-marketing campaigns: audience, mailing list, responses, and what they brought.

A campaign is ``campaigns/<slug>.md``.  Its ``audience`` is a saved client
query (the query language of every list command), evaluated when asked, so
the mailing list always has today's contact details.  Each response is a line
of the campaign's ``## Responses`` section::

    - 2026-11-27 cafe-aurora deal:cafe-aurora-two-grinders: wants two grinders

(date, the client's reference, the deal opened from it if any, then the
note), and, in the client's history, a completed task on the client card::

    - [x] Campaign response: Winter grinder offer (campaigns/winter-grinder-offer) done:2026-11-27
      wants two grinders

Deals that came from a campaign have ``source: campaigns/<slug>``; the
figures (``campaign_figures``) attribute them through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..clients.clients import new_owner
from ..core import tasklines
from ..core.errors import ConflictError, InvalidError, NotFoundError, Problem, UsageError
from ..core.ids import SLUG, slugify, unique_slug
from ..core.model import TYPES, Record, RecordView, field_kinds, path_of, slug_of
from ..core.money import Amounts, check_currency, currencies, json_amount, parse_amount
from ..core.query import Query, RecordAccessor, parse
from ..core.records import append_to_section, new_record_text, one_line
from ..core.store import Store, writes
from ..sales.deallog import WON
from ..sales.dealops import Money, NewDeal
from ..sales.deals import Deal, deals_by_source
from ..sales.pipeline import settings

RESPONSES = "Responses"
_RESPONSE_RE = re.compile(
    rf"^[-*] (\d{{4}}-\d{{2}}-\d{{2}}) ({SLUG})(?: deal:({SLUG}))?(?::(?: (.*))?)?$"
)


# ---------------------------------------------------------------- responses


@dataclass(frozen=True)
class Response:
    """One client's response to a campaign."""

    date: str
    client: str  # the client's reference
    deal: str | None = None  # the deal opened from it
    note: str = ""
    line: int = 0

    def text(self) -> str:
        """The line as written in ``## Responses``."""
        deal = f" deal:{self.deal}" if self.deal else ""
        note = f": {self.note}" if self.note else ""
        return f"- {self.date} {self.client}{deal}{note}"

    def as_json(self) -> dict[str, Any]:
        return {"date": self.date, "client": self.client, "deal": self.deal, "note": self.note}


def parse_response(line: str, number: int = 0) -> Response | None:
    """A ``## Responses`` line, or None when the line is not one."""
    match = _RESPONSE_RE.match(line.rstrip("\r").rstrip())
    if not match:
        return None
    day, client, deal, note = match.groups()
    return Response(day, client, deal, (note or "").strip(), number)


def parse_responses(text: str) -> tuple[list[Response], list[tuple[int, str]]]:
    """The responses of a campaign's text, and its lines that are not responses."""
    lines = text.split("\n")
    section = tasklines.find_section(lines, RESPONSES)
    if section is None:
        return [], []
    found: list[Response] = []
    bad: list[tuple[int, str]] = []
    for index in range(section.heading + 1, section.end):
        line = lines[index].rstrip("\r")
        if not line.strip():
            continue
        response = parse_response(line, index + 1)
        if response is None:
            bad.append((index + 1, line))
        else:
            found.append(response)
    return found, bad


# ---------------------------------------------------------------- audience


def audience_query(store: Store, text: str) -> Query[Any]:
    """The campaign's saved query, parsed against the client fields."""
    return parse([text], kinds=field_kinds("client"), today=store.today(), me=store.current_user())


def audience(store: Store, record: Record) -> list[Record]:
    """The clients the campaign's audience query selects today."""
    text = record.get_text("audience") or ""
    if not text.strip():
        raise InvalidError(
            f"{record.path} has no audience: set 'audience:' to a client query, "
            "e.g. '+wholesale city:Budapest'"
        )
    try:
        query = audience_query(store, text)
    except UsageError as exc:
        raise InvalidError(f"{record.path}: audience: {exc.message}") from None
    return query.apply(store.records("client"), RecordAccessor())


# ---------------------------------------------------------------- operations


@writes
def add_campaign(
    store: Store,
    name: str,
    *,
    audience_text: str,
    channel: str | None = None,
    start: date | None = None,
    end: date | None = None,
    budget: Money | None = None,
    cost: Money | None = None,
    currency: str | None = None,
    expected_revenue: Money | None = None,
    owner: str | None = None,
    offer: str | None = None,
) -> str:
    """Create ``campaigns/<slug>.md``; return its path."""
    name = one_line(name)
    if not name:
        raise InvalidError("a campaign needs a name, e.g. 'Winter grinder offer'")
    query_text = one_line(audience_text)
    if not query_text:
        raise InvalidError("a campaign needs an audience: --audience '+wholesale city:Budapest'")
    audience_query(store, query_text)  # a bad query is refused here, pointing at the term
    if start and end and end < start:
        raise InvalidError(f"the campaign ends ({end}) before it starts ({start})")
    owner = new_owner(store, owner)
    money = {
        "budget": parse_amount(budget) if budget is not None else None,
        "cost": parse_amount(cost) if cost is not None else None,
        "expected_revenue": parse_amount(expected_revenue)
        if expected_revenue is not None
        else None,
    }
    code = check_currency(currency) if currency else None
    if code is None and any(v is not None for v in money.values()):
        code = currencies(store).currency
    slug = unique_slug(slugify(name), lambda s: store.exists("campaign", s))
    path = path_of("campaign", slug)
    fields: dict[str, Any] = {
        "name": name,
        "channel": one_line(channel) if channel else None,
        "audience": query_text,
        "start": start,
        "end": end,
        "budget": money["budget"],
        "cost": money["cost"],
        "currency": code,
        "expected_revenue": money["expected_revenue"],
        "owner": owner,
    }
    body = f"{offer.strip()}\n\n" if offer and offer.strip() else ""
    body += f"## {RESPONSES}\n\n## Tasks"
    store.create(path, new_record_text(fields, body))
    store.commit([path], f"campaign add: {name} ({path})")
    return path


@dataclass
class Responded:
    """What ``respond`` did."""

    response: Response
    deal: str | None  # the deal's path
    in_audience: bool | None  # None: the audience query is broken


@writes
def respond(
    store: Store,
    campaign_path: str,
    client_path: str,
    *,
    note: str | None = None,
    deal: NewDeal | None = None,
    day: date | None = None,
) -> Responded:
    """Record a client's response: a line in the campaign's ``## Responses``, a
    completed task in the client's history and, with ``deal``, a deal whose
    source is the campaign; one commit of all the files."""
    campaign = store.load(campaign_path)
    client = store.indexed(client_path)
    if client is None or client.type.name != "client":
        raise NotFoundError(f"no client {client_path} (list them with 'plaincrm client list')")
    responses, _ = parse_responses(store.read_text(campaign_path))
    earlier = next((r for r in responses if r.client == client.slug), None)
    if earlier is not None:
        raise ConflictError(
            f"{client.title} already responded to {campaign.title} on {earlier.date}; "
            f"edit that line with 'plaincrm edit {campaign.slug}', or open a deal with "
            f"'plaincrm deal add {client.slug} TITLE --source {campaign_path[:-3]}'"
        )
    when = day or store.today()
    text = one_line(note) if note else ""
    deal_path = deal.add(store, client.path, campaign_path[:-3]) if deal is not None else None
    response = Response(
        when.isoformat(), client.slug, slug_of(deal_path) if deal_path else None, text
    )
    title = f"Campaign response: {campaign.title} ({campaign_path[: -len('.md')]})"
    task = [tasklines.render_line(title, {"done": when.isoformat()}, checked=True)]
    details = [text] if text else []
    if deal is not None and deal_path is not None:
        details.append(f"Deal: {one_line(deal.title)} ({deal_path[: -len('.md')]})")
    task += tasklines.note_lines("\n".join(details)) if details else []
    store.modify_all(
        [
            (campaign_path, lambda old: append_to_section(old, RESPONSES, [response.text()])),
            (client.path, lambda old: append_to_section(old, "Tasks", task)),
        ],
        f"campaign respond: {client.title} to {campaign.title} ({campaign_path})",
        created=[deal_path] if deal_path else [],
    )
    return Responded(response, deal_path, _in_audience(store, campaign, client))


def _in_audience(store: Store, campaign: Record, client: Record) -> bool | None:
    """Whether the campaign's audience selects the client (None: the query is broken)."""
    try:
        return client.path in {c.path for c in audience(store, campaign)}
    except InvalidError:
        return None


# ---------------------------------------------------------------- figures


def _status(record: Record, today: date) -> str:
    start, end = record.get_date("start"), record.get_date("end")
    if start and today.isoformat() < start:
        return "planned"
    if end and today.isoformat() > end:
        return "ended"
    return "running"


@dataclass
class CampaignFigures(RecordView):
    """What a campaign brought (responses and deals) against what it cost."""

    status: str  # planned | running | ended
    responses: list[Response]
    currency: str
    audience: int | None = None  # clients the audience selects today (None: not counted)
    deals: list[Deal] = field(default_factory=list)  # deals with source campaigns/<slug>
    won: Amounts = field(default_factory=Amounts)
    note: str | None = None  # why the ROI could not be worked out

    @property
    def cost(self) -> Decimal | None:
        return self.record.get_number("cost")

    @property
    def responders(self) -> int:
        return len({r.client for r in self.responses})

    @property
    def won_deals(self) -> list[Deal]:
        return [d for d in self.deals if d.status == WON]

    @property
    def response_rate(self) -> Decimal | None:
        """Responding clients per audience member, in percent."""
        if not self.audience:
            return None
        return (Decimal(self.responders) * 100 / self.audience).quantize(Decimal("0.1"))

    @property
    def cost_per_response(self) -> Decimal | None:
        if self.cost is None or not self.responders:
            return None
        return (self.cost / self.responders).quantize(Decimal("0.01"))

    def revenue(self) -> Decimal | None:
        """The won revenue in the campaign's currency (None when a rate is missing)."""
        if set(self.won) - {self.currency}:
            return None
        return self.won.get(self.currency, Decimal(0))

    @property
    def roi(self) -> Decimal | None:
        """(won revenue - cost) / cost, as a fraction (0.5 = 50%)."""
        revenue = self.revenue()
        if revenue is None or not self.cost:
            return None
        return ((revenue - self.cost) / self.cost).quantize(Decimal("0.0001"))

    def as_json(self) -> dict[str, Any]:
        fields = self.record.fields
        revenue = self.revenue()

        def money(value: Decimal | None) -> int | float | None:
            return json_amount(value) if value is not None else None

        return {
            "ref": self.ref,
            "path": self.path,
            "name": self.title,
            "channel": fields.get("channel"),
            "audience_query": fields.get("audience"),
            "start": self.record.get_date("start"),
            "end": self.record.get_date("end"),
            "status": self.status,
            "owner": self.owner,
            "currency": self.currency,
            "budget": money(self.record.get_number("budget")),
            "cost": money(self.cost),
            "expected_revenue": money(self.record.get_number("expected_revenue")),
            "audience": self.audience,
            "responses": self.responders,
            "response_rate": float(self.response_rate) if self.response_rate is not None else None,
            "deals_opened": len(self.deals),
            "deals_won": len(self.won_deals),
            "won_revenue": self.won.as_json(),
            "won_revenue_in_currency": money(revenue),
            "cost_per_response": money(self.cost_per_response),
            "roi": float(self.roi) if self.roi is not None else None,
            "roi_note": self.note,
            "deals": [d.ref for d in self.deals],
            "responses_list": [r.as_json() for r in self.responses],
        }


def campaign_figures(
    store: Store, records: list[Record], *, count_audience: bool = True
) -> list[CampaignFigures]:
    """The figures of ``records`` (campaigns); reads each campaign's responses."""
    pipeline = settings(store)
    by_campaign = deals_by_source(store, pipeline, TYPES["campaign"].folder)
    clients = store.records("client") if count_audience else []
    today = store.today()
    out = []
    for record in records:
        responses, _ = parse_responses(store.read_text(record.path))
        currency = record.get_text("currency") or pipeline.money.currency
        item = CampaignFigures(record, _status(record, today), responses, currency)
        if count_audience:
            try:
                query = audience_query(store, record.get_text("audience") or "")
                item.audience = len(query.apply(clients, RecordAccessor()))
            except UsageError:
                item.note = "the audience query is broken (see 'plaincrm check')"
        item.deals = by_campaign.get(record.slug, [])
        for deal in item.won_deals:
            if deal.amount is not None:
                item.won.add(deal.currency, deal.amount)
        if set(item.won) - {currency}:
            try:
                item.won = item.won.converted(currency, pipeline.money, alternative="")
            except InvalidError as exc:
                item.note = exc.message
        out.append(item)
    return out


# ---------------------------------------------------------------- check


def check_campaigns(store: Store) -> list[Problem]:
    """``check``: each campaign's audience query (read against today and the current user;
    ``check`` reads the rest of each campaign with ``campaign_problems``)."""
    problems: list[Problem] = []
    for record in store.records("campaign"):
        text = record.get_text("audience")
        if text:
            try:
                audience_query(store, text)
            except UsageError as exc:
                reason = exc.message.split("\n")[0]
                problems.append(
                    Problem(record.path, record.line_of("audience"), f"audience: {reason}")
                )
    return problems


def campaign_problems(record: Record, text: str) -> tuple[list[Problem], list[tuple[str, Problem]]]:
    """``check``: a campaign's dates and ``## Responses`` lines (``text``: the file's), and
    each record a response names (``type:slug``) with the problem that holds if it does
    not exist."""
    problems: list[Problem] = []
    needed: list[tuple[str, Problem]] = []
    start, end = record.get_date("start"), record.get_date("end")
    if start and end and end < start:
        problems.append(Problem(record.path, record.line_of("end"), f"end ({end}) is before start"))
    responses, bad = parse_responses(text)
    problems.extend(
        Problem(
            record.path,
            number,
            "not a response line: write '- YYYY-MM-DD client-ref: note' "
            "(with 'deal:deal-ref' before the ':' when a deal came of it)",
        )
        for number, _ in bad
    )
    seen: set[str] = set()
    for response in responses:
        needed.append(
            (
                f"client:{response.client}",
                Problem(
                    record.path,
                    response.line,
                    f"client '{response.client}' does not exist (clients/{response.client}.md)",
                ),
            )
        )
        if response.deal:
            needed.append(
                (
                    f"deal:{response.deal}",
                    Problem(
                        record.path,
                        response.line,
                        f"deal '{response.deal}' does not exist (deals/{response.deal}.md)",
                    ),
                )
            )
        if response.client in seen:
            problems.append(
                Problem(record.path, response.line, f"{response.client} responded twice")
            )
        seen.add(response.client)
    return problems, needed
