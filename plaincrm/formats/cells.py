"""Spreadsheet cells to field values, and the keys records are matched by.

Everything here is pure: dates as Excel writes them (real date cells, serial
numbers like ``45623``, ``27.11.2026``, ``2026. 11. 27.``, ``11/27/2026``
with the order told or found from the column, ``27 Nov 2026``), numbers
with either decimal mark and thousands separators (``1 200,50``,
``1,200.50``, ``€ 1.200``), yes/no in several languages, and the
neutralising of cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..core.dates import (
    DATE_RANGE,
    FIRST_DAY,
    LAST_DAY,
    TASK_LONGEST,
    duration_problem,
    format_duration,
    normalize_time,
    parse_duration_minutes,
)
from .sheet import Cell

DATE_ORDERS = ("dmy", "mdy")  # day-first, month-first

_FORMULA_START = "=+-@\t\r"
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_NEUTRALISED_RE = re.compile(r"^'+[=+\-@\t\r]")
# Text Excel reads as something else on opening a CSV file: a formula, a number (digits
# with separators: a phone number, a postal code with its leading 0, 1,5 or 12 000), a
# number in scientific notation (1e5), a date or a time (2026-11-27, 3/4, 9:30), a
# percentage, or a truth value.
_EXCEL_READS_RE = re.compile(
    r"^[=+\-@\t\r]|^[\d\s.,/:()%-]*\d[\d\s.,/:()%-]*$|^\d+([.,]\d+)?e[+-]?\d+$|^(true|false)$",
    re.IGNORECASE,
)
_EXCEL_TEXT_RE = re.compile(r'^="((?:[^"\n]|"")*)"$')  # ="text", "" for a quote
EXCEL_LITERAL_MAX = 255  # Excel's longest text in a formula

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1; Excel counts 1900-02-29, which never was
_SERIAL_RANGE = (20000, 80000)  # 1954 .. 2119: a plain number in a date column is a serial

_CLOCK = r"(?:[ T]+(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$"  # an optional time of day
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _CLOCK)
_YMD_RE = re.compile(r"^(\d{4})[./] ?(\d{1,2})[./] ?(\d{1,2})\.?" + _CLOCK)
_DOTTED_RE = re.compile(r"^(\d{1,2})\. ?(\d{1,2})\. ?(\d{2}|\d{4})\.?" + _CLOCK)
_SLASHED_RE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})" + _CLOCK)
_WORDS_RE = re.compile(r"[a-záéíóöőúüűčěřšžýůň]+\.?|\d+", re.IGNORECASE)

MONTHS = {
    "jan": 1, "january": 1, "januar": 1, "január": 1, "leden": 1,
    "feb": 2, "february": 2, "február": 2, "unor": 2, "únor": 2,
    "mar": 3, "march": 3, "márc": 3, "március": 3, "brezen": 3, "březen": 3,
    "apr": 4, "april": 4, "ápr": 4, "április": 4, "duben": 4,
    "may": 5, "máj": 5, "május": 5, "kveten": 5, "květen": 5,
    "jun": 6, "june": 6, "jún": 6, "június": 6, "cerven": 6, "červen": 6,
    "jul": 7, "july": 7, "júl": 7, "július": 7, "cervenec": 7, "červenec": 7,
    "aug": 8, "august": 8, "augusztus": 8, "srpen": 8,
    "sep": 9, "sept": 9, "september": 9, "szept": 9, "szeptember": 9, "zari": 9, "září": 9,
    "oct": 10, "october": 10, "okt": 10, "október": 10, "rijen": 10, "říjen": 10,
    "nov": 11, "november": 11, "listopad": 11,
    "dec": 12, "december": 12, "prosinec": 12,
}  # fmt: skip

_TRUE = {"true", "yes", "y", "1", "x", "igen", "ano", "ja", "oui", "si", "done", "✓", "✔", "1.0"}
_FALSE = {"false", "no", "n", "0", "nem", "ne", "nein", "non", "open", "", "0.0"}

CURRENCY_SIGNS = {
    "€": "EUR", "eur": "EUR", "$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP",
    "ft": "HUF", "huf": "HUF", "kč": "CZK", "czk": "CZK", "zł": "PLN", "pln": "PLN",
    "chf": "CHF", "fr.": "CHF",
}  # fmt: skip
_AMOUNT_RE = re.compile(
    r"^(?P<pre>[^\d(+-]*?)\s*(?P<num>[(+-]?[\d.,'\s\u00a0\u202f]*\d\)?)\s*(?P<post>\D*?)$"
)

# Legal forms dropped from the end of a name before matching.
LEGAL_FORMS = frozenset(
    {"ltd", "limited", "llc", "inc", "incorporated", "corp", "corporation", "co", "plc"}
    | {"gmbh", "ag", "kg", "se", "sa", "sas", "sarl", "bv", "nv", "oy", "ab", "aps", "spa"}
    | {"srl", "kft", "zrt", "nyrt", "bt", "kkt", "rt", "sro", "as", "spol", "spzoo"}
)
# Words joining the parts of a company's name, which people write either way:
# "Kovács & Társa" is "Kovács és Társa" is "Kovacs and Tarsa" ("&" is punctuation).
CONNECTORS = frozenset({"and", "es", "und"})
# Dotted legal forms (s.r.o., a.s., sp. z o.o.) that punctuation stripping would split.
_DOTTED_FORM_RE = re.compile(r"\b(s\.? ?r\.? ?o|a\.? ?s|sp\.? ?z ?o\.? ?o)\.?(?=\W|$)")


class CellError(ValueError):
    """A cell that cannot become the field's value; the message says why."""


# ---------------------------------------------------------------- formulas


def neutralise(text: str) -> str:
    """Prefix ``'`` to text a spreadsheet would run as a formula (numbers stay numbers).

    Text that already starts with ``'`` before such a character gets one more,
    so that ``unneutralise`` gives back exactly the original.
    """
    stripped = text.lstrip("'")
    if stripped[:1] and stripped[0] in _FORMULA_START and not _PLAIN_NUMBER_RE.match(text):
        return "'" + text
    return text


def excel_text(text: str) -> str:
    """Text as a CSV cell Excel opens as exactly that text.

    Text that Excel would read as a formula, number, date, time or truth value
    (``+36 1 234 5678``, ``0123``, ``1e5``, ``3/4``) is written as the formula
    ``="text"`` (a quote doubled), whose value Excel shows, and writes back when
    the sheet is saved as CSV, as the text itself: no apostrophe, no lost
    leading zero, nothing run.  Text too long for a formula, or of several lines,
    is ``neutralise``d instead.
    """
    if (
        _EXCEL_READS_RE.match(text)
        and len(text) <= EXCEL_LITERAL_MAX
        and "\n" not in text
        and "\r" not in text
    ):
        return '="' + text.replace('"', '""') + '"'
    return neutralise(text)


def unneutralise(text: str) -> str:
    """Undo ``neutralise`` and ``excel_text``."""
    excel = _EXCEL_TEXT_RE.match(text)
    if excel:
        return excel.group(1).replace('""', '"')
    return text[1:] if _NEUTRALISED_RE.match(text) else text


# ---------------------------------------------------------------- text


def cell_text(cell: Cell) -> str:
    """A cell as the text it shows (numbers without a spurious ``.0``, dates ISO)."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        if cell.time() == time(0, 0):
            return cell.date().isoformat()
        return f"{cell.date().isoformat()} {cell.strftime('%H:%M')}"
    if isinstance(cell, (date, time)):
        return cell.isoformat()[:5] if isinstance(cell, time) else cell.isoformat()
    if isinstance(cell, int):
        return str(cell)
    return unneutralise(cell.strip().replace("\r\n", "\n"))


def normalise_header(text: str) -> str:
    """``"E-mail cím*"`` -> ``"e mail cim"``; ``"Close date (dd.mm.yyyy)"`` -> ``"close date"``."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", strip_accents(text).lower()).split())


def value_key(text: str) -> str:
    """A value of another system reduced for matching (its stages, statuses, lost
    reasons): ``"Negotiation/Review"`` -> ``"negotiation review"``, ``"Ajánlat"`` ->
    ``"ajanlat"``."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", strip_accents(text).lower()).split())


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_name(text: str) -> str:
    """A name reduced for matching: case, accents, punctuation and legal forms dropped.

    ``"ACME Ltd."``, ``"Acme"`` and ``"Acme, Ltd"`` are the same; so are
    ``"Kovács és Társa Kft."``, ``"Kovacs es Tarsa"`` and ``"Kovács & Társa"``
    (``&``, ``és``, ``and`` and ``und`` between the words are left out).
    """
    return split_legal_form(text)[0]


def legal_form(text: str) -> str:
    """The legal form a name ends with (``kft``, ``s r o``, ``gmbh``), or ``""``."""
    return split_legal_form(text)[1]


def split_legal_form(text: str) -> tuple[str, str]:
    plain = strip_accents(text).lower()
    dotted = _DOTTED_FORM_RE.search(plain)
    forms = [re.sub(r"[^a-z]", "", dotted.group(1))] if dotted else []
    plain = _DOTTED_FORM_RE.sub("", plain)
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        forms.insert(0, words.pop())
    kept = [word for word in words if word not in CONNECTORS]
    return " ".join(kept or words), " ".join(forms)


def normalise_email(text: str) -> str:
    return text.strip().lower()


def normalise_phone(text: str) -> str | None:
    """The last nine digits of a phone number (so ``+36 1 234 5678`` and
    ``06 1 234 5678`` match), or all of them when there are fewer; None for none.

    A coarse key to find candidates by; ``same_phone`` decides."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 5:
        return None
    return digits[-9:]


@lru_cache(maxsize=65536)
def e164(text: str, country: str | None) -> str | None:
    """A phone number in E.164 (``+36301234567``), read by ``phonenumbers``: with its
    ``+`` country code, or else as a number of ``country`` (``06 30 123 4567`` in HU);
    None when it cannot be read so (no country to read it in, not a possible number)."""
    import phonenumbers

    text = text.strip()
    if text.startswith("00"):  # the international prefix of most of the world
        text = "+" + text[2:]
    if not text.startswith("+") and country is None:
        return None
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def same_phone(a: str, b: str, country: str | None) -> bool:
    """Whether two phone numbers are one: by E.164 when both can be read so (the
    ``country`` reads those without a ``+``), else by their last nine digits."""
    first, second = e164(a, country), e164(b, country)
    if first and second:
        return first == second
    key = normalise_phone(a)
    return key is not None and key == normalise_phone(b)


# ---------------------------------------------------------------- dates


def date_parts(text: str) -> tuple[int, int, int] | None:
    """The two leading numbers and the year of an ambiguous ``a/b/yyyy`` date."""
    match = _SLASHED_RE.match(text.strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def column_date_order(values: list[str]) -> str | None:
    """``dmy`` or ``mdy`` as the values of one column show it (a part over 12), else None.

    Raises ``CellError`` when some values are day-first and others month-first.
    """
    day_first = month_first = None
    for value in values:
        parts = date_parts(value)
        if parts is None:
            continue
        if parts[0] > 12:
            day_first = day_first or value
        if parts[1] > 12:
            month_first = month_first or value
    if day_first and month_first:
        raise CellError(
            f"'{day_first}' is day-first but '{month_first}' is month-first; "
            "make the column consistent"
        )
    return "dmy" if day_first else "mdy" if month_first else None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return 2000 + year if year < 30 else 1900 + year  # Excel's two-digit year rule
    return year


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"'{text}' is not a date (no such day)") from None


def _clock(hour: str | None, minute: str | None) -> str | None:
    if hour is None or minute is None:
        return None
    return normalize_time(f"{hour}:{minute}")


def serial_date(number: float) -> date:
    """The date of an Excel serial number (1900 date system)."""
    if number < 61:  # before Excel's phantom 1900-02-29
        return date(1899, 12, 31) + timedelta(days=int(number))
    return _EXCEL_EPOCH + timedelta(days=int(number))


def parse_date_cell(cell: Cell, order: str | None) -> tuple[date, str | None]:
    """A date (and a time of day, if the cell has one) from a cell.

    ``order`` (``dmy`` or ``mdy``) settles ``03/04/2026``; without it
    such a date is an error that says to choose.  Dotted dates (``03.04.2026``)
    are always day-first.  A date outside plaincrm's range is an error too.
    """
    day, clock = _date_cell(cell, order)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CellError(f"'{cell_text(cell)}' is out of range ({DATE_RANGE})")
    return day, clock


def _date_cell(cell: Cell, order: str | None) -> tuple[date, str | None]:
    if isinstance(cell, datetime):
        clock = None if cell.time() == time(0, 0) else cell.strftime("%H:%M")
        return cell.date(), clock
    if isinstance(cell, date):
        return cell, None
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if _SERIAL_RANGE[0] <= cell <= _SERIAL_RANGE[1]:
            fraction = float(cell) - int(cell)
            minutes = round(fraction * 24 * 60)
            clock = f"{minutes // 60:02d}:{minutes % 60:02d}" if minutes else None
            return serial_date(cell), clock
        raise CellError(f"{cell_text(cell)} is not a date")
    text = cell_text(cell)
    serial = int(text) if text.isascii() and text.isdigit() and len(text) < 7 else None
    if serial is not None and _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        return serial_date(serial), None
    if match := _ISO_RE.match(text) or _YMD_RE.match(text):
        y, m, d, hh, mm = match.groups()
        return _make(int(y), int(m), int(d), text), _clock(hh, mm)
    if match := _DOTTED_RE.match(text):  # always day-first, whatever ``order`` says
        d, m, y, hh, mm = match.groups()
        return _make(_year(y), int(m), int(d), text), _clock(hh, mm)
    if match := _SLASHED_RE.match(text):
        a, b, y, hh, mm = match.groups()
        if order is None:
            if int(a) > 12:
                order = "dmy"
            elif int(b) > 12:
                order = "mdy"
            else:
                raise CellError(
                    f"'{text}' could be day-first or month-first; say which with "
                    "--dates dmy or --dates mdy"
                )
        day, month = (a, b) if order == "dmy" else (b, a)
        return _make(_year(y), int(month), int(day), text), _clock(hh, mm)
    found = _month_words(text)
    if found:
        return found, None
    raise CellError(f"'{text}' is not a date (write 2026-11-27 or 27.11.2026)")


def _month_words(text: str) -> date | None:
    """``27 Nov 2026``, ``Nov 27, 2026``, ``27-Nov-26``, ``2026. november 27.``."""
    words = _WORDS_RE.findall(text.lower())
    if len(words) != 3:
        return None
    months = [MONTHS.get(w.rstrip(".")) for w in words]
    if sum(1 for m in months if m) != 1:
        return None
    at = next(i for i, m in enumerate(months) if m)
    numbers = [w for i, w in enumerate(words) if i != at]
    if not all(n.isascii() and n.isdigit() and len(n) <= 4 for n in numbers):
        return None
    month = months[at] or 0
    if len(numbers[0]) == 4:
        year, day = numbers
    elif len(numbers[1]) in (2, 4) and int(numbers[0]) <= 31:
        day, year = numbers
    else:
        return None
    return _make(_year(year), month, int(day), text)


def parse_time_cell(cell: Cell) -> str:
    """``HH:MM`` from a time cell, a fraction of a day (Excel), ``9:30``, ``09:30:00``, ``9.30``."""
    if isinstance(cell, datetime):
        return cell.strftime("%H:%M")
    if isinstance(cell, time):
        return cell.strftime("%H:%M")
    if isinstance(cell, float) and 0 <= cell < 1:
        minutes = round(cell * 24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    text = cell_text(cell)
    match = re.match(r"^(\d{1,2})[:.](\d{2})(?::\d{2})?$", text)
    found = normalize_time(f"{match.group(1)}:{match.group(2)}") if match else None
    if found is None:
        raise CellError(f"'{text}' is not a time (write 09:30)")
    return found


def parse_duration_cell(cell: Cell) -> int:
    """Minutes from ``30m``, ``1h30m``, ``90`` (minutes), ``1:30``, or an Excel time (0.0625);
    at most a task's longest (``TASK_LONGEST``)."""
    if isinstance(cell, time):
        minutes = cell.hour * 60 + cell.minute
    elif isinstance(cell, float) and 0 < cell < 1:
        minutes = round(cell * 24 * 60)
    else:
        text = cell_text(cell).lower().replace(" ", "").replace("min", "m")
        clock = re.match(r"^(\d{1,2}):(\d{2})(?::00)?$", text)
        if clock:
            minutes = int(clock.group(1)) * 60 + int(clock.group(2))
        else:
            problem = duration_problem(text, TASK_LONGEST)
            if problem:
                raise CellError(f"'{cell_text(cell)}' {problem}")
            minutes = parse_duration_minutes(text, TASK_LONGEST) or 0
    if minutes > TASK_LONGEST:
        raise CellError(
            f"'{cell_text(cell)}' is too long (at most {format_duration(TASK_LONGEST)})"
        )
    if minutes <= 0:
        raise CellError(f"'{cell_text(cell)}' is not a duration (write 30m, 1h or 1h30m)")
    return minutes


# ---------------------------------------------------------------- numbers


def parse_number_cell(cell: Cell, decimal_comma: bool) -> tuple[int | float, str | None]:
    """A number and the currency written with it (``"1 200 000 Ft"`` -> 1200000, HUF)."""
    if isinstance(cell, (bool, date, time)):
        raise CellError(f"{cell_text(cell)} is not a number")
    if isinstance(cell, int):
        return cell, None
    if isinstance(cell, float):
        return (int(cell) if cell.is_integer() else cell), None
    text = cell_text(cell)
    match = _AMOUNT_RE.match(text)
    if not match:
        raise CellError(f"'{text}' is not a number")
    currency = None
    for part in (match.group("pre"), match.group("post")):
        sign = part.strip().lower()
        if sign in ("", "%"):
            continue
        if sign not in CURRENCY_SIGNS:
            raise CellError(f"'{text}' is not a number")
        currency = CURRENCY_SIGNS[sign]
    number = match.group("num")
    negative = number.startswith("(") and number.endswith(")")
    number = number.strip("()")
    for space in (" ", "\u00a0", "\u202f", "'"):
        number = number.replace(space, "")
    number = _decimal_point(number, decimal_comma)
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise CellError(f"'{text}' is not a number") from None
    if negative:
        value = -value
    if "." not in number or value == value.to_integral_value():  # 15000.00 is 15000
        return int(value), currency
    return float(value), currency


def _decimal_point(number: str, decimal_comma: bool) -> str:
    """Rewrite thousands separators and the decimal mark to a plain ``1234.5``."""
    comma, dot = number.rfind(","), number.rfind(".")
    if comma >= 0 and dot >= 0:
        decimal = "," if comma > dot else "."
    elif comma >= 0:
        single_group = number.count(",") == 1 and len(number) - comma - 1 == 3
        decimal = "," if number.count(",") == 1 and (decimal_comma or not single_group) else ""
    elif dot >= 0:
        single_group = number.count(".") == 1 and len(number) - dot - 1 == 3
        decimal = "." if number.count(".") == 1 and not (decimal_comma and single_group) else ""
    else:
        return number
    thousands = {",", "."} - {decimal}
    for mark in thousands:
        number = number.replace(mark, "")
    return number.replace(",", ".")


def currency_code(text: str) -> str:
    """A currency as its ISO 4217 code: ``EUR``, ``eur``, ``€``, ``Ft`` -> ``HUF``."""
    wanted = " ".join(text.split())
    code = CURRENCY_SIGNS.get(wanted.lower())
    if code is None and re.fullmatch(r"[A-Za-z]{3}", wanted):
        code = wanted.upper()
    if code is None:
        raise CellError(f"'{text}' is not a currency code like EUR, USD or HUF")
    return code


def parse_bool_cell(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    text = cell_text(cell).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"'{text}' is not yes or no")
