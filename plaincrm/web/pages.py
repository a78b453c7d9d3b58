"""The pages: what the read commands show (today, plan, pipeline, client show, the
record pages and lists, reports, history, activity), read through the domain
functions the commands use, rendered by the templates."""

from __future__ import annotations

import shlex
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, render_template, request

from ..clients.clients import client_card, client_names
from ..core.dates import format_duration, minutes_to_time
from ..core.errors import UsageError
from ..core.model import TYPE_BY_FOLDER, TYPES, Record, field_kinds, slug_of
from ..core.money import Amounts
from ..core.query import RecordAccessor, parse, sql_prefilter
from ..core.records import record_notes
from ..core.text import percent
from ..tasks.agenda import DayView, day_view, fmt_minutes
from . import charts
from .app import store
from .markup import markdown

bp = Blueprint("pages", __name__)

BOARD_SHOWN = 20  # cards per column; the column's count and totals are of all its deals
LIST_SHOWN = 200  # rows of a list page; the count says how many matched
ATTENTION_SHOWN = 10


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
    current = store()
    owner = _owner_choice(current.default_owner())
    view = day_view(current, current.today(), owner, ATTENTION_SHOWN)
    return render_template("today.html", view=view, users=_users(), **_day(view))


@bp.get("/plan")
def plan() -> str:
    current = store()
    owner = _owner_choice(current.default_owner())
    config = current.config
    target = config.next_workday(current.today())
    view = day_view(current, target, owner, ATTENTION_SHOWN)
    move_to = target if view.workday else config.next_workday(target)
    rows: list[tuple[int, dict[str, Any]]] = [(t.start, {"timed": t}) for t in view.timed]
    rows += [(a, {"free": (a, b)}) for a, b in view.free_slots()]
    schedule = [row for _, row in sorted(rows, key=lambda r: r[0])]
    return render_template(
        "plan.html",
        view=view,
        users=_users(),
        schedule=schedule,
        suggestions=view.suggestions(),
        move_to=move_to,
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


# ------------------------------------------------------------------ the pipeline


@bp.get("/pipeline")
def pipeline() -> str:
    from ..sales.deals import deals, flagged_deals
    from ..sales.pipeline import settings
    from ..sales.reports import board

    current = store()
    config = settings(current)
    owner = request.args.get("owner") or None
    text = request.args.get("q", "").strip()
    keep: set[str] | None = None
    if text:
        found = _query(current, "deal", text)
        keep = {r.path for r in found}
    items = deals(current, config, owner)
    if keep is not None:
        items = [d for d in items if d.path in keep]
    result = board(items, config)
    flags = {f.path: f.flags for f in flagged_deals(current, config, current.today(), owner)}
    shown = [d for c in result.columns for d in c.deals[:BOARD_SHOWN]] + result.stray
    clients = client_names(current, (d.client for d in shown))
    return render_template(
        "pipeline.html",
        board=result,
        flags=flags,
        clients=clients,
        shown=BOARD_SHOWN,
        owner=owner,
        q=text,
        users=_users(),
        stages=[s.name for s in config.open_stages],
        pipeline=config,
    )


# ------------------------------------------------------------------ records


def _query(current: Any, type_name: str, text: str) -> list[Record]:
    """The records of a type a query (the CLI's query language) matches."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"the query has an unclosed quote: {text}") from exc
    kinds = field_kinds(type_name)
    parsed = parse(words, kinds=kinds, today=current.today(), me=current.current_user())
    where = sql_prefilter(parsed.where, kinds)
    return parsed.apply(current.records(type_name, where=where), RecordAccessor())


LIST_COLUMNS = {
    "client": ["owner", "tags", "city", "phone", "email"],
    "deal": ["client", "stage", "amount", "close", "owner"],
    "document": ["kind", "deal", "status", "number", "date"],
    "ticket": ["client", "kind", "priority", "status", "opened"],
    "campaign": ["channel", "start", "end", "cost", "owner"],
    "competitor": ["website"],
}


@bp.get("/list/<folder>")
def record_list(folder: str) -> str:
    rtype = TYPE_BY_FOLDER.get(folder)
    if rtype is None:
        abort(404, f"'{folder}' is not a record folder")
    current = store()
    text = request.args.get("q", "").strip()
    found = _query(current, rtype.name, text) if text else current.records(rtype.name)
    columns = LIST_COLUMNS.get(rtype.name, ["owner"])
    rows = [(r, [_cell(r.fields.get(c)) for c in columns]) for r in found[:LIST_SHOWN]]
    return render_template(
        "list.html",
        rtype=rtype,
        folder=folder,
        q=text,
        rows=rows,
        count=len(found),
        columns=columns,
        shown=LIST_SHOWN,
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(value)


@bp.get("/r/<folder>/<slug>")
def record(folder: str, slug: str) -> str:
    rtype = TYPE_BY_FOLDER.get(folder)
    if rtype is None:
        abort(404, f"'{folder}' is not a record folder")
    current = store()
    path = current.resolve(f"{folder}/{slug}")
    if rtype.name == "client":
        card = client_card(current, path)
        linked_titles = {r.path: r.title for records in card.linked.values() for r in records}
        return render_template(
            "client.html",
            card=card,
            record=card.record,
            fields=_fields(card.record),
            linked_titles=linked_titles,
            users=_users(),
        )
    loaded = current.load(path)
    extra: dict[str, Any] = {}
    if rtype.name == "deal":
        from ..sales.deals import deal_of
        from ..sales.pipeline import settings

        config = settings(current)
        extra = {
            "deal": deal_of(loaded, config),
            "stages": [s.name for s in config.open_stages],
            "reasons": list(config.lost_reasons),
        }
    client = loaded.fields.get("client")
    return render_template(
        "record.html",
        record=loaded,
        fields=_fields(loaded),
        notes=record_notes(current.read_text(path), loaded),
        client=client_names(current, [client]).get(client) if isinstance(client, str) else None,
        **extra,
    )


def _fields(loaded: Record) -> list[tuple[str, str]]:
    return [
        (key, _cell(value))
        for key, value in loaded.fields.items()
        if key != loaded.type.title_field and value not in (None, "", [])
    ]


@bp.get("/history/<folder>/<slug>")
def history(folder: str, slug: str) -> str:
    from ..git.history import record_history

    if folder not in TYPE_BY_FOLDER:
        abort(404, f"'{folder}' is not a record folder")
    current = store()
    path = current.resolve(f"{folder}/{slug}")
    result = record_history(current, path)
    return render_template("history.html", history=result)


@bp.get("/activity")
def activity() -> str:
    from ..git.history import activity as team_activity

    current = store()
    days = request.args.get("days", "7")
    if not days.isdigit() or not 0 < int(days) <= 366:
        raise UsageError(f"days: expected a number of days from 1 to 366, not '{days}'")
    since = (current.today() - timedelta(days=int(days) - 1)).isoformat()
    items = team_activity(current, since=since)
    return render_template("activity.html", items=items, days=int(days))


# ------------------------------------------------------------------ reports


@bp.get("/reports")
def reports() -> str:
    from ..documents.receivables import BUCKETS, receivables
    from ..sales.deals import deals
    from ..sales.pipeline import competitor_names, settings
    from ..sales.reports import competitor_report, forecast, lost_report, stages_report

    current = store()
    config = settings(current)
    main = config.currency
    by = request.args.get("by", "month")
    if by not in ("month", "quarter"):
        raise UsageError(f"by: expected month or quarter, not '{by}'")
    every = deals(current, config)
    ahead = forecast(every, config, current.today(), by=by, periods=4 if by == "quarter" else 6)
    lost = lost_report(every, config, None)
    stages = stages_report(every, config, None)
    cards = current.records("competitor")
    rivals = competitor_report(every, config, competitor_names(current, config), cards, None)
    owed = receivables(current, current.today())

    def value(amounts: Amounts) -> float:
        return float(amounts.get(main, Decimal(0)))

    forecast_chart = charts.bars(
        f"Forecast by {by} in {main}: open, weighted and won",
        ["open", "weighted", "won"],
        [
            charts.Bar(b.label, [value(b.total), value(b.weighted), value(b.won)], b.total.text())
            for b in ahead.periods
        ],
    )
    funnel_chart = charts.funnel(
        "Deals that entered each stage",
        [
            charts.Bar(
                row.stage, [float(row.entered)], f"{row.entered} ({percent(row.conversion)})"
            )
            for row in stages.rows
        ],
    )
    lost_chart = charts.bars(
        "Lost deals by reason",
        ["deals"],
        [charts.Bar(row.reason, [float(len(row.deals))], str(len(row.deals))) for row in lost.rows],
    )

    def owed_in_main(bucket: str) -> float:
        return float(sum((t.ages[bucket] for t in owed.totals if t.currency == main), Decimal(0)))

    ageing_chart = charts.bars(
        f"Receivables by age in {main}",
        ["owed"],
        [
            charts.Bar(
                bucket,
                [
                    float(
                        sum((t.ages[bucket] for t in owed.totals if t.currency == main), Decimal(0))
                    )
                ],
                " + ".join(f"{t.ages[bucket]} {t.currency}" for t in owed.totals) or "0",
            )
            for bucket in BUCKETS
        ],
    )
    return render_template(
        "reports.html",
        by=by,
        forecast=ahead,
        forecast_chart=forecast_chart,
        stages=stages,
        funnel_chart=funnel_chart,
        lost=lost,
        lost_chart=lost_chart,
        rivals=rivals,
        owed=owed,
        buckets=BUCKETS,
        ageing_chart=ageing_chart,
        percent=percent,
        **_service_and_campaigns(current),
    )


def _service_and_campaigns(current: Any) -> dict[str, Any]:
    from ..marketing.campaigns import campaign_figures
    from ..service.report import minutes_text as service_minutes
    from ..service.report import service_report

    service = service_report(current, None, None)
    figures = campaign_figures(current, current.records("campaign"))
    chart = charts.bars(
        "Campaign responses and deals won",
        ["responses", "deals won"],
        [
            charts.Bar(
                f.title,
                [float(len(f.responses)), float(len(f.won_deals))],
                f"{len(f.responses)} / {len(f.won_deals)}",
            )
            for f in figures
        ],
    )
    return {
        "service": service,
        "service_minutes": service_minutes,
        "campaigns": figures,
        "campaign_chart": chart,
    }


# ------------------------------------------------------------------ problems


@bp.get("/problems")
def problems() -> str:
    current = store()
    broken = sorted(current.broken())
    return render_template("problems.html", broken=broken, types=list(TYPES))
