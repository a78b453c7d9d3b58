"""Front matter: typed-text reading, the fast scanner, quoting, minimal-diff edits."""

from __future__ import annotations

import string
from datetime import date

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.core.frontmatter import (
    FrontError,
    append_items,
    load,
    load_full,
    plain_safe,
    render_scalar,
    scan_simple,
    set_fields,
    split,
)

HAND_WRITTEN = """---
# Hand-edited: keep this comment
name: Fjord Roasters AS
country: NO            # Norway, not false
phone: 0123 456
zip: 0123
opens: 10:00
octal: 0o17
active: yes
tags: [wholesale, export]
email:
quoted: 'it''s "fine"'
contacts:
  - name: Ola
    role: buyer
---
Body
"""


def front_of(text: str) -> str:
    parts = split(text)
    assert parts.front is not None
    return parts.front


def test_text_is_what_the_user_typed() -> None:
    values = load(front_of(HAND_WRITTEN), 2).values
    assert values["country"] == "NO"
    assert values["phone"] == "0123 456"
    assert values["zip"] == "0123"
    assert values["opens"] == "10:00"
    assert values["octal"] == "0o17"
    assert values["active"] == "yes"
    assert values["email"] is None
    assert values["quoted"] == 'it\'s "fine"'
    assert values["tags"] == ["wholesale", "export"]
    assert values["contacts"] == [{"name": "Ola", "role": "buyer"}]


def test_python_frontmatter_falls_into_the_yaml_11_traps() -> None:
    """Why plaincrm does not read records with python-frontmatter (or PyYAML's defaults)."""
    post = frontmatter.loads(HAND_WRITTEN)
    assert post["country"] is False
    assert post["zip"] == 123 or post["zip"] == 83  # int either way: the leading 0 is gone
    assert post["opens"] == 600  # sexagesimal


def test_lines_of_keys_and_nested_items() -> None:
    front = load(front_of(HAND_WRITTEN), 2)
    assert front.lines["name"] == 3
    assert front.lines["contacts"] == 13
    assert front.lines["contacts.0"] == 14
    assert front.lines["contacts.0.role"] == 15


def test_fast_scanner_and_full_reader_agree_on_the_hand_written_file() -> None:
    front = front_of(HAND_WRITTEN)
    fast = scan_simple(front, 2)
    assert fast is not None
    full = load_full(front, 2)
    assert fast.values == full.values
    assert fast.lines == full.lines


@pytest.mark.parametrize(
    "front",
    [
        "note: |\n  line one\n  line two\n",
        "a: {x: 1}\n",
        "a: &anchor x\nb: *anchor\n",
        'a: "esc\\u00e9"\n',
        "a: one\n  continued\n",
    ],
)
def test_shapes_outside_the_scanner_fall_back(front: str) -> None:
    assert scan_simple(front, 2) is None
    assert load(front, 2).values == load_full(front, 2).values


def test_broken_yaml_is_located() -> None:
    with pytest.raises(FrontError) as info:
        load("name: Acme\nphone: [unclosed\nemail: x\n", 2)
    assert info.value.line >= 3
    assert "YAML does not parse" in info.value.message


def test_duplicate_keys_are_an_error() -> None:
    with pytest.raises(FrontError, match="duplicate key 'name'") as info:
        load("name: A\nname: B\n", 2)
    assert info.value.line == 3


def test_unclosed_front_matter() -> None:
    with pytest.raises(FrontError, match="not closed"):
        split("---\nname: A\n")


@pytest.mark.parametrize(
    "value",
    [
        "0123",
        "NO",
        "no",
        "Yes",
        "on",
        "10:00",
        "1:30:00",
        "2026-11-27",
        "0o17",
        "0x1F",
        "1e3",
        ".inf",
        "~",
        "null",
        "",
        " padded",
        "a: b",
        "x #y",
        "-",
        "[list]",
        "@home",
        "3M Company",
        "+36 1 555",
        "line\nbreak",
        "tab\there",
    ],
)
def test_risky_text_is_quoted_and_reads_back(value: str) -> None:
    rendered = render_scalar(value)
    assert rendered.startswith(("'", '"'))
    assert yaml.safe_load(f"k: {rendered}")["k"] == value
    assert load(f"k: {rendered}\n", 2).values["k"] == value


def test_plain_text_stays_plain() -> None:
    assert render_scalar("Acme Ltd") == "Acme Ltd"
    assert render_scalar("info@acme.example") == "info@acme.example"
    assert render_scalar(12000) == "12000"
    assert render_scalar(date(2026, 11, 27)) == "2026-11-27"


@given(st.text(alphabet=string.printable + "áéőűÁ€", max_size=30))
def test_render_scalar_round_trips_through_both_readers(value: str) -> None:
    rendered = render_scalar(value)
    if plain_safe(value):
        assert rendered == value
    assert yaml.safe_load(f"k: {rendered}") == {"k": value}
    assert load(f"k: {rendered}\n", 2).values == {"k": value}


# ------------------------------------------------------------- minimal-diff edits


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    old, new = before.splitlines(), after.splitlines()
    removed = [line for line in old if line not in new]
    added = [line for line in new if line not in old]
    return removed, added


def test_changing_one_field_changes_one_line_and_keeps_comments_and_quotes() -> None:
    after = set_fields(HAND_WRITTEN, {"country": "SE"})
    assert changed_lines(HAND_WRITTEN, after) == (
        ["country: NO            # Norway, not false"],
        ["country: SE            # Norway, not false"],
    )
    after = set_fields(HAND_WRITTEN, {"quoted": "new"})
    assert "quoted: 'new'" in after  # the single quotes of the original survive


def test_setting_an_empty_value_and_adding_and_removing_keys() -> None:
    after = set_fields(HAND_WRITTEN, {"email": "ola@fjord.example"})
    assert changed_lines(HAND_WRITTEN, after) == (["email:"], ["email: ola@fjord.example"])
    after = set_fields(HAND_WRITTEN, {"stage": "lead"})
    assert changed_lines(HAND_WRITTEN, after) == ([], ["stage: lead"])
    assert after.index("stage: lead") < after.index("---\nBody")
    after = set_fields(HAND_WRITTEN, {"zip": None})
    assert changed_lines(HAND_WRITTEN, after) == (["zip: 0123"], [])


def test_replacing_lists_keeps_their_style() -> None:
    after = set_fields(HAND_WRITTEN, {"tags": ["wholesale", "vip"]})
    assert changed_lines(HAND_WRITTEN, after) == (
        ["tags: [wholesale, export]"],
        ["tags: [wholesale, vip]"],
    )
    block = "---\ntags:\n  - a\n  - b\n# after\nname: X\n---\n"
    after = set_fields(block, {"tags": ["a", "c"]})
    assert after == "---\ntags:\n  - a\n  - c\n# after\nname: X\n---\n"


def test_crlf_files_stay_crlf() -> None:
    text = "---\r\nname: A\r\nphone: '1'\r\n---\r\nbody\r\n"
    after = set_fields(text, {"phone": "2", "email": "a@b.example"})
    assert after == "---\r\nname: A\r\nphone: '2'\r\nemail: a@b.example\r\n---\r\nbody\r\n"


BLOCK = """---
name: X
competitors:
  - Contoso   # met at the fair
  - Fabrikam  # cheap
# after the list
stage: lead
---
Body
"""


def test_appending_to_a_block_list_adds_lines_and_keeps_the_comments() -> None:
    after = append_items(BLOCK, "competitors", ["Initech", "yes"])
    assert after == BLOCK.replace("# cheap\n", '# cheap\n  - Initech\n  - "yes"\n')
    assert load(front_of(after), 2).values["competitors"] == [
        "Contoso",
        "Fabrikam",
        "Initech",
        "yes",
    ]
    crlf = BLOCK.replace("\n", "\r\n")
    assert append_items(crlf, "competitors", ["Initech"]) == crlf.replace(
        "# cheap\r\n", "# cheap\r\n  - Initech\r\n"
    )
    flush = "---\ntags:\n- a\n- 'b'\nname: X\n---\n"
    assert append_items(flush, "tags", ["c"]) == "---\ntags:\n- a\n- 'b'\n- c\nname: X\n---\n"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (HAND_WRITTEN, "tags"),  # a flow list: set_fields keeps it flow
        (HAND_WRITTEN, "missing"),
        (HAND_WRITTEN, "name"),
        (HAND_WRITTEN, "contacts"),  # items that are mappings
        ("---\ntags:\n  - a\n  - >\n    b\n---\n", "tags"),  # a multi-line item
        ("---\ntags:\n  - a\n  - [b]\n---\n", "tags"),
    ],
)
def test_appending_to_anything_but_a_block_list_of_scalars_is_left_to_set_fields(
    text: str, key: str
) -> None:
    assert append_items(text, key, ["c"]) is None


@settings(max_examples=100)
@given(
    st.lists(
        st.text(
            alphabet=string.ascii_letters + string.digits + " :#-'\"é", min_size=1, max_size=12
        ),
        min_size=1,
        max_size=3,
    )
)
def test_appended_items_read_back_and_only_add_lines(items: list[str]) -> None:
    after = append_items(BLOCK, "competitors", items)
    assert after is not None
    before_values = load(front_of(BLOCK), 2).values
    values = load(front_of(after), 2).values
    assert values == {**before_values, "competitors": [*before_values["competitors"], *items]}
    assert load_full(front_of(after), 2).values == values
    old, new = BLOCK.splitlines(), after.splitlines()
    assert [line for line in new if line in old] == old
    assert len(new) == len(old) + len(items)


KEYS = st.sampled_from(["name", "phone", "country", "stage", "owner", "note", "zip"])
VALUES = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + " :#-'\"é", min_size=1, max_size=12),
    st.integers(min_value=0, max_value=10**6),
    st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6), max_size=3),
    st.none(),
)


@settings(max_examples=200)
@given(st.lists(st.tuples(KEYS, VALUES), max_size=8))
def test_random_edits_never_lose_data(edits: list[tuple[str, object]]) -> None:
    """Parse -> edit -> parse: the edited keys hold the new values, all others are untouched."""
    text = HAND_WRITTEN
    expected = dict(load(front_of(text), 2).values)
    for key, value in edits:
        text = set_fields(text, {key: value})
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = [str(v) for v in value] if isinstance(value, list) else str(value)
    assert load(front_of(text), 2).values == expected
    assert text.endswith("---\nBody\n")
    assert "# Hand-edited: keep this comment" in text
