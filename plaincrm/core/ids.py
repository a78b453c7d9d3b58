"""Record slugs and task ids.

Task ids are 6 random characters from a 31-letter alphabet without look-alike
characters (no 0/o, 1/l/i): about 887 million values.  The tool never hands
out an id already used in the repository, so ids are unique locally; two
people creating ids offline at the same time collide only by chance (about one
in 887 million per pair of new ids), and ``plaincrm check`` as well as the
merge driver of ``sync`` detect such a collision and give one of the two tasks
a fresh id, so a repository never keeps duplicate ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
ID_LENGTH = 6
_SLUG_BAD = re.compile(r"[^a-z0-9]+")
# letters that Unicode does not decompose into a base letter and an accent
_SPELL_OUT = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "TH",
        "ð": "d",
        "Ð": "D",
        "ı": "i",
    }
)


def new_id(taken: Container[str] | Callable[[str], bool]) -> str:
    """A random task id that is not ``taken`` (a container or a predicate)."""
    import secrets

    is_taken = taken if callable(taken) else taken.__contains__
    while True:
        candidate = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))
        if not is_taken(candidate):
            return candidate


def derived_id(seed: str, taken: Container[str] | Callable[[str], bool]) -> str:
    """The task id ``seed`` always gives (the same on every machine), unless that one is
    ``taken``: then a random one."""
    import hashlib

    is_taken = taken if callable(taken) else taken.__contains__
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    candidate = "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:ID_LENGTH])
    return new_id(taken) if is_taken(candidate) else candidate


def slugify(text: str, max_length: int = 60) -> str:
    """``"Kovács és Társa Kft."`` -> ``"kovacs-es-tarsa-kft"``."""
    normal = unicodedata.normalize("NFKD", text.translate(_SPELL_OUT))
    ascii_text = normal.encode("ascii", "ignore").decode("ascii").lower()
    slug = _SLUG_BAD.sub("-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug or "record"


def unique_slug(base: str, exists: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3`` ... whichever is free."""
    if not exists(base):
        return base
    n = 2
    while exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
