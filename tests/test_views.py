"""The views (``plaincrm/views/``) built from text: a CRM written from a dict of file
texts, read by a ``Store``, no command line.  The golden outputs cover what the
front ends print; these check what the views work out (totals, flags, columns, the
cards shown, suggestions) and that the formatters print a view's text or JSON."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from plaincrm.cli.formatters import Text, formatter, text_of
from plaincrm.core.store import Store
from plaincrm.views.clients import client_card_view
from plaincrm.views.day import plan_view
from plaincrm.views.deals import deal_list_view, deal_show_view
from plaincrm.views.documents import doc_list_view
from plaincrm.views.pipeline import board_view

SETTINGS = """\
users:
  - name: anna
  - name: ben
workday: {start: "09:00", end: "17:00", days: [mon, tue, wed, thu, fri]}
pipeline:
  stages:
    - {name: lead, probability: 10, rotting: 30}
    - {name: proposal, probability: 50, rotting: 14}
    - {name: won, probability: 100}
    - {name: lost, probability: 0}
  lost_reasons: [price]
  currency: EUR
documents:
  payment_days: 14
  kinds: [quote, invoice, payment]
"""


def _client(name: str, tasks: str = "") -> str:
    return f"---\nname: {name}\nowner: anna\n---\n\n## Tasks\n\n{tasks}"


def _deal(client: str, title: str, stage: str, extra: str = "", tasks: str = "") -> str:
    return (
        f"---\nclient: {client}\ntitle: {title}\nstage: {stage}\n{extra}"
        f"owner: anna\ncreated: 2026-11-20\n---\n\n## Tasks\n\n{tasks}\n## Log\n\n"
        f"- 2026-11-20 anna: opened in {stage} (10%)\n"
    )


def crm_from_texts(root: Path, files: dict[str, str]) -> Store:
    """A CRM of these files (path -> text) with the settings above, as a store."""
    for rel, text in {"plaincrm.yaml": SETTINGS, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Store(root, warn=lambda message: None)


@pytest.fixture
def sales(tmp_path: Path) -> Store:
    """Two clients; open deals in EUR and NOK, one without an amount, one in a stage the
    pipeline lacks, one won; acme's card has an open task."""
    return crm_from_texts(
        tmp_path,
        {
            "clients/acme.md": _client("Acme Ltd", "- [ ] Call Eva due:2026-11-30 id:aaaaaa\n"),
            "clients/bolt.md": _client("Bolt Bistro"),
            "deals/acme-grinders.md": _deal(
                "acme", "Grinders", "lead", "amount: 1000\nclose: 2026-12-20\n"
            ),
            "deals/bolt-machine.md": _deal(
                "bolt", "Machine", "proposal", "amount: 4000\nclose: 2026-11-01\n"
            ),
            "deals/bolt-beans.md": _deal(
                "bolt",
                "Beans",
                "proposal",
                "amount: 2000\ncurrency: NOK\nprobability: 80\nprobability_manual: true\n"
                "close: 2027-01-10\n",
                "- [ ] Send offer due:2026-11-28 id:bbbbbb\n",
            ),
            "deals/bolt-cups.md": _deal("bolt", "Cups", "proposal", "close: 2027-02-01\n"),
            "deals/bolt-odd.md": _deal("bolt", "Odd one", "pilot", "amount: 10\n"),
            "deals/acme-won.md": _deal(
                "acme", "Old win", "won", "amount: 500\nclosed: 2026-11-21\n"
            ),
        },
    )


def test_board_columns_add_up_per_currency_and_weight(sales: Store) -> None:
    view = board_view(sales)
    lead, proposal = view.columns
    assert (lead.stage.name, lead.count, proposal.count) == ("lead", 1, 3)
    assert proposal.total.as_json() == {"EUR": 4000, "NOK": 2000}
    # 4000 at the stage's 50%, 2000 NOK at the 80% set by hand
    assert proposal.weighted.as_json() == {"EUR": 2000, "NOK": 1600}
    assert proposal.unpriced == 1
    assert view.count == 4  # the won deal is not on the board; the stray one apart
    assert view.total.as_json() == {"EUR": 5000, "NOK": 2000}
    assert [c.deal.ref for c in view.stray] == ["bolt-odd"]


def test_board_cards_carry_client_names_and_flags(sales: Store) -> None:
    view = board_view(sales)
    cards = {c.deal.ref: c for column in view.columns for c in column.cards}
    assert cards["bolt-machine"].client_name == "Bolt Bistro"
    shorts = {ref: [f.short for f in card.flags] for ref, card in cards.items()}
    assert shorts["bolt-machine"] == ["past close", "no next step"]
    assert shorts["bolt-beans"] == []  # its next step is a task on the deal
    # acme's one open deal: the open task on acme's card is its next step
    assert shorts["acme-grinders"] == []


def test_board_shows_the_first_cards_but_counts_and_lists_every_deal(sales: Store) -> None:
    view = board_view(sales, shown=1)
    proposal = view.columns[1]
    assert (len(proposal.cards), proposal.hidden, proposal.count) == (1, 2, 3)
    stages = view.as_json()["stages"]
    assert [len(s["deals"]) for s in stages] == [1, 3]
    assert stages[1]["deals"][0]["attention"] == [
        "close date 2026-11-01 has passed",
        "no next step (no open task on the deal or its client)",
    ]


def test_board_of_one_owner(sales: Store) -> None:
    assert board_view(sales, owner="ben").count == 0


def test_deal_list_totals_per_currency(sales: Store) -> None:
    view = deal_list_view(sales, [])
    assert sorted(d.ref for d in view.deals) == [
        "acme-grinders",
        "bolt-beans",
        "bolt-cups",
        "bolt-machine",
        "bolt-odd",
    ]
    assert view.total.as_json() == {"EUR": 5010, "NOK": 2000}
    assert view.weighted.as_json()["NOK"] == 1600
    assert view.manual and not view.filtered
    assert view.client_name(view.deals[0]) in ("Acme Ltd", "Bolt Bistro")


def test_deal_list_query_and_everything(sales: Store) -> None:
    assert [d.ref for d in deal_list_view(sales, ["status:won"]).deals] == ["acme-won"]
    everything = deal_list_view(sales, [], everything=True)
    assert len(everything.deals) == 6 and everything.filtered
    bigger = deal_list_view(sales, ["amount>1500", "currency:EUR"])
    assert [d.ref for d in bigger.deals] == ["bolt-machine"]
    assert bigger.total.as_json() == {"EUR": 4000}


def test_deal_show_history_and_next_step(sales: Store) -> None:
    view = deal_show_view(sales, "deals/acme-grinders.md")
    assert view.on_card and view.open_tasks == []
    assert view.client_name == "Acme Ltd"
    assert (view.stage_since, view.days_in_stage) == ("2026-11-20", 7)
    assert [h.text for h in view.history] == ["anna: opened in lead (10%)"]
    assert view.as_json()["client_name"] == "Acme Ltd"


def test_plan_suggests_slots_and_a_day_off_moves_them(tmp_path: Path) -> None:
    store = crm_from_texts(
        tmp_path,
        {
            "clients/acme.md": _client(
                "Acme Ltd",
                "- [ ] Timed due:2026-11-30 at:09:00 dur:1h id:aaaaaa\n"
                "- [ ] Untimed due:2026-11-30 dur:30m id:bbbbbb\n"
                "- [ ] Late due:2026-11-20 id:cccccc\n",
            )
        },
    )
    view = plan_view(store, date(2026, 11, 30), "anna")
    assert [s.entry.ref for s in view.untimed] == ["bbbbbb"]
    assert [s.entry.ref for s in view.overdue] == ["cccccc"]
    assert view.untimed[0].command == "plaincrm task move bbbbbb --due 2026-11-30 --at 10:00"
    assert view.as_json()["suggestions"][0] == {
        "task": "bbbbbb",
        "start": "10:00",
        "command": "plaincrm task move bbbbbb --due 2026-11-30 --at 10:00",
    }
    sunday = plan_view(store, date(2026, 11, 29), "anna")
    assert sunday.move_to == date(2026, 11, 30)  # a day off: the next working day
    assert plan_view(store, None, "anna").day.day == date(2026, 11, 30)  # Friday -> Monday


def test_doc_list_sums_what_invoices_owe(tmp_path: Path) -> None:
    invoice = (
        "---\nkind: invoice\ntitle: Invoice\ndeal: acme-grinders\nclient: acme\n"
        "status: issued\nnumber: A-1\ndate: 2026-11-01\ndue: 2026-11-15\namount: 1000\n"
        "currency: EUR\n---\n"
    )
    payment = (
        "---\nkind: payment\ntitle: Payment\ndeal: acme-grinders\nclient: acme\n"
        "status: received\ndate: 2026-11-20\namount: 400\ncurrency: EUR\n"
        "related: [acme-invoice]\n---\n"
    )
    store = crm_from_texts(
        tmp_path,
        {
            "clients/acme.md": _client("Acme Ltd"),
            "deals/acme-grinders.md": _deal("acme", "Grinders", "lead", "amount: 1000\n"),
            "documents/acme-invoice.md": invoice,
            "documents/acme-payment.md": payment,
        },
    )
    view = doc_list_view(store, [])
    rows = {row.doc.ref: row for row in view.rows}
    assert rows["acme-invoice"].owes == Decimal(600)
    assert rows["acme-invoice"].days_overdue == 12
    assert rows["acme-payment"].owes is None
    assert view.owing.as_json() == {"EUR": 600}
    assert [r.doc.ref for r in doc_list_view(store, ["overdue>0"]).rows] == ["acme-invoice"]
    assert {d["ref"]: d.get("outstanding") for d in view.as_json()} == {
        "acme-payment": None,
        "acme-invoice": 600,
    }


def test_client_card_details(tmp_path: Path) -> None:
    store = crm_from_texts(
        tmp_path,
        {
            "clients/acme.md": (
                "---\nname: Acme Ltd\ntags: [vip, horeca]\ncontacts:\n"
                "  - {name: Eva, role: buyer, email: eva@acme.example}\n"
                "  - {name: Tom}\nnote: |\n  first line\n  second line\n---\n"
            )
        },
    )
    details = [(d.key, d.value) for d in client_card_view(store, "clients/acme.md").details]
    assert details == [
        ("tags", "vip, horeca"),
        ("contacts", "Eva (buyer)  eva@acme.example"),
        ("", "Tom"),
        ("note", "first line"),
        ("", "second line"),
    ]


class _Shown:
    def as_json(self) -> dict[str, int]:
        return {"answer": 42}


@text_of(_Shown)
def _shown_text(view: _Shown) -> Text:
    return Text("the answer", "said on stderr")


@pytest.mark.parametrize(
    ("as_json", "out", "err"),
    [(False, "the answer\n", "said on stderr\n"), (True, '{\n  "answer": 42\n}\n', "")],
)
def test_formatter_chosen_once_prints_text_or_json(as_json: bool, out: str, err: str) -> None:
    @click.command()
    def show() -> None:
        formatter(as_json).emit(_Shown())

    result = CliRunner().invoke(show)
    assert (result.stdout, result.stderr) == (out, err)
    if as_json:
        assert json.loads(result.stdout) == {"answer": 42}
