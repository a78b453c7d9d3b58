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
# A REF: lower-case ASCII letters and digits, '-', '.' and '_' (not first), and the letters
# of the scripts that ``slugify`` keeps; no white space, no '/' or ':'.
SLUG = r"[^\x00-\x2f\x3a-\x60\x7b-\x7f\s][^\x00-\x2c\x2f\x3a-\x5e\x60\x7b-\x7f\s]*"
SLUG_RE = re.compile(rf"^{SLUG}$")
_SLUG_BAD = re.compile(r"[\x00-\x2f\x3a-\x60\x7b-\x7f\s]+")  # white space, ASCII but a-z 0-9
# Letters spelled in Latin letters, lower case (``slugify`` lowers first): those that
# Unicode does not decompose into a Latin letter and an accent, Cyrillic (Russian,
# Ukrainian, Belarusian, Bulgarian, Serbian, Macedonian; the BGN/PCGN spelling of
# passports and maps, without its apostrophes) and Greek (ELOT 743).
_SPELL_OUT = str.maketrans(
    {
        "ł": "l", "ß": "ss", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
        "ı": "i", "ŋ": "ng", "ħ": "h",
        # Cyrillic
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u", "ђ": "dj", "ј": "j",
        "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
        # Greek (accents are dropped as for Latin letters)
        "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
        "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
        "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
        "ω": "o",
    }
)  # fmt: skip


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
    """A REF for a name: ``"Kovács és Társa Kft."`` -> ``"kovacs-es-tarsa-kft"``.

    Latin letters lose their accents; Cyrillic and Greek are spelled in Latin letters
    (``"Достоевский и сыновья"`` -> ``"dostoevskiy-i-synovya"``, ``"Αθηνά"`` ->
    ``"athina"``).  Letters of the scripts with no one Latin spelling (Chinese,
    Japanese, Korean, Arabic, Hebrew, Thai, Devanagari ...) stay as they are: the REF
    is typed as the name is (``"東京コーヒー"`` -> ``"東京コーヒー"``) and completed by TAB.
    Anything else between words becomes one ``-``; at most ``max_length`` characters.
    """
    lowered = unicodedata.normalize("NFC", text).lower()
    lowered = lowered.replace("ου", "ou").replace("ού", "ou")  # Greek: one sound
    out: list[str] = []
    for char in lowered:
        spelled = char.translate(_SPELL_OUT)
        if spelled != char or char.isascii():
            out.append(spelled)
            continue
        parts = unicodedata.normalize("NFKD", char)
        base = parts[0].translate(_SPELL_OUT)
        if base.isascii() or base != parts[0]:  # é, ﬁ, ① ... and Greek with accents
            out.append(base + "".join(p for p in parts[1:] if p.isascii()))
        elif unicodedata.category(char)[0] == "M":
            if out and not out[-1].isascii():
                out.append(char)  # kept (a vowel sign), dropped on a Latin one (İ: i + dot)
        elif unicodedata.category(char)[0] in "LN":  # a letter or digit of its own script
            out.append(char)
        else:
            out.append(" ")
    slug = _SLUG_BAD.sub("-", "".join(out)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return unicodedata.normalize("NFC", slug) or "record"


def unique_slug(base: str, exists: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3`` ... whichever is free."""
    if not exists(base):
        return base
    n = 2
    while exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
