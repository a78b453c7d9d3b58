"""Where a file comes from: the exports of the CRMs and address books teams leave.

A ``Source`` is a product whose export files ``import`` recognises by their
header set (``--from`` says it outright): Pipedrive, HubSpot, Salesforce, Zoho
CRM, Odoo, Google Contacts, Outlook, and the lists Hungarian teams keep in
Excel.  Each of its ``FileKind``\\ s (organizations, people, deals ...) says
which record type the rows are, whether they are one row per person, and
which field each of its columns fills; the source says how its stages map to
the default pipeline's (``lead qualified proposal negotiation won lost``),
the probabilities its stages give, how it writes ambiguous dates and
probabilities, and what plain amounts are in when it is known.

The column names are written here as the product writes them and compared
as ``cells.normalise_header`` gives them (case, accents, punctuation and
bracketed text aside), so ``Person - Email (Work)`` is ``person email``.
Docs: docs/import-export.md, "From another CRM".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from .cells import normalise_header, value_key

T = TypeVar("T")

IGNORE = "-"  # a column the source has that plaincrm keeps nowhere

# The fields source columns may fill besides a record type's own: a client's
# person (``person``, ``first_name``, ``middle_name``, ``last_name``), whether a
# row is a company (``is_company``), notes for the body (``notes``); a deal's
# status (open/won/lost), the times it was won or lost, and whether it is
# still active (Odoo archives lost opportunities).
VIRTUAL = {
    "client": ("person", "first_name", "middle_name", "last_name", "is_company", "notes"),
    "deal": ("status", "won_time", "lost_time", "active", "notes"),
}


@dataclass(frozen=True)
class FileKind:
    """One kind of export file of a source: what its rows are and its columns."""

    name: str  # as the product calls the file: organizations, people, deals ...
    type_name: str  # the record type the rows become
    people: bool  # one row per person (contacts of their company, else person clients)
    columns: Mapping[str, str]  # normalised header -> field ('-': none; first listed wins)
    marks: frozenset[str]  # normalised headers that tell this product's file of this kind

    def score(self, headers: Iterable[str]) -> tuple[int, int]:
        """How well a file's normalised headers fit: (marks found, known columns)."""
        found = set(headers)
        return len(found & self.marks), len(found & set(self.columns))


@dataclass(frozen=True)
class Source:
    name: str  # what --from takes
    label: str  # the product's name
    kinds: tuple[FileKind, ...]
    stages: Mapping[str, str] = field(default_factory=dict)  # its stage -> default stage
    probabilities: Mapping[str, int] = field(default_factory=dict)  # its stage -> its %
    probability_fraction: bool = False  # probabilities written as 0.4 for 40%
    date_order: str | None = None  # how it writes 03/04/2026 (dmy or mdy)
    currency: str | None = None  # what amounts without a currency are in
    country: str | None = None  # what phone numbers without a + are of
    closed_on_close_date: bool = False  # a closed deal's close date is the day it closed
    multi: str | None = None  # what separates several values in one cell
    system_tags: str | None = None  # labels it adds itself (Google's '* myContacts')
    words: frozenset[str] = frozenset()  # headers in its language (Hungarian lists)

    def kind(self, name: str) -> FileKind:
        return next(kind for kind in self.kinds if kind.name == name)


def _columns(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for header, key in pairs:
        out.setdefault(normalise_header(header), key)
    return out


def _kind(
    name: str,
    type_name: str,
    columns: list[tuple[str, str]],
    marks: list[str],
    people: bool = False,
) -> FileKind:
    normalised = _columns(columns)
    found = frozenset(normalise_header(mark) for mark in marks)
    assert found <= set(normalised), (name, found - set(normalised))
    return FileKind(name, type_name, people, normalised, found)


def _values(pairs: Mapping[str, T]) -> dict[str, T]:
    return {value_key(key): value for key, value in pairs.items()}


# ---------------------------------------------------------------- Pipedrive

_PIPEDRIVE_ADDRESS = "Organization - Address - "
PIPEDRIVE = Source(
    "pipedrive",
    "Pipedrive",
    (
        _kind(
            "deals",
            "deal",
            [
                ("Deal - Title", "title"),
                ("Deal - Organization", "client"),
                ("Organization - Name", "client"),
                ("Deal - Value", "amount"),
                ("Deal - Currency of Value", "currency"),
                ("Deal - Currency", "currency"),
                ("Deal - Stage", "stage"),
                ("Deal - Status", "status"),
                ("Deal - Owner", "owner"),
                ("Deal - Probability", "probability"),
                ("Deal - Expected close date", "close"),
                ("Deal - Deal created", "created"),
                ("Deal - Deal created on", "created"),
                ("Deal - Creation date", "created"),
                ("Deal - Add time", "created"),
                ("Deal - Won time", "won_time"),
                ("Deal - Lost time", "lost_time"),
                ("Deal - Closed on", "closed"),
                ("Deal - Close time", "closed"),
                ("Deal - Lost reason", "lost_reason"),
                ("Deal - Source channel", "source"),
                ("Deal - Source origin", "source"),
                ("Note - Content", "notes"),
                ("Deal - ID", IGNORE),
                ("Deal - Contact person", IGNORE),
                ("Person - Name", IGNORE),
                ("Deal - Pipeline", IGNORE),
                ("Deal - Weighted value", IGNORE),
                ("Deal - Currency of Weighted value", IGNORE),
                ("Deal - Creator", IGNORE),
                ("Deal - Update time", IGNORE),
                ("Deal - Last stage change", IGNORE),
                ("Deal - Next activity date", IGNORE),
                ("Deal - Last activity date", IGNORE),
                ("Deal - Label", IGNORE),
            ],
            ["Deal - Title", "Deal - Status", "Deal - Stage", "Deal - Owner", "Deal - Value"],
        ),
        _kind(
            "people",
            "client",
            [
                ("Person - Organization", "name"),
                ("Organization - Name", "name"),
                ("Person - Name", "person"),
                ("Person - First name", "first_name"),
                ("Person - Last name", "last_name"),
                ("Person - Job title", "contacts.role"),
                ("Person - Email", "email"),
                ("Person - Email - Work", "email"),
                ("Person - Email - Home", "email"),
                ("Person - Email - Other", "email"),
                ("Person - Phone", "phone"),
                ("Person - Phone - Work", "phone"),
                ("Person - Phone - Mobile", "phone"),
                ("Person - Phone - Home", "phone"),
                ("Person - Phone - Other", "phone"),
                ("Person - Owner", "owner"),
                ("Person - Label", "tags"),
                ("Person - Person created", "created"),
                ("Note - Content", "notes"),
                ("Person - ID", IGNORE),
                ("Person - Open deals", IGNORE),
                ("Person - Won deals", IGNORE),
                ("Person - Lost deals", IGNORE),
                ("Person - Update time", IGNORE),
            ],
            ["Person - Name", "Person - Organization", "Person - Owner", "Person - Person created"],
            people=True,
        ),
        _kind(
            "organizations",
            "client",
            [
                ("Organization - Name", "name"),
                ("Organization - Owner", "owner"),
                ("Organization - Label", "tags"),
                ("Organization - Address", "address"),
                (_PIPEDRIVE_ADDRESS + "Full/combined address", "address"),
                (_PIPEDRIVE_ADDRESS + "City/town/village/locality", "city"),
                (_PIPEDRIVE_ADDRESS + "Country", "country"),
                ("Organization - Website", "website"),
                ("Organization - Organization created", "created"),
                ("Note - Content", "notes"),
                ("Organization - ID", IGNORE),
                ("Organization - People", IGNORE),
                ("Organization - Open deals", IGNORE),
                ("Organization - Won deals", IGNORE),
                ("Organization - Lost deals", IGNORE),
                ("Organization - Closed deals", IGNORE),
                ("Organization - Update time", IGNORE),
            ],
            [
                "Organization - Name",
                "Organization - Owner",
                "Organization - Label",
                "Organization - Organization created",
            ],
        ),
    ),
    stages=_values(
        {
            "Lead In": "lead",
            "Qualified": "qualified",
            "Contact Made": "qualified",
            "Needs Defined": "qualified",
            "Demo Scheduled": "qualified",
            "Proposal Made": "proposal",
            "Negotiations Started": "negotiation",
        }
    ),
)

# ---------------------------------------------------------------- HubSpot

HUBSPOT = Source(
    "hubspot",
    "HubSpot",
    (
        _kind(
            "deals",
            "deal",
            [
                ("Deal Name", "title"),
                ("Associated Company", "client"),
                ("Amount", "amount"),
                ("Amount in company currency", "amount"),
                ("Currency", "currency"),
                ("Deal Stage", "stage"),
                ("Deal owner", "owner"),
                ("Deal probability", "probability"),
                ("Close Date", "close"),
                ("Create Date", "created"),
                ("Closed Lost Reason", "lost_reason"),
                ("Deal Description", "notes"),
                ("Original Traffic Source", "source"),
                ("Record ID", IGNORE),
                ("Pipeline", IGNORE),
                ("Deal Type", IGNORE),
                ("Associated Company IDs", IGNORE),
                ("Associated Contact", IGNORE),
                ("Associated Contact IDs", IGNORE),
                ("Closed Won Reason", IGNORE),
                ("Last Activity Date", IGNORE),
                ("Last Modified Date", IGNORE),
                ("Next Activity Date", IGNORE),
            ],
            ["Deal Name", "Deal Stage", "Deal owner", "Closed Lost Reason", "Deal probability"],
        ),
        _kind(
            "contacts",
            "client",
            [
                ("Associated Company", "name"),
                ("Company Name", "name"),
                ("First Name", "first_name"),
                ("Last Name", "last_name"),
                ("Job Title", "contacts.role"),
                ("Email", "email"),
                ("Phone Number", "phone"),
                ("Mobile Phone Number", "phone"),
                ("Contact owner", "owner"),
                ("Street Address", "address"),
                ("City", "city"),
                ("Country/Region", "country"),
                ("Create Date", "created"),
                ("Record ID", IGNORE),
                ("Associated Company IDs", IGNORE),
                ("Lifecycle Stage", IGNORE),
                ("Lead Status", IGNORE),
                ("Last Activity Date", IGNORE),
            ],
            ["Contact owner", "Lifecycle Stage", "Lead Status", "Associated Company"],
            people=True,
        ),
        _kind(
            "companies",
            "client",
            [
                ("Company name", "name"),
                ("Name", "name"),
                ("Company owner", "owner"),
                ("Phone Number", "phone"),
                ("Street Address", "address"),
                ("City", "city"),
                ("Country/Region", "country"),
                ("Company Domain Name", "website"),
                ("Website URL", "website"),
                ("Create Date", "created"),
                ("About Us", "notes"),
                ("Description", "notes"),
                ("Record ID", IGNORE),
                ("Industry", IGNORE),
                ("Lifecycle Stage", IGNORE),
                ("Postal Code", IGNORE),
                ("State/Region", IGNORE),
                ("Number of Associated Contacts", IGNORE),
                ("Last Activity Date", IGNORE),
            ],
            ["Company owner", "Company Domain Name", "Country/Region"],
        ),
    ),
    stages=_values(
        {
            "Appointment scheduled": "lead",
            "appointmentscheduled": "lead",
            "Qualified to buy": "qualified",
            "qualifiedtobuy": "qualified",
            "Presentation scheduled": "proposal",
            "presentationscheduled": "proposal",
            "Decision maker bought-in": "negotiation",
            "decisionmakerboughtin": "negotiation",
            "Contract sent": "negotiation",
            "contractsent": "negotiation",
            "Closed won": "won",
            "closedwon": "won",
            "Closed lost": "lost",
            "closedlost": "lost",
        }
    ),
    probabilities=_values(
        {
            "Appointment scheduled": 20,
            "Qualified to buy": 40,
            "Presentation scheduled": 60,
            "Decision maker bought-in": 80,
            "Contract sent": 90,
        }
    ),
    probability_fraction=True,
    closed_on_close_date=True,
)

# ---------------------------------------------------------------- Salesforce

SALESFORCE = Source(
    "salesforce",
    "Salesforce",
    (
        _kind(
            "opportunities",
            "deal",
            [
                ("Opportunity Name", "title"),
                ("Account Name", "client"),
                ("Amount", "amount"),
                ("Amount Currency", "currency"),
                ("Opportunity Currency", "currency"),
                ("Stage", "stage"),
                ("Opportunity Owner", "owner"),
                ("Probability (%)", "probability"),
                ("Close Date", "close"),
                ("Created Date", "created"),
                ("Lead Source", "source"),
                ("Loss Reason", "lost_reason"),
                ("Reason Lost", "lost_reason"),
                ("Description", "notes"),
                ("Opportunity ID", IGNORE),
                ("Type", IGNORE),
                ("Expected Revenue", IGNORE),
                ("Next Step", IGNORE),
                ("Fiscal Period", IGNORE),
                ("Age", IGNORE),
                ("Won", IGNORE),
                ("Closed", IGNORE),
                ("Last Activity", IGNORE),
            ],
            ["Opportunity Name", "Opportunity Owner", "Fiscal Period", "Created Date"],
        ),
        _kind(
            "contacts",
            "client",
            [
                ("Account Name", "name"),
                ("First Name", "first_name"),
                ("Last Name", "last_name"),
                ("Title", "contacts.role"),
                ("Email", "email"),
                ("Phone", "phone"),
                ("Mobile", "phone"),
                ("Contact Owner", "owner"),
                ("Mailing Street", "address"),
                ("Mailing City", "city"),
                ("Mailing Country", "country"),
                ("Created Date", "created"),
                ("Description", "notes"),
                ("Contact ID", IGNORE),
                ("Salutation", IGNORE),
                ("Department", IGNORE),
                ("Mailing State/Province", IGNORE),
                ("Mailing Zip/Postal Code", IGNORE),
                ("Lead Source", IGNORE),
                ("Last Activity", IGNORE),
            ],
            ["Mailing Zip/Postal Code", "Mailing State/Province", "Created Date", "Contact ID"],
            people=True,
        ),
        _kind(
            "accounts",
            "client",
            [
                ("Account Name", "name"),
                ("Account Owner", "owner"),
                ("Phone", "phone"),
                ("Website", "website"),
                ("Billing Street", "address"),
                ("Billing City", "city"),
                ("Billing Country", "country"),
                ("Created Date", "created"),
                ("Description", "notes"),
                ("Account ID", IGNORE),
                ("Type", IGNORE),
                ("Industry", IGNORE),
                ("Billing State/Province", IGNORE),
                ("Billing Zip/Postal Code", IGNORE),
                ("Account Source", IGNORE),
                ("Last Activity", IGNORE),
            ],
            ["Billing Zip/Postal Code", "Billing State/Province", "Created Date", "Account ID"],
        ),
    ),
    stages=_values(
        {
            "Prospecting": "lead",
            "Qualification": "qualified",
            "Needs Analysis": "qualified",
            "Value Proposition": "proposal",
            "Id. Decision Makers": "proposal",
            "Perception Analysis": "proposal",
            "Proposal/Price Quote": "proposal",
            "Negotiation/Review": "negotiation",
            "Closed Won": "won",
            "Closed Lost": "lost",
        }
    ),
    probabilities=_values(
        {
            "Prospecting": 10,
            "Qualification": 10,
            "Needs Analysis": 20,
            "Value Proposition": 50,
            "Id. Decision Makers": 60,
            "Perception Analysis": 70,
            "Proposal/Price Quote": 75,
            "Negotiation/Review": 90,
        }
    ),
    date_order="mdy",
    closed_on_close_date=True,
)

# ---------------------------------------------------------------- Zoho CRM

ZOHO = Source(
    "zoho",
    "Zoho CRM",
    (
        _kind(
            "deals",
            "deal",
            [
                ("Deal Name", "title"),
                ("Account Name", "client"),
                ("Amount", "amount"),
                ("Currency", "currency"),
                ("Stage", "stage"),
                ("Deal Owner", "owner"),
                ("Probability (%)", "probability"),
                ("Closing Date", "close"),
                ("Created Time", "created"),
                ("Lead Source", "source"),
                ("Reason For Loss", "lost_reason"),
                ("Description", "notes"),
                ("Record Id", IGNORE),
                ("Type", IGNORE),
                ("Expected Revenue", IGNORE),
                ("Next Step", IGNORE),
                ("Contact Name", IGNORE),
                ("Campaign Source", IGNORE),
                ("Modified Time", IGNORE),
                ("Exchange Rate", IGNORE),
                ("Tag", IGNORE),
            ],
            ["Closing Date", "Created Time", "Reason For Loss", "Record Id"],
        ),
        _kind(
            "contacts",
            "client",
            [
                ("Account Name", "name"),
                ("First Name", "first_name"),
                ("Last Name", "last_name"),
                ("Title", "contacts.role"),
                ("Email", "email"),
                ("Phone", "phone"),
                ("Mobile", "phone"),
                ("Contact Owner", "owner"),
                ("Mailing Street", "address"),
                ("Mailing City", "city"),
                ("Mailing Country", "country"),
                ("Created Time", "created"),
                ("Description", "notes"),
                ("Tag", "tags"),
                ("Record Id", IGNORE),
                ("Salutation", IGNORE),
                ("Department", IGNORE),
                ("Mailing State", IGNORE),
                ("Mailing Zip", IGNORE),
                ("Lead Source", IGNORE),
                ("Modified Time", IGNORE),
            ],
            ["Mailing Zip", "Created Time", "Modified Time", "Record Id"],
            people=True,
        ),
        _kind(
            "accounts",
            "client",
            [
                ("Account Name", "name"),
                ("Account Owner", "owner"),
                ("Phone", "phone"),
                ("Website", "website"),
                ("Billing Street", "address"),
                ("Billing City", "city"),
                ("Billing Country", "country"),
                ("Created Time", "created"),
                ("Description", "notes"),
                ("Tag", "tags"),
                ("Record Id", IGNORE),
                ("Account Type", IGNORE),
                ("Industry", IGNORE),
                ("Billing State", IGNORE),
                ("Billing Code", IGNORE),
                ("Modified Time", IGNORE),
            ],
            ["Billing Code", "Created Time", "Modified Time", "Record Id"],
        ),
    ),
    stages=_values(
        {
            "Qualification": "qualified",
            "Needs Analysis": "qualified",
            "Value Proposition": "proposal",
            "Identify Decision Makers": "proposal",
            "Proposal/Price Quote": "proposal",
            "Negotiation/Review": "negotiation",
            "Closed Won": "won",
            "Closed Lost": "lost",
            "Closed-Lost to Competition": "lost",
        }
    ),
    probabilities=_values(
        {
            "Qualification": 10,
            "Needs Analysis": 20,
            "Value Proposition": 40,
            "Identify Decision Makers": 60,
            "Proposal/Price Quote": 75,
            "Negotiation/Review": 90,
        }
    ),
    closed_on_close_date=True,
)

# ---------------------------------------------------------------- Odoo

ODOO = Source(
    "odoo",
    "Odoo",
    (
        _kind(
            "opportunities",
            "deal",
            [
                ("Opportunity", "title"),
                ("Customer", "client"),
                ("Company Name", "client"),
                ("Expected Revenue", "amount"),
                ("Currency", "currency"),
                ("Stage", "stage"),
                ("Salesperson", "owner"),
                ("Probability", "probability"),
                ("Expected Closing", "close"),
                ("Created on", "created"),
                ("Closed Date", "closed"),
                ("Lost Reason", "lost_reason"),
                ("Active", "active"),
                ("Notes", "notes"),
                ("Internal Notes", "notes"),
                ("Sales Team", IGNORE),
                ("Contact Name", IGNORE),
                ("Email", IGNORE),
                ("Phone", IGNORE),
                ("Tags", IGNORE),
                ("Priority", IGNORE),
                ("Type", IGNORE),
            ],
            ["Opportunity", "Expected Revenue", "Expected Closing", "Salesperson", "Sales Team"],
        ),
        _kind(
            "contacts",
            "client",
            [
                ("Related Company", "name"),
                ("Company Name", "name"),
                ("Name", "person"),
                ("Is a Company", "is_company"),
                ("Job Position", "contacts.role"),
                ("Email", "email"),
                ("Phone", "phone"),
                ("Mobile", "phone"),
                ("Street", "address"),
                ("City", "city"),
                ("Country", "country"),
                ("Website Link", "website"),
                ("Website", "website"),
                ("Salesperson", "owner"),
                ("Tags", "tags"),
                ("Created on", "created"),
                ("Notes", "notes"),
                ("Title", IGNORE),
                ("Display Name", IGNORE),
                ("Zip", IGNORE),
                ("State", IGNORE),
            ],
            ["Is a Company", "Related Company", "Job Position", "Salesperson"],
            people=True,
        ),
    ),
    stages=_values(
        {"New": "lead", "Qualified": "qualified", "Proposition": "proposal", "Won": "won"}
    ),
)

# ---------------------------------------------------------------- address books

_GOOGLE_MARKS = ["E-mail 1 - Value", "Phone 1 - Value", "File As", "Labels", "Group Membership"]
GOOGLE = Source(
    "google",
    "Google Contacts",
    (
        _kind(
            "contacts",
            "client",
            [
                ("Organization Name", "name"),
                ("Organization 1 - Name", "name"),
                ("Name", "person"),
                ("First Name", "first_name"),
                ("Given Name", "first_name"),
                ("Middle Name", "middle_name"),
                ("Additional Name", "middle_name"),
                ("Last Name", "last_name"),
                ("Family Name", "last_name"),
                ("Organization Title", "contacts.role"),
                ("Organization 1 - Title", "contacts.role"),
                ("E-mail 1 - Value", "email"),
                ("E-mail 2 - Value", "email"),
                ("Phone 1 - Value", "phone"),
                ("Phone 2 - Value", "phone"),
                ("Address 1 - Street", "address"),
                ("Address 1 - City", "city"),
                ("Address 1 - Country", "country"),
                ("Website 1 - Value", "website"),
                ("Labels", "tags"),
                ("Group Membership", "tags"),
                ("Notes", "notes"),
                ("Name Prefix", IGNORE),
                ("Name Suffix", IGNORE),
                ("Nickname", IGNORE),
                ("File As", IGNORE),
                ("Subject", IGNORE),
                ("Birthday", IGNORE),
                ("Photo", IGNORE),
                ("Organization Department", IGNORE),
                ("Organization 1 - Department", IGNORE),
                ("E-mail 1 - Label", IGNORE),
                ("E-mail 1 - Type", IGNORE),
                ("Phone 1 - Label", IGNORE),
                ("Phone 1 - Type", IGNORE),
                ("Address 1 - Formatted", IGNORE),
            ],
            _GOOGLE_MARKS,
            people=True,
        ),
    ),
    multi=" ::: ",
    system_tags="* ",
)

OUTLOOK = Source(
    "outlook",
    "Outlook",
    (
        _kind(
            "contacts",
            "client",
            [
                ("Company", "name"),
                ("First Name", "first_name"),
                ("Middle Name", "middle_name"),
                ("Last Name", "last_name"),
                ("Job Title", "contacts.role"),
                ("E-mail Address", "email"),
                ("E-mail 2 Address", "email"),
                ("Business Phone", "phone"),
                ("Mobile Phone", "phone"),
                ("Company Main Phone", "phone"),
                ("Business Street", "address"),
                ("Business City", "city"),
                ("Business Country/Region", "country"),
                ("Business Country", "country"),
                ("Web Page", "website"),
                ("Categories", "tags"),
                ("Notes", "notes"),
                ("Title", IGNORE),
                ("Suffix", IGNORE),
                ("Department", IGNORE),
                ("E-mail Display Name", IGNORE),
                ("E-mail Type", IGNORE),
                ("Business Postal Code", IGNORE),
                ("Business State", IGNORE),
                ("Birthday", IGNORE),
                ("Anniversary", IGNORE),
            ],
            ["E-mail Address", "E-mail Display Name", "Business Phone", "Business Street"],
            people=True,
        ),
    ),
    multi=None,
)

# Hungarian lists are read through the common Hungarian column names; what this
# source adds is what their plain values mean.
HUNGARIAN = Source(
    "hungarian",
    "Hungarian Excel list",
    (),
    currency="HUF",
    country="HU",
    date_order="dmy",
    words=frozenset(
        normalise_header(word)
        for word in (
            "Cégnév",
            "Cég neve",
            "Ügyfél",
            "Kapcsolattartó",
            "Beosztás",
            "E-mail cím",
            "Telefonszám",
            "Címkék",
            "Felelős",
            "Üzletkötő",
            "Város",
            "Ország",
            "Cím",
            "Megnevezés",
            "Szakasz",
            "Fázis",
            "Összeg",
            "Érték",
            "Pénznem",
            "Várható lezárás",
            "Lezárva",
            "Létrehozva",
            "Felvéve",
            "Valószínűség",
            "Elvesztés oka",
            "Megjegyzés",
        )
    ),
)

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (PIPEDRIVE, HUBSPOT, SALESFORCE, ZOHO, ODOO, GOOGLE, OUTLOOK, HUNGARIAN)
}
SOURCE_NAMES = tuple(SOURCES)  # what --from takes

# Stage and status words any file may use, in English, Hungarian, Czech and German,
# for the default pipeline's stages (used when the pipeline has a stage of that name).
STAGE_WORDS = _values(
    {
        "new": "lead", "lead": "lead", "prospect": "lead", "új": "lead", "érdeklődő": "lead",
        "nový": "lead", "neu": "lead",
        "qualified": "qualified", "minősített": "qualified", "felmérés": "qualified",
        "igényfelmérés": "qualified", "kvalifikovaný": "qualified", "qualifiziert": "qualified",
        "proposal": "proposal", "quote": "proposal", "offer": "proposal", "ajánlat": "proposal",
        "árajánlat": "proposal", "ajánlattétel": "proposal", "nabídka": "proposal",
        "angebot": "proposal",
        "negotiation": "negotiation", "tárgyalás": "negotiation", "egyeztetés": "negotiation",
        "vyjednávání": "negotiation", "verhandlung": "negotiation",
        "won": "won", "closed won": "won", "megnyert": "won", "nyert": "won", "sikeres": "won",
        "vyhráno": "won", "gewonnen": "won",
        "lost": "lost", "closed lost": "lost", "elveszett": "lost", "elvesztett": "lost",
        "sikertelen": "lost", "prohráno": "lost", "verloren": "lost",
    }
)  # fmt: skip
# What a status column says: open, won or lost.
STATUS_WORDS = _values(
    {
        "open": "open", "opened": "open", "active": "open", "in progress": "open",
        "nyitott": "open", "folyamatban": "open", "aktív": "open", "otevřený": "open",
        "offen": "open",
        "won": "won", "closed won": "won", "megnyert": "won", "nyert": "won", "vyhráno": "won",
        "gewonnen": "won",
        "lost": "lost", "closed lost": "lost", "elveszett": "lost", "elvesztett": "lost",
        "prohráno": "lost", "verloren": "lost",
    }
)  # fmt: skip
# Lost reasons as people write them, for the default pipeline's reasons.
REASON_WORDS = _values(
    {
        "price": "price", "too expensive": "price", "price too high": "price",
        "pricing": "price", "expensive": "price", "drága": "price", "túl drága": "price",
        "ár": "price", "magas ár": "price", "cena": "price", "zu teuer": "price",
        "competitor": "competitor", "competition": "competitor", "lost to competitor":
        "competitor", "went with competitor": "competitor", "chose a competitor": "competitor",
        "konkurencia": "competitor", "versenytárs": "competitor", "konkurence": "competitor",
        "wettbewerber": "competitor",
        "no budget": "no budget", "budget": "no budget", "lack of budget": "no budget",
        "nincs keret": "no budget", "nincs költségkeret": "no budget", "nincs rá keret":
        "no budget", "kein budget": "no budget",
        "timing": "timing", "bad timing": "timing", "not now": "timing", "időzítés":
        "timing", "később": "timing",
        "no decision": "no decision", "no response": "no decision", "unresponsive":
        "no decision", "went dark": "no decision", "nem döntött": "no decision",
        "nem válaszolt": "no decision",
        "requirements not met": "requirements not met", "missing features":
        "requirements not met", "not a fit": "requirements not met", "no fit":
        "requirements not met", "nem felelt meg": "requirements not met",
    }
)  # fmt: skip


def detect(headers: list[list[str]], only: str | None = None) -> tuple[Source, FileKind] | None:
    """The source and kind of file whose columns these headers are (each column's
    names to try), or None when no product's export fits.  ``only`` (``--from``)
    limits the choice to one product, whose best-fitting kind is taken even with
    few of its columns; without it a kind needs one of its marks and three of
    its columns, and the best fit (most marks, then most columns) wins."""
    names = [normalise_header(name) for alternatives in headers for name in alternatives]
    best: tuple[tuple[int, int], Source, FileKind] | None = None
    for source in SOURCES.values():
        if only is not None and source.name != only:
            continue
        for kind in source.kinds:
            marks, known = kind.score(names)
            if only is None and (marks < 1 or known < 3):
                continue
            if best is None or (marks, known) > best[0]:
                best = ((marks, known), source, kind)
    if best is None or (only is not None and best[0][1] == 0):
        return None
    return best[1], best[2]


def hungarian(headers: list[list[str]]) -> bool:
    """Whether a list's columns are named in Hungarian (two such names or more)."""
    names = {normalise_header(name) for alternatives in headers for name in alternatives}
    return len(names & HUNGARIAN.words) >= 2


def known_headers() -> set[str]:
    """Every column name of every source (normalised), for finding the header row."""
    return {name for source in SOURCES.values() for kind in source.kinds for name in kind.columns}
