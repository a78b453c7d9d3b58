"""The ``mail:`` section of ``plaincrm.yaml`` (README "Mail", ``schema/config.schema.json``).

::

    mail:
      internal_domains: [example.com]      # the team's own domains, besides users' email
      ignore: [noreply@*, newsletter.example]   # never recorded, never a match
      free_domains: [freemail.hu]          # more domains that never identify a company
      answer_within: 8h                    # working hours before a client's mail waits
      follow_up_after: 5d                  # days of silence after your mail
      look_back: 30d                       # older threads drop off both lists
      full_text: false                     # true: the whole new text, not an excerpt

The IMAP password command is not a setting of this shared file: a command in it
would run on every teammate's machine, chosen by anyone who can push.  It is
set per clone (``git config plaincrm.mailPasswordCommand ...``, see ``imap``);
``mail.password_command`` here is a problem for ``check`` and is never run.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from ..core.dates import parse_duration_minutes
from ..core.errors import Problem
from ..core.settings import Config, SectionReader, settled

SECTION = "mail"
KEYS = (
    "internal_domains",
    "ignore",
    "free_domains",
    "answer_within",
    "follow_up_after",
    "look_back",
    "full_text",
    "password_command",  # known, to say where it belongs (``_shared_command``)
)
# Domains anyone can have an address at: they never tell which company someone is from.
# fmt: off
FREE_DOMAINS = frozenset((
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com",
    "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "ymail.com", "icloud.com",
    "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "pm.me", "gmx.de",
    "gmx.net", "gmx.at", "gmx.com", "web.de", "t-online.de", "freenet.de", "posteo.de",
    "mailbox.org", "freemail.hu", "citromail.hu", "indamail.hu", "t-online.hu", "vipmail.hu",
    "orange.fr", "free.fr", "laposte.net", "wanadoo.fr", "libero.it", "virgilio.it",
    "seznam.cz", "centrum.cz", "wp.pl", "o2.pl", "onet.pl", "interia.pl", "mail.ru",
    "yandex.ru", "yandex.com", "zoho.com", "tutanota.com", "fastmail.com", "hey.com",
    "qq.com", "163.com", "126.com",
))
# fmt: on
_DOMAIN_RE = re.compile(r"^[a-z0-9*?]([a-z0-9*?.-]*[a-z0-9*?])?$")


@dataclass(frozen=True)
class MailSettings:
    internal_domains: frozenset[str] = frozenset()
    ignore: tuple[str, ...] = ()
    free_domains: frozenset[str] = FREE_DOMAINS
    answer_within: int = 8 * 60  # working minutes
    follow_up_after: int = 5  # days
    look_back: int = 30  # days
    full_text: bool = False
    team: dict[str, str] = field(default_factory=dict)  # users' addresses -> user names

    def is_team(self, address: str) -> bool:
        return address in self.team or domain_of(address) in self.internal_domains

    def ignored(self, address: str) -> bool:
        """Whether ``address`` matches an ``ignore`` entry: an address, a domain (and its
        subdomains), or a pattern with ``*``."""
        domain = domain_of(address)
        for entry in self.ignore:
            if "@" in entry or "*" in entry or "?" in entry:
                if fnmatch.fnmatchcase(address, entry):
                    return True
            elif domain == entry or domain.endswith("." + entry):
                return True
        return False


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def read_mail(config: Config) -> tuple[MailSettings, list[Problem]]:
    """The ``mail:`` settings (defaults for what is not given) and their problems."""
    reader = SectionReader(config, SECTION)
    problem = reader.problem
    team = {user.email.lower(): user.name for user in config.users if user.email}
    raw = config.raw.get(SECTION)
    if raw is None:
        return MailSettings(team=team), reader.problems
    if not isinstance(raw, dict):
        problem("", "mail must be a section of settings (see README 'Mail')")
        return MailSettings(team=team), reader.problems
    for key in raw:
        if key not in KEYS:
            problem(key, f"mail.{key}: unknown setting (known: {', '.join(KEYS)})")
    internal = _domains(raw, "internal_domains", problem)
    free = _domains(raw, "free_domains", problem)
    ignore = _list(raw, "ignore", problem)
    for index, entry in enumerate(ignore):
        if "@" not in entry and not _DOMAIN_RE.match(entry):
            problem(
                f"ignore.{index}",
                f"mail.ignore: '{entry}' is neither an address, a domain nor a pattern "
                "like noreply@*",
            )
    _shared_command(raw, problem)
    settings = MailSettings(
        internal_domains=frozenset(internal),
        ignore=tuple(ignore),
        free_domains=FREE_DOMAINS | frozenset(free),
        answer_within=_duration(raw, "answer_within", 8 * 60, problem),
        follow_up_after=_days(raw, "follow_up_after", 5, problem),
        look_back=_days(raw, "look_back", 30, problem),
        full_text=_flag(raw, "full_text", problem),
        team=team,
    )
    return settings, reader.problems


def check_mail(store: Any) -> list[Problem]:
    """``check``: the problems of the mail settings (``store``: a ``Store``)."""
    return read_mail(store.config)[1]


def mail_settings(config: Config) -> MailSettings:
    """The mail settings; a ``ConfigError`` when they have problems."""
    return settled(*read_mail(config), "mail settings in plaincrm.yaml")


Report = Any  # SectionReader.problem


def _list(raw: dict[str, Any], key: str, problem: Report) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problem(key, f"mail.{key} must be a list like [example.com, other.example]")
        return []
    return [item.strip().lower() for item in value if item.strip()]


def _domains(raw: dict[str, Any], key: str, problem: Report) -> list[str]:
    found = []
    for index, entry in enumerate(_list(raw, key, problem)):
        domain = entry.removeprefix("@")
        if "@" in domain or "*" in domain or not _DOMAIN_RE.match(domain) or "." not in domain:
            problem(f"{key}.{index}", f"mail.{key}: '{entry}' is not a domain like example.com")
            continue
        found.append(domain)
    return found


def _duration(raw: dict[str, Any], key: str, default: int, problem: Report) -> int:
    value = raw.get(key)
    if value is None:
        return default
    minutes = parse_duration_minutes(str(value))
    if not minutes:
        problem(key, f"mail.{key}: '{value}' is not a duration like 4h or 1h30m (working hours)")
        return default
    return minutes


def _days(raw: dict[str, Any], key: str, default: int, problem: Report) -> int:
    value = raw.get(key)
    if value is None:
        return default
    text = str(value).strip().lower().removesuffix("d").strip()
    if not text.isdigit() or not 1 <= int(text) <= 3650:
        problem(key, f"mail.{key}: '{value}' is not a number of days like 5d")
        return default
    return int(text)


def _flag(raw: dict[str, Any], key: str, problem: Report) -> bool:
    value = raw.get(key)
    if value is None:
        return False
    text = str(value).lower()
    if text not in ("true", "false", "yes", "no"):
        problem(key, f"mail.{key} must be true or false")
        return False
    return text in ("true", "yes")


def _shared_command(raw: dict[str, Any], problem: Report) -> None:
    """A password command in the shared settings is refused, never run: anyone who
    can push would choose a command run on every teammate's machine."""
    if "password_command" in raw:
        problem(
            "password_command",
            "mail.password_command: a command in the team's shared settings would run on "
            "every teammate's machine; remove it and set it for your clone only: "
            "git config plaincrm.mailPasswordCommand 'pass show mail/{user}@{host}' "
            "(or PLAINCRM_IMAP_PASSCMD)",
        )
