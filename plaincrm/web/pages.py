"""The pages: what the read commands show (today, plan, pipeline, client show, the
record pages and lists, reports, history, activity), each the view of
``plaincrm/views/`` its command shows (the same figures as its ``--json``), laid out
by a template."""

from __future__ import annotations

import shlex
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, render_template, request

from ..core.dates import format_duration, minutes_to_time
from ..core.errors import UsageError
from ..core.model import TYPE_BY_FOLDER, TYPES, Record, field_kinds, slug_of
from ..core.money import Amounts, money
from ..core.query import RecordAccessor, sql_prefilter
from ..core.records import record_notes
from ..core.text import percent, plural
from ..tasks.agenda import DayView, fmt_minutes
from . import charts
from .app import memo, store
from .markup import markdown

bp = Blueprint("pages", __name__)

LIST_SHOWN = 200  # rows of a list page; the count says how many matched
ATTENTION_SHOWN = 10
DAY_SHOWN = 100  # overdue and untimed tasks on Today (everybody's day in a big CRM is long)


@bp.app_template_filter("markdown")
def _markdown(text: str) -> Any:
    return markdown(text)


@bp.app_template_global()
def record_url(path: str) -> str:
    from flask import url_for

    folder, _, name = path.partition("/")
    return url_for("pages.record", folder=folder, slug=slug_of(name))


@bp.app_template_global()
def hhmm(minutes: int) -> str:
    return minutes_to_time(minutes)


@bp.app_template_global()
def duration(minutes: int) -> str:
    return format_duration(minutes)


@bp.app_template_global()
def minutes_text(minutes: int) -> str:
    return fmt_minutes(minutes)


@bp.app_template_global("plural")
def _plural(count: int, noun: str) -> str:
    return plural(count, noun)


@bp.app_template_global()
def amounts_text(amounts: Amounts) -> str:
    return amounts.text() if amounts else "0"


# ------------------------------------------------------------------ sign-in


@bp.get("/signin")
def signin() -> str:
    return render_template("signin.html", next=request.args.get("next", "/"))


# ------------------------------------------------------------------ the day


def _owner_choice(default: str | None) -> str | None:
    """The owner a day page shows: ``?owner=NAME``, ``?owner=all``, else the acting user."""
    wanted = request.args.get("owner")
    if wanted == "all":
        return None
    return wanted or default


@bp.get("/")
def today() -> str:
    from ..views.day import today_view

    current = store()
    owner = _owner_choice(current.default_owner())
    view = today_view(current, current.today(), owner, ATTENTION_SHOWN).day
    return render_template("today.html", view=view, users=_users(), shown=DAY_SHOWN, **_day(view))


@bp.get("/plan")
def plan() -> str:
    from ..views.day import plan_view

    current = store()
    owner = _owner_choice(current.default_owner())
    planned = plan_view(current, None, owner, ATTENTION_SHOWN)
    view = planned.day
    rows: list[tuple[int, dict[str, Any]]] = [(t.start, {"timed": t}) for t in view.timed]
    rows += [(a, {"free": (a, b)}) for a, b in view.free_slots()]
    schedule = [row for _, row in sorted(rows, key=lambda r: r[0])]
    return render_template(
        "plan.html",
        view=view,
        plan=planned,
        users=_users(),
        schedule=schedule,
        **_day(view),
    )


def _day(view: DayView) -> dict[str, Any]:
    length = view.day_end - view.day_start
    return {
        "capacity": length,
        "free": max(0, length - view.planned),
        "over": max(0, view.planned - length),
    }


def _users() -> list[str]:
    return [user.name for user in store().config.users]


def _words(text: str) -> list[str]:
    """The words of a search box, split as a shell splits them (quotes group words)."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"the query has an unclosed quote: {text}") from exc


# ------------------------------------------------------------------ the pipeline


@bp.get("/pipeline")
def pipeline() -> str:
    from ..sales.pipeline import settings
    from ..views.pipeline import board_view

    current = store()
    owner = request.args.get("owner") or None
    text = request.args.get("q", "").strip()
    words = _words(text)
    view = memo().get(
        current,
        ("board", owner, tuple(words)),
        lambda: _queried_board(current, owner, words) if words else board_view(current, owner),
    )
    return render_template(
        "pipeline.html",
        board=view,
        owner=owner,
        q=text,
        users=_users(),
        stages=[s.name for s in settings(current).open_stages],
    )


def _queried_board(current: Any, owner: str | None, words: list[str]) -> Any:
    """The board of the open deals a query matches (the deal list's query, with its
    computed fields), laid out as ``views.pipeline.board_view`` lays out all of them."""
    from ..sales.deals import flagged_deals
    from ..sales.pipeline import settings
    from ..sales.reports import board
    from ..views.deals import deal_list_view
    from ..views.pipeline import BOARD_SHOWN, BoardColumn, BoardView, DealCard

    config = settings(current)
    words = [*words, *([f"owner:{owner}"] if owner else [])]
    found = deal_list_view(current, words)
    whole = board(found.deals, config)
    flagged = flagged_deals(current, config, current.today(), owner)
    flags = {f.path: f.flags for f in flagged}

    def card(deal: Any) -> DealCard:
        return DealCard(deal, found.client_name(deal), flags.get(deal.path, []))

    columns = [
        BoardColumn(c, [card(d) for d in c.deals[:BOARD_SHOWN]], max(0, len(c.deals) - BOARD_SHOWN))
        for c in whole.columns
    ]
    return BoardView(owner, whole, flags, columns, [card(d) for d in whole.stray])


# ------------------------------------------------------------------ lists


LIST_COLUMNS = {
    "client": ["owner", "tags", "city", "phone", "email"],
    "deal": ["client", "stage", "probability", "amount", "close", "owner"],
    "document": ["kind", "client", "status", "number", "date", "amount", "owes"],
    "ticket": ["client", "kind", "priority", "status", "opened"],
    "campaign": ["channel", "status", "start", "end", "responses", "cost"],
    "competitor": ["website"],
}


@bp.get("/list/<folder>")
def record_list(folder: str) -> str:
    rtype = TYPE_BY_FOLDER.get(folder)
    if rtype is None:
        abort(404, f"'{folder}' is not a record folder")
    current = store()
    text = request.args.get("q", "").strip()
    words = _words(text)
    rows, total = memo().get(
        current, ("list", rtype.name, tuple(words)), lambda: _rows(current, rtype.name, words)
    )
    return render_template(
        "list.html",
        rtype=rtype,
        folder=folder,
        q=text,
        rows=rows[:LIST_SHOWN],
        count=len(rows),
        total=total,
        columns=LIST_COLUMNS.get(rtype.name, ["owner"]),
        shown=LIST_SHOWN,
    )


Row = tuple[str, str, list[str]]  # path, title, cells


def _rows(current: Any, type_name: str, words: list[str]) -> tuple[list[Row], str]:
    """The rows of a list page, from the view of the list command of its kind (its query
    fields, its filter: open deals and unresolved tickets unless the query names a
    status), and the line of totals under it."""
    if type_name == "client":
        from ..views.clients import client_list_view

        clients = client_list_view(current, words).clients
        columns = LIST_COLUMNS["client"]
        return [(r.path, r.title, [_cell(r.fields.get(c)) for c in columns]) for r in clients], ""
    if type_name == "deal":
        from ..views.deals import deal_list_view

        deals = deal_list_view(current, words)
        rows = [
            (d.path, d.title, [deals.client_name(d), d.stage, f"{d.probability}%",
                               money_text(d.amount, d.currency), d.close or "", d.owner or ""])
            for d in deals.deals
        ]  # fmt: skip
        return rows, f"{amounts_text(deals.total)}, weighted {amounts_text(deals.weighted)}"
    if type_name == "document":
        from ..views.documents import doc_list_view

        docs = doc_list_view(current, words)
        rows = [
            (r.doc.path, r.doc.title, [r.doc.kind, docs.client_name(r.doc), r.doc.status,
                                       r.doc.number or "", r.doc.date or "",
                                       money_text(r.doc.amount, r.doc.currency),
                                       money_text(r.owes, r.doc.currency)])
            for r in docs.rows
        ]  # fmt: skip
        return rows, f"owed {amounts_text(docs.owing)}" if docs.owing else ""
    if type_name == "ticket":
        from ..views.tickets import ticket_list_view

        tickets = ticket_list_view(current, words)
        rows = [
            (t.path, t.title, [tickets.client_name(t), t.get("kind") or "",
                               t.get("priority") or "", t.status, t.get("opened") or ""])
            for t in tickets.tickets
        ]  # fmt: skip
        return rows, ""
    if type_name == "campaign":
        from ..views.campaigns import campaign_list_view

        campaigns = campaign_list_view(current, words).campaigns
        rows = [
            (c.path, c.title, [c.record.get_text("channel") or "", c.status,
                               c.record.get_date("start") or "", c.record.get_date("end") or "",
                               str(len(c.responses)), money_text(c.cost, c.currency)])
            for c in campaigns
        ]  # fmt: skip
        return rows, ""
    found = _query(current, type_name, words) if words else current.records(type_name)
    columns = LIST_COLUMNS.get(type_name, ["owner"])
    return [(r.path, r.title, [_cell(r.fields.get(c)) for c in columns]) for r in found], ""


def _query(current: Any, type_name: str, words: list[str]) -> list[Record]:
    """The records of a kind without a list view (competitors) that a query matches."""
    from ..views.queries import parse_query

    kinds = field_kinds(type_name)
    parsed = parse_query(current, words, kinds)
    where = sql_prefilter(parsed.where, kinds)
    return parsed.apply(current.records(type_name, where=where), RecordAccessor())


@bp.app_template_global()
def money_text(value: Decimal | None, currency: str) -> str:
    return money(value, currency) if value is not None else ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(value)


# ------------------------------------------------------------------ records


@bp.get("/r/<folder>/<slug>")
def record(folder: str, slug: str) -> str:
    from ..views.clients import client_card_view, field_details

    rtype = TYPE_BY_FOLDER.get(folder)
    if rtype is None:
        abort(404, f"'{folder}' is not a record folder")
    current = store()
    path = current.resolve(f"{folder}/{slug}")
    if rtype.name == "client":
        card = client_card_view(current, path)
        return render_template("client.html", card=card, record=card.record, users=_users())
    shown = SHOWN.get(rtype.name)
    if shown is not None:
        return render_template(f"{rtype.name}.html", **shown(current, path))
    loaded = current.load(path)
    return render_template(
        "record.html",
        record=loaded,
        details=field_details(loaded),
        notes=record_notes(current.read_text(path), loaded),
    )


def _deal(current: Any, path: str) -> dict[str, Any]:
    from ..sales.pipeline import settings
    from ..views.clients import field_details
    from ..views.deals import deal_show_view

    view = deal_show_view(current, path)
    config = settings(current)
    return {
        "view": view,
        "record": view.deal.record,
        "details": field_details(view.deal.record),
        "stages": [s.name for s in config.open_stages],
        "reasons": list(config.lost_reasons),
    }


def _document(current: Any, path: str) -> dict[str, Any]:
    from ..documents.documents import totals
    from ..views.clients import field_details
    from ..views.documents import doc_show_view

    view = doc_show_view(current, path)
    return {
        "view": view,
        "record": view.doc.record,
        "details": field_details(view.doc.record),
        "totals": totals(view.doc.items) if view.doc.items else None,
    }


def _ticket(current: Any, path: str) -> dict[str, Any]:
    from ..views.clients import field_details
    from ..views.tickets import ticket_show_view

    view = ticket_show_view(current, path)
    record = view.ticket.record
    return {"view": view, "record": record, "details": field_details(record)}


def _campaign(current: Any, path: str) -> dict[str, Any]:
    from ..views.campaigns import campaign_show_view
    from ..views.clients import field_details

    view = campaign_show_view(current, path)
    record = view.campaign.record
    return {"view": view, "record": record, "details": field_details(record)}


SHOWN = {"deal": _deal, "document": _document, "ticket": _ticket, "campaign": _campaign}


@bp.get("/history/<folder>/<slug>")
def history(folder: str, slug: str) -> str:
    from ..views.history import history_view

    if folder not in TYPE_BY_FOLDER:
        abort(404, f"'{folder}' is not a record folder")
    current = store()
    path = current.resolve(f"{folder}/{slug}")
    return render_template("history.html", view=history_view(current, path))


@bp.get("/activity")
def activity() -> str:
    from ..views.history import activity_view

    current = store()
    days = request.args.get("days", "7")
    if not days.isdigit() or not 0 < int(days) <= 366:
        raise UsageError(f"days: expected a number of days from 1 to 366, not '{days}'")
    today = current.today()
    view = activity_view(current, today - timedelta(days=int(days) - 1), today)
    return render_template("activity.html", view=view, days=int(days))


# ------------------------------------------------------------------ reports

REPORTS = {
    "forecast": "Forecast: open and won amounts by month or quarter",
    "stages": "Stage conversion and days in each stage",
    "lost": "Lost deals by reason",
    "competitors": "Competitors: met, won, lost to them",
    "receivables": "Receivables: invoiced, paid, owed, ageing",
    "service": "Service: tickets, response times, SLA, upsell",
    "campaigns": "Campaigns: responses, deals won, ROI",
}


@bp.get("/reports")
def reports() -> str:
    return render_template("reports.html", name=None, reports=REPORTS)


@bp.get("/reports/<name>")
def report(name: str) -> str:
    if name not in REPORTS:
        abort(404, f"no report '{name}'; the reports are: {', '.join(REPORTS)}")
    current = store()
    by = request.args.get("by", "month")
    if by not in ("month", "quarter"):
        raise UsageError(f"by: expected month or quarter, not '{by}'")
    shown = memo().get(current, ("report", name, by), lambda: BUILD[name](current, by))
    return render_template("reports.html", name=name, reports=REPORTS, by=by, **shown)


def _main_currency(current: Any) -> str:
    from ..sales.pipeline import settings

    return settings(current).money.currency


def _in(currency: str, amounts: Amounts) -> float:
    return float(amounts.get(currency, Decimal(0)))


def _forecast(current: Any, by: str) -> dict[str, Any]:
    from ..views.pipeline import forecast_view

    main = _main_currency(current)
    ahead = forecast_view(current, by).forecast
    chart = charts.bars(
        f"Forecast by {by} in {main}: open, weighted and won",
        ["open", "weighted", "won"],
        [
            charts.Bar(
                b.label,
                [_in(main, b.total), _in(main, b.weighted), _in(main, b.won)],
                b.total.text(),
            )
            for b in ahead.periods
        ],
    )
    return {"forecast": ahead, "chart": chart}


def _stages(current: Any, by: str) -> dict[str, Any]:
    from ..views.reports import stages_view

    stages = stages_view(current).report
    chart = charts.funnel(
        "Deals that entered each stage",
        [
            charts.Bar(
                row.stage, [float(row.entered)], f"{row.entered} ({percent(row.conversion)})"
            )
            for row in stages.rows
        ],
    )
    return {"stages": stages, "chart": chart}


def _lost(current: Any, by: str) -> dict[str, Any]:
    from ..views.reports import lost_view

    lost = lost_view(current).report
    chart = charts.bars(
        "Lost deals by reason",
        ["deals"],
        [charts.Bar(r.reason, [float(len(r.deals))], str(len(r.deals))) for r in lost.rows],
    )
    return {"lost": lost, "chart": chart}


def _competitors(current: Any, by: str) -> dict[str, Any]:
    from ..views.reports import competitors_view

    return {"rivals": competitors_view(current).rows, "chart": None}


def _receivables(current: Any, by: str) -> dict[str, Any]:
    from ..documents.receivables import BUCKETS
    from ..views.documents import receivables_view

    main = _main_currency(current)
    owed = receivables_view(current).report

    def in_main(bucket: str) -> float:
        return float(sum((t.ages[bucket] for t in owed.totals if t.currency == main), Decimal(0)))

    chart = charts.bars(
        f"Receivables by age in {main}",
        ["owed"],
        [
            charts.Bar(
                bucket,
                [in_main(bucket)],
                " + ".join(money(t.ages[bucket], t.currency) for t in owed.totals) or "0",
            )
            for bucket in BUCKETS
        ],
    )
    return {"owed": owed, "buckets": BUCKETS, "chart": chart}


def _service(current: Any, by: str) -> dict[str, Any]:
    from ..views.tickets import service_report_view

    service = service_report_view(current).report
    chart = charts.bars(
        "Tickets by kind",
        ["tickets"],
        [
            charts.Bar(kind, [float(sum(statuses.values()))], str(sum(statuses.values())))
            for kind, statuses in service.by_kind.items()
        ],
    )
    return {"service": service, "chart": chart}


def _campaigns(current: Any, by: str) -> dict[str, Any]:
    from ..views.campaigns import campaigns_report_view

    campaigns = campaigns_report_view(current).campaigns
    chart = charts.bars(
        "Campaign responses and deals won",
        ["responses", "deals won"],
        [
            charts.Bar(
                f.title,
                [float(len(f.responses)), float(len(f.won_deals))],
                f"{len(f.responses)} / {len(f.won_deals)}",
            )
            for f in campaigns
        ],
    )
    return {"campaigns": campaigns, "chart": chart}


BUILD = {
    "forecast": _forecast,
    "stages": _stages,
    "lost": _lost,
    "competitors": _competitors,
    "receivables": _receivables,
    "service": _service,
    "campaigns": _campaigns,
}


@bp.app_template_global()
def service_minutes(value: float | None) -> str:
    from ..service.report import minutes_text as words

    return words(value)


@bp.app_template_global("percent")
def _percent(value: float | None) -> str:
    return percent(value)


# ------------------------------------------------------------------ problems


@bp.get("/problems")
def problems() -> str:
    current = store()
    broken = sorted(current.broken())
    return render_template("problems.html", broken=broken, types=list(TYPES))
