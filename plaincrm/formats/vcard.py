"""Clients as vCards (through vobject), and vCards as rows to import.

Export writes vCard 3.0, which every phone and address book reads: one card
per client (a company as ``ORG`` with ``X-ABShowAs:COMPANY``, a person with
their name), and one card per contact person of a company with the company
as ``ORG`` and their role as ``TITLE``.  The whole name goes into ``FN`` and
the family-name slot of ``N``, so no name is ever split in the wrong place
(Hungarian names put the family name first).  ``X-PLAINCRM-REF`` and
``X-PLAINCRM-CLIENT`` carry the file names, so importing the file again
finds the same clients.

Import reads vCard 3.0 and 4.0: a card with an organisation and a person's
name becomes that company's contact person (cards of one company gather in
one client); a card of an organisation alone is a company; a card without one
is a person.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.errors import InvalidError, UsageError
from ..core.model import Record
from .cells import normalise_name
from .sheet import Row, Sheet, decode_bytes

COLUMNS = [
    "ref", "name", "kind", "email", "phone", "address", "city", "country", "website", "tags",
    "person", "contacts.role", "contacts.email", "contacts.phone",
]  # fmt: skip
REF = "x-plaincrm-ref"
CLIENT = "x-plaincrm-client"


# ---------------------------------------------------------------- export


def clients_vcf(records: list[Record]) -> str:
    """The clients (and their companies' contact people) as one .vcf text."""
    return "".join(card for record in records for _, card in _cards(record))


def card_files(records: list[Record]) -> dict[str, str]:
    """One ``.vcf`` text per client and contact person (``formats.vdir``), named after
    its UID."""
    from .vdir import file_name

    return {file_name(uid, ".vcf"): card for record in records for uid, card in _cards(record)}


def _cards(record: Record) -> list[tuple[str, str]]:
    """``(uid, vCard text)`` of a client and of each of its contact people."""
    import vobject

    company = record.fields.get("kind") != "person"
    card = vobject.vCard()
    _name(card, record.title)
    if company:
        card.add("org").value = [record.title]
        card.add("x-abshowas").value = "COMPANY"
    _reach(card, record.get_text("email"), record.get_text("phone"))
    street, city, country = (record.get_text(k) for k in ("address", "city", "country"))
    if street or city or country:
        card.add("adr").value = vobject.vcard.Address(
            street=street or "", city=city or "", country=country or ""
        )
    if record.get_text("website"):
        card.add("url").value = record.get_text("website")
    if record.get_list("tags"):
        card.add("categories").value = record.get_list("tags")
    uid = f"plaincrm-{record.type.name}-{record.slug}"
    card.add("uid").value = uid
    card.add(REF).value = record.slug
    cards = [(uid, card.serialize())]
    for person in record.fields.get("contacts") or []:
        if not isinstance(person, dict) or not person.get("name"):
            continue
        contact = vobject.vCard()
        _name(contact, str(person["name"]))
        contact.add("org").value = [record.title]
        if person.get("role"):
            contact.add("title").value = str(person["role"])
        _reach(contact, person.get("email"), person.get("phone"))
        key = "-".join(normalise_name(str(person["name"])).split())
        contact_uid = f"plaincrm-{record.type.name}-{record.slug}-{key}"
        contact.add("uid").value = contact_uid
        contact.add(CLIENT).value = record.slug
        cards.append((contact_uid, contact.serialize()))
    return cards


def _name(card: Any, name: str) -> None:
    import vobject

    card.add("fn").value = name
    card.add("n").value = vobject.vcard.Name(family=name)


def _reach(card: Any, email: Any, phone: Any) -> None:
    if isinstance(email, str) and email:
        line = card.add("email")
        line.value, line.type_param = email, "WORK"
    if isinstance(phone, str) and phone:
        line = card.add("tel")
        line.value, line.type_param = phone, "WORK"


# ---------------------------------------------------------------- import


def read_vcards(path: Path, encoding: str | None = None) -> Sheet:
    """The cards of a .vcf file as rows under the ``COLUMNS`` header; its encoding is
    found as a CSV file's is (``encoding`` says it)."""
    import vobject

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    text, _ = decode_bytes(path.read_bytes(), encoding, str(path))
    rows = []
    try:
        for number, card in enumerate(vobject.readComponents(text), 1):
            if card.name.upper() == "VCARD":
                rows.append(Row(number, _row(card)))
    except vobject.base.ParseError as exc:
        raise InvalidError(f"{path}: not a valid vCard file ({exc})") from None
    if not rows:
        raise InvalidError(f"{path} holds no vCards (BEGIN:VCARD ... END:VCARD)")
    return Sheet([[c] for c in COLUMNS], rows, 0, f"vCard file, {len(rows)} cards")


def _first(card: Any, name: str) -> Any:
    """The preferred (else the first) value of a property, or None."""
    lines = card.contents.get(name, [])
    for line in lines:
        types = [t.lower() for t in line.params.get("TYPE", [])]
        if "pref" in types or line.params.get("PREF"):
            return line.value
    return lines[0].value if lines else None


def _row(card: Any) -> list[Any]:
    fn = _first(card, "fn")
    n = _first(card, "n")
    if not fn and n is not None:
        fn = " ".join(p for p in (n.prefix, n.given, n.additional, n.family) if p)
    org = _first(card, "org")
    org = (org[0] if isinstance(org, list) and org else org) or None
    kind = _first(card, "kind") or _first(card, "x-abshowas") or ""
    email = _first(card, "email")
    phone = _first(card, "tel")
    if isinstance(phone, str) and phone.lower().startswith("tel:"):
        phone = phone[4:]
    values: dict[str, Any] = {"ref": _first(card, REF) or _first(card, CLIENT)}
    is_company = kind.lower() in ("org", "organization", "company") or not fn
    if org and fn and not is_company and normalise_name(fn) != normalise_name(org):
        values.update(
            {
                "name": org,
                "person": fn,
                "contacts.role": _first(card, "title") or _first(card, "role"),
                "contacts.email": email,
                "contacts.phone": phone,
            }
        )
    else:
        adr = _first(card, "adr")
        categories = _first(card, "categories")
        values.update(
            {
                "name": org if is_company and org else fn,
                "kind": "company" if is_company or (org and not fn) else "person",
                "email": email,
                "phone": phone,
                "address": _join(adr.street) if adr else None,
                "city": _join(adr.city) if adr else None,
                "country": _join(adr.country) if adr else None,
                "website": _first(card, "url"),
                "tags": ", ".join(categories) if isinstance(categories, list) else categories,
            }
        )
    return [values.get(column) or None for column in COLUMNS]


def _join(part: Any) -> str | None:
    text = " ".join(part) if isinstance(part, list) else part
    return text or None
