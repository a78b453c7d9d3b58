"""Line items: written into front matter and read back unchanged; totals in exact cents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plaincrm.core.errors import InvalidError
from plaincrm.core.model import TYPES
from plaincrm.core.records import new_record_text, parse_record
from plaincrm.documents.documents import LineItem, items_of, parse_item, totals


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest whole number, halves away from 0."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


# quantity in thousandths, price in cents (negative: a discount), tax in hundredths of a percent
quantities = st.integers(0, 10**6)
prices = st.integers(-(10**7), 10**8)
rates = st.integers(0, 10_000)
descriptions = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda t: " ".join(t.split()) == t and t)


@given(st.lists(st.tuples(descriptions, quantities, prices, rates), min_size=1, max_size=6))
def test_items_round_trip_and_totals_in_cents(
    rows: list[tuple[str, int, int, int]],
) -> None:
    items = [
        LineItem(text, Decimal(q) / 1000, Decimal(p) / 100, Decimal(r) / 100)
        for text, q, p, r in rows
    ]
    text = new_record_text({"kind": "invoice", "items": [i.fields() for i in items]})
    record = parse_record(TYPES["document"], "documents/x.md", text)
    assert not record.problems
    assert items_of(record) == items
    net_cents = [round_half_up(q * p, 1000) for _, q, p, _ in rows]
    tax_cents = [
        round_half_up(n * r, 10_000) for n, (_, _, _, r) in zip(net_cents, rows, strict=True)
    ]
    sums = totals(items_of(record))
    assert sums.net == Decimal(sum(net_cents)) / 100
    assert sums.tax == Decimal(sum(tax_cents)) / 100
    assert sums.total == Decimal(sum(net_cents) + sum(tax_cents)) / 100


def test_item_words_as_typed() -> None:
    item = parse_item("  Beans,  1 kg ", "2.5", "1,299.90", "5%")
    assert parse_item("Beans, 1 kg", "2.5", "1 299.90", "5") == item
    assert item == LineItem("Beans, 1 kg", Decimal("2.5"), Decimal("1299.90"), Decimal(5))
    assert (item.net, item.tax_amount) == (Decimal("3249.75"), Decimal("162.49"))
    discount = parse_item("Discount", "1", "-100", "27")
    assert (discount.net, discount.tax_amount) == (Decimal("-100.00"), Decimal("-27.00"))
    for words, message in [
        (("", "1", "1", "0"), "needs a description"),
        (("X", "-1", "1", "0"), "'-1' is not a quantity"),
        (("X", "1", "1", "-5"), "'-5' is not a tax rate"),
        (("X", "1", "abc", "0"), "'abc' is not a price"),
        (("X", "1,5", "1", "0"), "'1,5' is not a quantity: use digits with an optional decimal"),
        (("X", "2%", "1", "0"), "'2%' is not a quantity"),  # % only after a tax rate
    ]:
        with pytest.raises(InvalidError, match=message):
            parse_item(*words)
