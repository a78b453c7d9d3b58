"""Money: amounts as ``Decimal``, currency codes, and sums kept per currency.

An amount is typed as ``12000``, ``12 000`` or ``12,000.50`` (``parse_amount``;
any number typed, ``parse_number``) and shown as ``12,000.50``
(``format_amount``; with its currency, ``money``).  Money is rounded to cents
half up (``cents``), everywhere.
Sums in different currencies are never added together (``Amounts``);
``convert`` converts only when asked and only at the CRM's rates, and names a
rate that is missing.

The currency of amounts given without one and the exchange rates to it are the
CRM's, the ``money:`` section of ``plaincrm.yaml`` (``read_currencies``,
``currencies``); a CRM that sets them as ``pipeline.currency`` and
``pipeline.rates`` (before they were CRM-wide) is read as before: each of the two
is taken from ``money:`` when set there, else from ``pipeline:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .errors import InvalidError, Problem
from .settings import Config, SectionReader, settled

if TYPE_CHECKING:
    from .store import Store

CENT = Decimal("0.01")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_NUMBER_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+|\d{1,3}(,\d{3})+(\.\d*)?)$")
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
LEAVE_OUT = "leave out --currency to see each currency separately"  # convert's alternative
MAX_DIGITS = 13  # before the decimal point: with cents, 15 digits, exact as a YAML float
DEFAULT_CURRENCY = "EUR"
SECTION = "money"
OLD_SECTION = "pipeline"  # where currency and rates were set before they were CRM-wide


@dataclass(frozen=True)
class Currencies:
    """The CRM's money settings: the currency of amounts given without one, and the
    exchange rates to it (the value of 1 unit in ``currency``).  ``where``: the section
    the rates are set in (``money``, or ``pipeline`` in a CRM set up before)."""

    currency: str = DEFAULT_CURRENCY
    rates: dict[str, Decimal] = field(default_factory=dict)
    where: str = SECTION

    def rate(self, currency: str) -> Decimal | None:
        if currency == self.currency:
            return Decimal(1)
        return self.rates.get(currency)


def read_currencies(config: Config) -> tuple[Currencies, list[Problem]]:
    """The ``money:`` settings (``currency``, ``rates``; each, when not set there, from
    ``pipeline:``) and their problems, each at its setting's line."""
    raw = config.raw.get(SECTION)
    reader = _Reader(config, SECTION)
    if raw is not None and not isinstance(raw, dict):
        reader.problem("", "money must be a section of 'key: value' settings (README, Settings)")
        raw = None
    raw = raw or {}
    for key in raw:
        if key not in ("currency", "rates"):
            reader.problem(key, f"unknown money setting '{key}' (known: currency, rates)")
    old = config.raw.get(OLD_SECTION)
    old = old if isinstance(old, dict) else {}
    old_reader = _Reader(config, OLD_SECTION)
    currency, where = DEFAULT_CURRENCY, SECTION
    rates: dict[str, Decimal] = {}
    if "currency" in raw:
        currency = reader.currency("currency", raw["currency"]) or DEFAULT_CURRENCY
    elif "currency" in old:
        currency = old_reader.currency("currency", old["currency"]) or DEFAULT_CURRENCY
    if "rates" in raw:
        rates = reader.rates(raw["rates"])
    elif "rates" in old:
        rates, where = old_reader.rates(old["rates"]), OLD_SECTION
    return Currencies(currency, rates, where), reader.problems + old_reader.problems


def currencies(store: Store) -> Currencies:
    """The CRM's money settings; a ``ConfigError`` when they have problems."""
    return settled(*read_currencies(store.config), "money settings in plaincrm.yaml")


def check_money(store: Store) -> list[Problem]:
    """``check``: the money settings."""
    return read_currencies(store.config)[1]


class _Reader(SectionReader):
    def currency(self, dotted: str, raw: Any) -> str | None:
        if not isinstance(raw, str) or not CURRENCY_RE.match(raw):
            self.problem(dotted, f"'{raw}' is not a currency code like EUR, USD or HUF")
            return None
        return raw

    def rates(self, raw: Any) -> dict[str, Decimal]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem(
                "rates", f"{self.section}.rates must be 'CODE: rate' lines, like USD: 0.92"
            )
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


def number_problem(value: Decimal) -> str | None:
    """Why ``value`` cannot be computed with (None when it can): it is not finite,
    or has more than ``MAX_DIGITS`` digits before the decimal point."""
    if not value.is_finite():
        return "is not a number"
    if value and value.adjusted() >= MAX_DIGITS:
        return f"is too large: at most {MAX_DIGITS} digits before the decimal point"
    return None


def record_number(value: Any, *, text: bool = True) -> Decimal | None:
    """A number of a record's front matter (an int, a float or, with ``text``,
    plain digits as text) as a Decimal; None when it is none, is written with an
    exponent, or ``number_problem`` has an objection (``check`` reports those)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        cleaned = str(value)
    elif isinstance(value, str) and text:
        cleaned = value.strip().replace(" ", "").replace("_", "")
        if not _PLAIN_NUMBER_RE.match(cleaned):
            return None
    else:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return None if number_problem(number) else number


def record_number_problem(key: str, value: Any) -> str | None:
    """``check``'s message for a number field that ``record_number`` cannot read
    although it is a number (the schema reports values of the wrong type)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of an int or float always parses
        return None
    problem = number_problem(number)
    return f"{key}: {value} {problem}" if problem else None


def cents(value: Decimal) -> Decimal:
    """``value`` rounded to cents, halves up (away from zero), as invoices are."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_to_cents = cents  # for format_amount, whose flag is called cents


def parse_number(text: str, what: str, *, negative: bool = False, hint: str = "") -> Decimal:
    """A number typed on the command line: ``2``, ``12.50``, ``.5``, ``1 299.90``,
    ``1,299.90``, ``12_000`` (negative only with ``negative``), as a Decimal.

    A comma is read only as a thousands separator; ``1,5`` is refused rather
    than guessed.  An error says it is not a ``what`` (and adds ``hint``).
    """
    cleaned = str(text).strip().replace(" ", "").replace("_", "").replace("\u00a0", "")
    if not _NUMBER_RE.match(cleaned) or (cleaned.startswith("-") and not negative):
        zero = "" if negative else ", zero or more"
        article = "an" if what[:1] in "aeiou" else "a"
        raise InvalidError(
            f"'{text}' is not {article} {what}: use digits with an optional decimal point, "
            f"like 2 or 12.50{zero}{hint}"
        )
    value = Decimal(cleaned.replace(",", ""))
    problem = number_problem(value)
    if problem:
        raise InvalidError(f"{what} '{text}' {problem}")
    return value


def parse_amount(text: str | int | float | Decimal) -> Decimal:
    """``12000``, ``"12 000"``, ``"12,000.50"``, ``"12_000"`` -> a non-negative Decimal."""
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        value = Decimal(str(text))
        if not value.is_finite() or value < 0:
            raise InvalidError(f"'{text}' is not an amount: it must be zero or more")
        problem = number_problem(value)
        if problem:
            raise InvalidError(f"'{text}' {problem}")
        return value
    return parse_number(str(text), "amount", hint=" (the currency goes in --currency)")


def check_currency(text: str) -> str:
    code = text.strip().upper()
    if not CURRENCY_RE.match(code):
        raise InvalidError(f"'{text}' is not a currency code: use three letters like EUR or USD")
    return code


def format_amount(value: Decimal, cents: bool = False) -> str:
    """``Decimal("12000.5")`` -> ``12,000.50``; whole amounts without decimals unless
    ``cents`` (a column in which some amount has cents)."""
    if value == value.to_integral_value() and not cents:
        return f"{value:,.0f}"
    return f"{_to_cents(value):,.2f}"


def money(value: Decimal | None, currency: str) -> str:
    """``12,000.50 EUR``; empty when there is no amount."""
    return f"{format_amount(value)} {currency}" if value is not None else ""


def json_amount(value: Decimal) -> int | float:
    """A money figure for JSON: a whole number when it is one, else rounded to cents."""
    if value == value.to_integral_value():
        return int(value)
    return float(cents(value))


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
        return " + ".join(money(v, c) for c, v in sorted(self.items()))

    def as_json(self) -> dict[str, int | float]:
        return {currency: json_amount(value) for currency, value in sorted(self.items())}

    def converted(self, target: str, rates: Currencies, alternative: str = LEAVE_OUT) -> Amounts:
        """All of it in ``target`` at the configured rates; an error names missing rates
        (and ``alternative``, see ``convert``)."""
        out = Amounts()
        out[target] = Decimal(0)
        for currency, value in self.items():
            out.add(target, convert(value, currency, target, rates, alternative))
        return out


def convert(
    value: Decimal, source: str, target: str, rates: Currencies, alternative: str = LEAVE_OUT
) -> Decimal:
    """``value`` in ``target`` at the CRM's ``rates``, rounded to cents; a missing rate
    is an error that says how to add it, and ``alternative`` (what else the user can
    do, for the command that converts; empty for nothing) after an 'or'."""
    if source == target:
        return value
    missing = [c for c in (source, target) if rates.rate(c) is None]
    if missing:
        code = missing[0]
        other = f", or {alternative}" if alternative else ""
        raise InvalidError(
            f"no exchange rate for {code}: add '{code}: RATE' (the value of 1 {code} in "
            f"{rates.currency}) under {rates.where}.rates in plaincrm.yaml{other}"
        )
    source_rate, target_rate = rates.rate(source), rates.rate(target)
    assert source_rate is not None and target_rate is not None
    return cents(value * source_rate / target_rate)
