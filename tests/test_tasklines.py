"""The task-line grammar, the Tasks section, and token edits."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from plaincrm.core import tasklines as tl
from plaincrm.core.records import append_to_section, assign_missing_ids


def test_tokens_anywhere_after_the_checkbox() -> None:
    task = tl.parse_line("- [ ] Call due:2026-11-28 Anna at:9:30 about dur:1h30m id:k3x9 it", 7)
    assert task is not None
    assert task.title == "Call Anna about it"
    assert (task.due, task.at, task.dur, task.id) == ("2026-11-28", "09:30", 90, "k3x9")
    assert task.line == 7 and not task.checked and task.problems == []


def test_done_task_with_note_lines() -> None:
    lines = [
        "# Acme",
        "",
        "## Tasks",
        "",
        "- [x] Send the offer due:2026-11-20 done:2026-11-21 id:a8d2",
        "  She wants 3 more licences.",
        "",
        "  Call back in January.",
        "- [ ] Next one",
        "",
        "Not a task any more",
        "## Log",
        "- [ ] not in the section",
    ]
    found = tl.parse_tasks(lines)
    assert [t.title for t in found] == ["Send the offer", "Next one"]
    assert found[0].note == "She wants 3 more licences.\n\nCall back in January."
    assert found[0].done == "2026-11-21" and found[0].checked
    assert found[0].note_lines == 3
    assert [t.pos for t in found] == [1, 2]


def test_bad_tokens_are_problems_with_lines() -> None:
    task = tl.parse_line("- [ ] Do due:2026-13-01 at:25:00 dur:soon colour:red see https://x.y", 4)
    assert task is not None
    messages = [m for _, m in task.problems]
    assert "due:2026-13-01 is not a date (use YYYY-MM-DD)" in messages
    assert "at:25:00 is not a time (use HH:MM)" in messages
    assert "dur:soon is not a duration (use 30m, 1h, 1h30m)" in messages
    assert any("unknown task key 'colour:'" in m for m in messages)
    assert not any("https" in m for m in messages)  # URLs are not keys
    assert all(line == 4 for line, _ in task.problems)


def test_set_token_replaces_in_place_inserts_before_id_and_removes() -> None:
    line = "- [ ] Call Anna  due:2026-11-28 at:09:30 id:k3x9"
    assert (
        tl.set_token(line, "due", "2026-12-01")
        == "- [ ] Call Anna  due:2026-12-01 at:09:30 id:k3x9"
    )
    assert tl.set_token(line, "done", "2026-11-28").endswith("done:2026-11-28 id:k3x9")
    assert tl.set_token(line, "at", None) == "- [ ] Call Anna  due:2026-11-28 id:k3x9"
    assert tl.set_token("- [ ] Call", "id", "abc") == "- [ ] Call id:abc"
    assert tl.set_checked(line, True).startswith("- [x] Call Anna")


def test_set_token_after_a_tab_or_on_a_line_without_a_title() -> None:
    """The grammar allows a tab after the checkbox: the token goes in place, not
    onto the end of the id."""
    line = "- [ ]\tCall Tabby due:2026-11-27 id:tt2222"
    assert tl.set_token(line, "due", "2026-11-30") == "- [ ]\tCall Tabby due:2026-11-30 id:tt2222"
    assert tl.set_token("- [ ]", "due", "2026-11-30") == "- [ ] due:2026-11-30"


def test_append_creates_the_section_and_ids_are_given_on_write() -> None:
    text = "---\nname: A\n---\nNotes.\n"
    text = append_to_section(text, "Tasks", ["- [ ] typed by hand"])
    assert text.endswith("Notes.\n\n## Tasks\n\n- [ ] typed by hand\n")
    new_text, new_ids = assign_missing_ids(text, lambda candidate: False)
    assert len(new_ids) == 1 and new_text.endswith(f"- [ ] typed by hand id:{new_ids[0]}\n")


WORDS = st.text(alphabet=string.ascii_letters + "áéő,.!?'", min_size=1, max_size=8)
ATTRS = st.fixed_dictionaries(
    {},
    optional={
        "due": st.dates().map(lambda d: d.isoformat()),
        "at": st.times().map(lambda t: t.strftime("%H:%M")),
        "dur": st.integers(min_value=1, max_value=600).map(lambda m: f"{m}m"),
        "done": st.dates().map(lambda d: d.isoformat()),
        "id": st.text(alphabet="23456789abcdefghjkmnpqrstuvwxyz", min_size=4, max_size=6),
        "owner": st.sampled_from(["anna", "ben", "éva"]),
    },
)


@given(st.lists(WORDS, min_size=1, max_size=6), ATTRS, st.booleans())
def test_render_then_parse_is_identity(
    words: list[str], attrs: dict[str, str], checked: bool
) -> None:
    title = " ".join(words)
    line = tl.render_line(title, attrs, checked)
    task = tl.parse_line(line, 1)
    assert task is not None
    assert task.title == title
    assert task.attrs == attrs
    assert task.checked == checked
    assert task.problems == []
    again = tl.render_line(task.title, task.attrs, task.checked)
    assert again == line


@given(
    st.lists(WORDS, min_size=1, max_size=4),
    ATTRS,
    st.sampled_from(tl.KEYS),
    st.text(alphabet=string.ascii_lowercase + string.digits + "-:", min_size=1, max_size=10),
)
def test_set_token_changes_only_that_token(
    words: list[str], attrs: dict[str, str], key: str, value: str
) -> None:
    line = tl.render_line(" ".join(words), attrs)
    edited = tl.parse_line(tl.set_token(line, key, value), 1)
    assert edited is not None
    assert edited.title == " ".join(words)
    assert edited.attrs == {**attrs, key: value}
    removed = tl.parse_line(tl.set_token(line, key, None), 1)
    assert removed is not None
    assert removed.attrs == {k: v for k, v in attrs.items() if k != key}


def test_slugs_keep_every_latin_letter() -> None:
    from plaincrm.core.ids import slugify

    assert slugify("Kovács és Társa Kft.") == "kovacs-es-tarsa-kft"
    assert slugify("Łódź Straße Ørsted Đakovo Æbleø") == "lodz-strasse-orsted-dakovo-aebleo"
    assert slugify("!!!") == "record"
