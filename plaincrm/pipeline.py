"""The sales pipeline: its settings, money, deals, the deal log grammar, attention.

Settings live in the ``pipeline:`` section of ``plaincrm.yaml`` (documented in
``config.TEMPLATE`` and docs/sales.md): ordered stages with a probability and
an optional rotting limit, lost reasons, known competitors, the default
currency and exchange rates.  ``read_pipeline`` parses them and collects
located problems (``check`` lists them); ``pipeline_settings`` refuses to go
on when there are any.

A deal's ``## Log`` records every transition as a dated line.  The text after
``who:`` has one grammar, written by ``format_event`` and read by
``parse_event`` (and nowhere else)::

    opened in lead (10%)
    stage lead -> qualified (25%)
    stage qualified -> proposal (60%, by hand)
    won at negotiation (12000 EUR)
    lost at proposal: price; competitor Contoso; note Their offer was 20% cheaper
    reopened lost -> proposal (50%)
    probability 60%, by hand            probability 50%, follows the stage
    forced past: the proposal stage needs a signed NDA
    changed amount 10000 -> 12000; close 2026-12-15 -> 2027-01-15

A reason or competitor that contains ``;`` (or any value that starts with
``"``) is written as a JSON string; the note, last, runs to the end of the
line.  Any other log text is a free note.

Deals as figures (``Deal``) and what needs attention in ``today`` are worked
out here from the index (the board and the forecast are in ``reports``).
Money is ``Decimal`` and grouped by currency (``Amounts``), converted only
when asked and only at configured rates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .config import Config, SectionReader, settled
from .dates import parse_iso_date
from .errors import InvalidError, Problem
from .model import Record
from .records import log_line, one_line

if TYPE_CHECKING:  # imported lazily: agenda imports this module for its provider
    from .agenda import Attention
    from .store import Store

WON = "won"
LOST = "lost"
CLOSED = (WON, LOST)
SECTION = "pipeline"
DEFAULT_STAGES: tuple[tuple[str, int, int | None], ...] = (
    ("lead", 10, 30),
    ("qualified", 25, 21),
    ("proposal", 50, 14),
    ("negotiation", 75, 14),
    (WON, 100, None),
    (LOST, 0, None),
)
DEFAULT_LOST_REASONS = (
    "price",
    "competitor",
    "no budget",
    "timing",
    "no decision",
    "requirements not met",
)
DEFAULT_COMPETITOR_REASONS = ("competitor",)
DEFAULT_CURRENCY = "EUR"
CENT = Decimal("0.01")

_STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_AMOUNT_RE = re.compile(r"^(\d+(\.\d+)?|\d{1,3}(,\d{3})+(\.\d+)?)$")


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Stage:
    name: str
    probability: int
    rotting: int | None = None  # days without activity before a deal rots

    @property
    def closed(self) -> bool:
        return self.name in CLOSED


@dataclass
class Pipeline:
    """The parsed ``pipeline:`` settings."""

    stages: list[Stage]
    lost_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_LOST_REASONS))
    competitor_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_COMPETITOR_REASONS))
    other_reasons: bool = False
    competitors: list[str] = field(default_factory=list)
    currency: str = DEFAULT_CURRENCY
    rates: dict[str, Decimal] = field(default_factory=dict)  # value of 1 unit in `currency`

    @property
    def open_stages(self) -> list[Stage]:
        return [stage for stage in self.stages if not stage.closed]

    @property
    def first_stage(self) -> Stage:
        return self.open_stages[0]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {stage.name: index for index, stage in enumerate(self.stages)}

    def stage(self, name: str | None) -> Stage | None:
        """The stage called exactly ``name``."""
        index = self._positions.get(name or "")
        return None if index is None else self.stages[index]

    def order(self, name: str | None) -> int:
        """A stage's position (unknown stages sort last)."""
        return self._positions.get(name or "", len(self.stages))

    def find_stage(self, text: str) -> Stage:
        """The stage a user means: its name in any case, or an unambiguous prefix."""
        wanted = text.strip().lower()
        exact = self.stage(wanted)
        if exact is not None:
            return exact
        matches = [stage for stage in self.stages if stage.name.startswith(wanted)]
        if len(matches) == 1 and wanted:
            return matches[0]
        names = ", ".join(stage.name for stage in self.stages)
        if len(matches) > 1:
            raise InvalidError(
                f"'{text}' matches the stages {', '.join(s.name for s in matches)}; say which"
            )
        raise InvalidError(
            f"unknown stage '{text}'{did_you_mean(wanted, [s.name for s in self.stages])}; "
            f"the stages are: {names} (pipeline.stages in plaincrm.yaml)"
        )

    def find_reason(self, text: str) -> str:
        """A lost reason as configured (any case); free text only when other_reasons allows."""
        wanted = " ".join(text.split())
        if not wanted:
            raise InvalidError("a lost deal needs a reason: --reason REASON")
        for reason in self.lost_reasons:
            if reason.lower() == wanted.lower():
                return reason
        if self.other_reasons:
            return wanted
        raise InvalidError(
            f"unknown lost reason '{text}'"
            f"{did_you_mean(wanted.lower(), self.lost_reasons)}; the reasons are: "
            f"{', '.join(self.lost_reasons)} (pipeline.lost_reasons in plaincrm.yaml; set "
            "pipeline.other_reasons: true to allow free text)"
        )

    def needs_competitor(self, reason: str) -> bool:
        return reason.lower() in (r.lower() for r in self.competitor_reasons)

    def rate(self, currency: str) -> Decimal | None:
        if currency == self.currency:
            return Decimal(1)
        return self.rates.get(currency)


def did_you_mean(text: str, names: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def default_pipeline() -> Pipeline:
    return Pipeline([Stage(name, p, rot) for name, p, rot in DEFAULT_STAGES])


def read_pipeline(config: Config) -> tuple[Pipeline, list[Problem]]:
    """The ``pipeline:`` settings (defaults for what is not given) and their problems."""
    reader = _Reader(config, SECTION)
    return reader.read(), reader.problems


def pipeline_settings(config: Config) -> Pipeline:
    """The pipeline settings; a ``ConfigError`` when they have problems."""
    return settled(*read_pipeline(config), "pipeline settings in plaincrm.yaml")


class _Reader(SectionReader):
    def read(self) -> Pipeline:
        raw = self.config.raw.get(SECTION)
        pipeline = default_pipeline()
        if raw is None:
            return pipeline
        if not isinstance(raw, dict):
            self.problem(
                "", "pipeline must be a section of 'key: value' settings (see docs/sales.md)"
            )
            return pipeline
        if "stages" in raw:
            pipeline.stages = self.stages(raw["stages"]) or pipeline.stages
        for key in ("lost_reasons", "competitor_reasons", "competitors"):
            if key in raw:
                setattr(pipeline, key, self.names(key, raw[key]))
        unknown = [
            r for r in pipeline.competitor_reasons if r.lower() not in _lower(pipeline.lost_reasons)
        ]
        if unknown and "competitor_reasons" in raw:
            self.problem(
                "competitor_reasons",
                f"competitor_reasons: '{unknown[0]}' is not one of pipeline.lost_reasons",
            )
        if "other_reasons" in raw:
            pipeline.other_reasons = self.boolean("other_reasons", raw["other_reasons"])
        if "currency" in raw:
            pipeline.currency = self.currency("currency", raw["currency"]) or DEFAULT_CURRENCY
        if "rates" in raw:
            pipeline.rates = self.rates(raw["rates"])
        for key in raw:
            if key not in _KEYS:
                self.problem(key, f"unknown pipeline setting '{key}' (known: {', '.join(_KEYS)})")
        return pipeline

    def stages(self, raw: Any) -> list[Stage]:
        if not isinstance(raw, list) or not raw:
            self.problem(
                "stages", "pipeline.stages must be a list of '- {name: ..., probability: ...}'"
            )
            return []
        before = len(self.problems)
        stages: list[Stage] = []
        for i, entry in enumerate(raw):
            where = f"stages.{i}"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                self.problem(where, "each stage needs a name: - {name: lead, probability: 10}")
                continue
            name = entry["name"]
            if not _STAGE_NAME_RE.match(name):
                self.problem(
                    f"{where}.name",
                    f"stage name '{name}' must be lower case letters, digits, - or _ "
                    "(it is typed on the command line)",
                )
                continue
            if any(stage.name == name for stage in stages):
                self.problem(f"{where}.name", f"stage '{name}' is listed twice")
                continue
            probability = self.integer(f"{where}.probability", entry.get("probability"), 0, 100)
            if probability is None:
                continue
            rotting = None
            if entry.get("rotting") not in (None, ""):
                rotting = self.integer(f"{where}.rotting", entry["rotting"], 1, 10_000)
                if name in CLOSED and rotting is not None:
                    self.problem(
                        f"{where}.rotting", f"the {name} stage closes a deal: it cannot rot"
                    )
            for key in entry:  # requires: the stage gate of documents.read_requirements
                if key not in ("name", "probability", "rotting", "requires"):
                    self.problem(f"{where}.{key}", f"unknown stage setting '{key}'")
            stages.append(Stage(name, probability, rotting))
        names = [stage.name for stage in stages]
        for closing in CLOSED:
            if closing not in names:
                self.problem(
                    "stages",
                    f"pipeline.stages must include '{closing}' (deals close as won or lost)",
                )
        if not any(not stage.closed for stage in stages):
            self.problem("stages", "pipeline.stages needs at least one open stage before won/lost")
        return stages if len(self.problems) == before else []

    def integer(self, dotted: str, value: Any, low: int, high: int) -> int | None:
        text = str(value).strip() if isinstance(value, str) else None
        if text is None or not text.isdigit() or not low <= int(text) <= high:
            self.problem(dotted, f"{dotted} must be a whole number from {low} to {high}")
            return None
        return int(text)

    def names(self, key: str, raw: Any) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
            self.problem(key, f"pipeline.{key} must be a list of names, like [a, b]")
            return []
        names = [" ".join(v.split()) for v in raw]
        lowered = _lower(names)
        for i, name in enumerate(names):
            if lowered.index(name.lower()) != i:
                self.problem(f"{key}.{i}", f"'{name}' is listed twice in pipeline.{key}")
        return names

    def boolean(self, key: str, raw: Any) -> bool:
        text = str(raw).lower()
        if text not in ("true", "false", "yes", "no"):
            self.problem(key, f"pipeline.{key} must be true or false")
        return text in ("true", "yes")

    def currency(self, dotted: str, raw: Any) -> str | None:
        if not isinstance(raw, str) or not _CURRENCY_RE.match(raw):
            self.problem(dotted, f"'{raw}' is not a currency code like EUR, USD or HUF")
            return None
        return raw

    def rates(self, raw: Any) -> dict[str, Decimal]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem("rates", "pipeline.rates must be 'CODE: rate' lines, like USD: 0.92")
            return {}
        rates = {}
        for code, value in raw.items():
            if self.currency(f"rates.{code}", code) is None:
                continue
            try:
                rate = Decimal(str(value).strip())
            except InvalidOperation:
                rate = Decimal(0)
            if not rate.is_finite() or rate <= 0:
                self.problem(f"rates.{code}", f"rates.{code}: '{value}' is not a positive number")
                continue
            rates[code] = rate
        return rates


_KEYS = (
    "stages",
    "lost_reasons",
    "competitor_reasons",
    "other_reasons",
    "competitors",
    "currency",
    "rates",
)


def _lower(names: Iterable[str]) -> list[str]:
    return [name.lower() for name in names]


def settings(store: Store) -> Pipeline:
    return pipeline_settings(store.config)


def competitor_names(store: Store, pipeline: Pipeline) -> dict[str, str]:
    """Known competitors: each name and alias, lower case -> the name deals use.

    From pipeline.competitors and the ``competitors/`` cards (name and aliases).
    """
    names = {name.lower(): name for name in pipeline.competitors}
    for card in store.records("competitor"):
        canonical = names.get(card.title.lower(), card.title)
        for alias in [card.title, *card.get_list("aliases")]:
            names.setdefault(alias.lower(), canonical)
    return names


def check_pipeline(store: Store) -> list[Problem]:
    """``check``: the pipeline settings, then each deal against them."""
    pipeline, problems = read_pipeline(store.config)
    if problems:
        return problems
    known = competitor_names(store, pipeline)
    stages = ", ".join(stage.name for stage in pipeline.stages)
    for record in store.records("deal"):

        def problem(key: str, message: str, record: Record = record) -> None:
            problems.append(Problem(record.path, record.line_of(key), message))

        stage = record.get_text("stage")
        if stage and pipeline.stage(stage) is None:
            problem("stage", f"stage: '{stage}' is not a stage of the pipeline ({stages})")
        lost = record.fields.get("lost_reason"), record.fields.get("competitor")
        reason = record.get_text("lost_reason")
        if stage == LOST:
            if not reason:
                problem("stage", "a lost deal needs lost_reason: (close it with 'deal lose')")
            elif not pipeline.other_reasons and reason.lower() not in _lower(pipeline.lost_reasons):
                problem(
                    "lost_reason",
                    f"lost_reason: '{reason}' is not one of pipeline.lost_reasons "
                    f"({', '.join(pipeline.lost_reasons)})",
                )
            elif pipeline.needs_competitor(reason) and not record.get_text("competitor"):
                problem("lost_reason", f"lost_reason '{reason}' needs competitor: (who won)")
        elif any(lost):
            problem(
                "lost_reason" if lost[0] else "competitor",
                f"lost_reason/competitor on a deal that is {stage}, not lost: remove them",
            )
        if stage in CLOSED and not record.get_date("closed"):
            problem("stage", f"a {stage} deal needs closed: YYYY-MM-DD (the day it closed)")
        names = [*record.get_list("competitors"), *filter(None, [record.get_text("competitor")])]
        for name in names if known else []:
            if name.lower() not in known:
                key = "competitor" if name == record.get_text("competitor") else "competitors"
                problem(
                    key,
                    f"competitor '{name}' is not known: add it to pipeline.competitors or "
                    "create a competitors/ card",
                )
    return problems


# ---------------------------------------------------------------- money


def parse_amount(text: str | int | float | Decimal) -> Decimal:
    """``12000``, ``"12 000"``, ``"12,000.50"``, ``"12_000"`` -> a non-negative Decimal."""
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        value = Decimal(str(text))
    else:
        cleaned = str(text).strip().replace(" ", "").replace("_", "").replace("\u00a0", "")
        if not _AMOUNT_RE.match(cleaned):
            raise InvalidError(
                f"'{text}' is not an amount: use digits with an optional decimal point, "
                "like 12000 or 12000.50 (the currency goes in --currency)"
            )
        value = Decimal(cleaned.replace(",", ""))
    if not value.is_finite() or value < 0:
        raise InvalidError(f"'{text}' is not an amount: it must be zero or more")
    return value


def check_currency(text: str) -> str:
    code = text.strip().upper()
    if not _CURRENCY_RE.match(code):
        raise InvalidError(f"'{text}' is not a currency code: use three letters like EUR or USD")
    return code


def format_amount(value: Decimal) -> str:
    """``Decimal("12000.5")`` -> ``12,000.50``; whole amounts without decimals."""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value.quantize(CENT):,.2f}"


def json_amount(value: Decimal) -> int | float:
    """A money figure for JSON: a whole number when it is one, else rounded to cents."""
    if value == value.to_integral_value():
        return int(value)
    return float(value.quantize(CENT))


class Amounts(dict[str, Decimal]):
    """Money grouped by currency: different currencies are never added together."""

    def add(self, currency: str, value: Decimal) -> None:
        self[currency] = self.get(currency, Decimal(0)) + value

    def update_from(self, other: Amounts) -> None:
        for currency, value in other.items():
            self.add(currency, value)

    def text(self) -> str:
        if not self:
            return "0"
        return " + ".join(f"{format_amount(v)} {c}" for c, v in sorted(self.items()))

    def as_json(self) -> dict[str, int | float]:
        return {currency: json_amount(value) for currency, value in sorted(self.items())}

    def converted(self, target: str, pipeline: Pipeline) -> Amounts:
        """All of it in ``target`` at the configured rates; an error names missing rates."""
        out = Amounts()
        out[target] = Decimal(0)
        for currency, value in self.items():
            out.add(target, convert(value, currency, target, pipeline))
        return out


def convert(value: Decimal, source: str, target: str, pipeline: Pipeline) -> Decimal:
    if source == target:
        return value
    missing = [c for c in (source, target) if pipeline.rate(c) is None]
    if missing:
        code = missing[0]
        raise InvalidError(
            f"no exchange rate for {code}: add '{code}: RATE' (the value of 1 {code} in "
            f"{pipeline.currency}) under pipeline.rates in plaincrm.yaml, or leave out "
            "--currency to see each currency separately"
        )
    source_rate, target_rate = pipeline.rate(source), pipeline.rate(target)
    assert source_rate is not None and target_rate is not None
    return (value * source_rate / target_rate).quantize(CENT)


# ---------------------------------------------------------------- deals as figures


@dataclass
class Deal:
    """A deal record with its figures worked out against the pipeline settings."""

    record: Record
    stage: str
    status: str  # open | won | lost
    probability: int
    manual: bool  # the probability was set by hand
    amount: Decimal | None
    currency: str

    @property
    def path(self) -> str:
        return self.record.path

    @property
    def ref(self) -> str:
        return self.record.slug

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def client(self) -> str | None:
        return self.record.get_text("client")

    @property
    def close(self) -> str | None:
        return self.record.get_date("close")

    @property
    def closed(self) -> str | None:
        return self.record.get_date("closed")

    @property
    def owner(self) -> str | None:
        return self.record.owner

    @property
    def weighted(self) -> Decimal | None:
        if self.amount is None:
            return None
        return (self.amount * self.probability / 100).quantize(CENT)

    def as_json(self) -> dict[str, Any]:
        fields = self.record.fields
        return {
            "ref": self.ref,
            "path": self.path,
            "title": self.title,
            "client": self.client,
            "stage": self.stage,
            "status": self.status,
            "probability": self.probability,
            "probability_manual": self.manual,
            "amount": json_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "weighted": json_amount(self.weighted) if self.weighted is not None else None,
            "close": self.close,
            "owner": self.owner,
            "source": fields.get("source"),
            "created": self.record.get_date("created"),
            "closed": self.closed,
            "lost_reason": fields.get("lost_reason"),
            "competitor": fields.get("competitor"),
            "lost_note": fields.get("lost_note"),
            "competitors": self.record.get_list("competitors"),
        }


def deal_of(record: Record, pipeline: Pipeline) -> Deal:
    stage = record.get_text("stage") or ""
    status = stage if stage in CLOSED else "open"
    manual = record.fields.get("probability_manual") is True
    typed = record.fields.get("probability")
    known = pipeline.stage(stage)
    if status == WON:
        probability = 100
    elif status == LOST:
        probability = 0
    elif isinstance(typed, int) and not isinstance(typed, bool) and 0 <= typed <= 100:
        probability = typed
    else:
        probability = known.probability if known else 0
    amount = record.get_number("amount")
    currency = record.get_text("currency") or pipeline.currency
    return Deal(record, stage, status, probability, manual, amount, currency)


def deals(
    store: Store,
    pipeline: Pipeline,
    owner: str | None = None,
    where: tuple[str, list[Any]] = ("", []),
) -> list[Deal]:
    """Every readable deal (of ``owner`` when given; meeting the SQL prefilter
    ``where``, see ``store.records``), in pipeline order."""
    found = [deal_of(r, pipeline) for r in store.records("deal", where=where)]
    if owner is not None:
        found = [d for d in found if d.owner == owner]
    found.sort(key=lambda d: (pipeline.order(d.stage), d.close or "9999", d.ref))
    return found


# ---------------------------------------------------------------- the log grammar


TRANSITIONS = ("opened", "stage", "won", "lost", "reopened")


@dataclass(frozen=True)
class Event:
    """What one line of a deal's log says.

    Transitions (``opened``, ``stage``, ``won``, ``lost``, ``reopened``) go
    from ``previous`` (None for ``opened``) to ``stage``; ``won``/``lost`` have
    ``stage`` won/lost and ``previous`` the stage the deal closed at.
    """

    kind: str  # opened | stage | won | lost | reopened | probability | forced | changed | note
    stage: str | None = None
    previous: str | None = None
    probability: int | None = None
    manual: bool = False
    reason: str | None = None
    competitor: str | None = None
    text: str | None = None  # lost note, forced message, changed list, free note
    amount: Decimal | None = None
    currency: str | None = None

    @property
    def transition(self) -> bool:
        return self.kind in TRANSITIONS

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stage": self.stage,
            "previous": self.previous,
            "probability": self.probability,
            "probability_manual": self.manual,
            "reason": self.reason,
            "competitor": self.competitor,
            "text": self.text,
            "amount": json_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
        }


def _percent(event: Event) -> str:
    return f"({event.probability}%{', by hand' if event.manual else ''})"


def _value(text: str, last: bool = False) -> str:
    """A value of a ``lost`` line; the last one (the note) may hold ``;``."""
    text = one_line(text)
    if (";" in text and not last) or text.startswith('"') or not text:
        return json.dumps(text, ensure_ascii=False)
    return text


def format_event(event: Event) -> str:
    """The log text of an event (what follows ``- DATE who: ``)."""
    kind = event.kind
    if kind == "opened":
        return f"opened in {event.stage} {_percent(event)}"
    if kind == "stage":
        return f"stage {event.previous} -> {event.stage} {_percent(event)}"
    if kind == "reopened":
        return f"reopened {event.previous} -> {event.stage} {_percent(event)}"
    if kind == "won":
        money = ""
        if event.amount is not None:
            money = f" ({format(event.amount, 'f')} {event.currency})"
        return f"won at {event.previous}{money}"
    if kind == "lost":
        parts = [_value(event.reason or "")]
        if event.competitor:
            parts.append(f"competitor {_value(event.competitor)}")
        if event.text:
            parts.append(f"note {_value(event.text, last=True)}")
        return f"lost at {event.previous}: {'; '.join(parts)}"
    if kind == "probability":
        how = "by hand" if event.manual else "follows the stage"
        return f"probability {event.probability}%, {how}"
    if kind == "forced":
        return f"forced past: {one_line(event.text or '')}"
    if kind == "changed":
        return f"changed {one_line(event.text or '')}"
    return one_line(event.text or "")


_PCT = r"\((\d{1,3})%(, by hand)?\)"
_PATTERNS = {
    "opened": re.compile(rf"^opened in (\S+) {_PCT}$"),
    "stage": re.compile(rf"^stage (\S+) -> (\S+) {_PCT}$"),
    "reopened": re.compile(rf"^reopened (\S+) -> (\S+) {_PCT}$"),
    "won": re.compile(r"^won at (\S+)(?: \((\d+(?:\.\d+)?) ([A-Z]{3})\))?$"),
    "lost": re.compile(r"^lost at (\S+): (.*)$"),
    "probability": re.compile(r"^probability (\d{1,3})%, (by hand|follows the stage)$"),
    "forced": re.compile(r"^forced past: (.*)$"),
    "changed": re.compile(r"^changed (.+)$"),
}


def parse_event(text: str) -> Event:
    """Read the log text of a deal line (the inverse of ``format_event``)."""
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groups()
        if kind == "opened":
            return Event(kind, groups[0], None, int(groups[1]), bool(groups[2]))
        if kind in ("stage", "reopened"):
            return Event(kind, groups[1], groups[0], int(groups[2]), bool(groups[3]))
        if kind == "won":
            amount = Decimal(groups[1]) if groups[1] else None
            return Event(kind, WON, groups[0], 100, amount=amount, currency=groups[2])
        if kind == "lost":
            lost = _parse_lost(groups[0], groups[1])
            if lost is not None:
                return lost
            continue
        if kind == "probability":
            return Event(kind, probability=int(groups[0]), manual=groups[1] == "by hand")
        return Event(kind, text=groups[0])
    return Event("note", text=text)


def _read_value(text: str, start: int, last: bool = False) -> tuple[str, int] | None:
    """A value at ``start``: a JSON string, or plain text up to ``; `` (the last
    value: up to the end)."""
    if text.startswith('"', start):
        try:
            value, end = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            return None
        return (value, end) if isinstance(value, str) else None
    end = len(text) if last else text.find("; ", start)
    end = len(text) if end < 0 else end
    return text[start:end], end


def _parse_lost(stage: str, rest: str) -> Event | None:
    found = _read_value(rest, 0)
    if found is None:
        return None
    reason, pos = found
    values: dict[str, str] = {}
    for key in ("competitor", "note"):
        prefix = f"; {key} "
        if rest.startswith(prefix, pos):
            found = _read_value(rest, pos + len(prefix), last=key == "note")
            if found is None:
                return None
            values[key], pos = found
    if pos != len(rest):
        return None
    return Event(
        "lost",
        LOST,
        stage,
        0,
        reason=reason,
        competitor=values.get("competitor"),
        text=values.get("note"),
    )


def event_line(day: date, who: str | None, event: Event) -> str:
    """A whole ``## Log`` line for ``event`` (``records.log_line``)."""
    return log_line(day.isoformat(), who, format_event(event))


def events(record: Record) -> list[tuple[str, Event]]:
    """The (date, event) of each line of a deal's log, in file order."""
    return [(entry.date, parse_event(entry.text)) for entry in record.log]


def stage_entered(record: Record, stage: str) -> str | None:
    """The date the deal last entered ``stage`` according to its log."""
    found = None
    for day, event in events(record):
        if event.transition and event.stage == stage:
            found = day
    return found


def closed_at(record: Record) -> str | None:
    """The stage a won or lost deal closed at, from its last won/lost log line."""
    found = None
    for _, event in events(record):
        if event.kind in CLOSED:
            found = event.previous
    return found


# ---------------------------------------------------------------- attention


@dataclass
class Flag:
    """Why an open deal needs attention: a short label and the full reason."""

    short: str
    reason: str


def deal_facts(record: Record) -> dict[str, Any] | None:
    """What the index keeps of an open deal (``index.FACTS``), so that the
    attention check of every ``today`` reads one small row per open deal
    instead of the whole record.  Closed deals have none.

    ``activity`` is the newest of: a stage change in the log, a completed
    task, the day the deal was opened.
    """
    stage = record.get_text("stage")
    if stage in CLOSED:
        return None
    moved = [e.date for e in record.log if parse_event(e.text).transition]
    done = [task.done for task in record.tasks if task.checked and task.done]
    created = record.get_date("created")
    dates = [d for d in (*moved, *done, created) if d and parse_iso_date(d)]
    return {
        "title": record.title,
        "stage": stage,
        "close": record.get_date("close"),
        "client": record.get_text("client"),
        "activity": max(dates, default=None),
        "open_tasks": sum(1 for task in record.tasks if not task.checked),
    }


def deal_flags(pipeline: Pipeline, day: date, facts: dict[str, Any]) -> list[Flag]:
    """Why an open deal (its ``deal_facts``) needs attention on ``day``: past its
    close date; rotting (no activity for longer than its stage allows); no
    next step (no open task)."""
    flags = []
    close, activity = facts["close"], facts["activity"]
    if close and close < day.isoformat():
        flags.append(Flag("past close", f"close date {close} has passed"))
    stage = pipeline.stage(facts["stage"])
    if stage is not None and stage.rotting and activity:
        idle = (day - date.fromisoformat(activity)).days
        if idle > stage.rotting:
            flags.append(
                Flag(
                    f"rotting {idle}d",
                    f"rotting: {idle} days without activity in {stage.name} "
                    f"(limit {stage.rotting})",
                )
            )
    if not facts["open_tasks"]:
        flags.append(Flag("no next step", "no next step (no open task)"))
    return flags


@dataclass
class Flagged:
    path: str
    title: str
    client: str | None  # the client's slug
    close: str | None
    flags: list[Flag]


def flagged_deals(store: Store, pipeline: Pipeline, day: date, owner: str | None) -> list[Flagged]:
    """Open deals (of ``owner`` and nobody's, when given) that need attention on ``day``.

    Reads the index's facts of open deals (``deal_facts``): one small row each,
    and SQL passes on only the rows that may have a flag (``deal_flags`` decides).
    """
    rotting = [s for s in pipeline.open_stages if s.rotting]
    cutoffs: list[Any] = []
    for stage in rotting:
        cutoffs += [stage.name, (day - timedelta(days=stage.rotting or 0)).isoformat()]
    cases = " ".join("WHEN ? THEN ?" for _ in rotting)
    cutoff = f"CASE json_extract(data, '$.stage') {cases} ELSE '' END" if rotting else "''"
    query = (
        "SELECT path, data FROM facts WHERE type = 'deal' AND ("
        "json_extract(data, '$.open_tasks') = 0 OR json_extract(data, '$.close') < ? "
        f"OR json_extract(data, '$.activity') < {cutoff})"
    )
    params: list[Any] = [day.isoformat(), *cutoffs]
    if owner is not None:
        query += " AND (owner = ? OR owner IS NULL)"
        params.append(owner)
    found = []
    for path, data in store.index.conn.execute(query, params):
        facts = json.loads(data)
        flags = deal_flags(pipeline, day, facts)
        if flags:
            found.append(Flagged(path, facts["title"], facts["client"], facts["close"], flags))
    return found


def deal_attention(store: Store, day: date, owner: str | None) -> list[Attention]:
    """The ``agenda.ATTENTION`` provider of deals: no next step, rotting, past close."""
    from .agenda import Attention

    found = flagged_deals(store, settings(store), day, owner)
    names = store.titles(f"clients/{item.client}.md" for item in found if item.client)
    found.sort(key=lambda item: (-len(item.flags), item.close or "9999", item.path))
    return [
        Attention(
            "deal",
            item.path,
            item.title,
            "; ".join(flag.reason for flag in item.flags),
            names.get(f"clients/{item.client}.md"),
        )
        for item in found
    ]


def deal_details(store: Store, record: Record) -> dict[str, str]:
    """What a deal shows on its client's card: stage, amount and probability."""
    deal = deal_of(record, settings(store))
    amount = f"{format_amount(deal.amount)} {deal.currency}" if deal.amount is not None else ""
    return {
        "stage": deal.stage,
        "amount": amount,
        "probability": f"{deal.probability}%{' (by hand)' if deal.manual else ''}",
    }
