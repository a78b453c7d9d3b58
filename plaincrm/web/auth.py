"""Sign-in for a shared server: the users file, scrypt hashes, the attempts limit.

The users file lives outside the CRM repository (it is never committed nor synced):
one line per user, ``name:scrypt:N:r:p:SALT:HASH`` (salt and hash in base64), written
by ``plaincrm serve --users FILE --set-password NAME``.  Blank lines and lines
starting with ``#`` are ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import InvalidError, UsageError

# scrypt's cost: 2**14 x 8 x 1 takes 16 MiB and about 50 ms: slow for a guesser
N, R, P = 1 << 14, 8, 1
MAX_ATTEMPTS = 5  # failed sign-ins per address ...
WINDOW = 300.0  # ... within this many seconds, then refused until they age out


def hash_password(password: str, salt: bytes | None = None) -> str:
    """The stored form of ``password``: ``scrypt:N:r:p:SALT:HASH``."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=64 << 20)
    encode = base64.b64encode
    return f"scrypt:{N}:{R}:{P}:{encode(salt).decode()}:{encode(digest).decode()}"


def verify(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (in constant time)."""
    try:
        scheme, n, r, p, salt, digest = stored.split(":")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 << 20,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def check_outside(users_file: Path, root: Path) -> None:
    """Refuse a users file inside the CRM: its hashes would be committed and shared."""
    full = users_file.resolve()
    crm = root.resolve()
    if full == crm or crm in full.parents:
        raise UsageError(
            f"the users file {users_file} lies inside the CRM repository, where it would "
            "be committed and shared; keep it outside, e.g. ~/.config/plaincrm/users"
        )


def read_users(path: Path) -> dict[str, str]:
    """name -> stored hash, from the users file (a missing file: no users)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidError(f"{path}: cannot read the users file ({exc.strerror})") from exc
    users = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, stored = line.partition(":")
        if not sep or not stored.startswith("scrypt:"):
            raise InvalidError(
                f"{path}:{number}: expected 'name:scrypt:...' as written by "
                "'plaincrm serve --users FILE --set-password NAME'"
            )
        users[name.strip()] = stored.strip()
    return users


def set_password(path: Path, name: str, password: str) -> None:
    """Write ``name``'s new hash into the users file (created readable by its owner only)."""
    if not password:
        raise UsageError("the password is empty; type one")
    users = read_users(path)
    users[name] = hash_password(password)
    lines = ["# plaincrm serve users: name:scrypt hash (plaincrm serve --set-password)"]
    lines += [f"{user}:{stored}" for user, stored in users.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(temp, path)


@dataclass
class Attempts:
    """Failed sign-ins per client address: more than ``MAX_ATTEMPTS`` within ``WINDOW``
    seconds and that address is refused until the oldest ages out."""

    limit: int = MAX_ATTEMPTS
    window: float = WINDOW
    failed: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self.failed.setdefault(address, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait(self, address: str) -> int:
        """Seconds until ``address`` may try again (0: now)."""
        now = time.monotonic()
        with self.lock:
            times = self._recent(address, now)
            if len(times) < self.limit:
                return 0
            return int(self.window - (now - times[0])) + 1

    def fail(self, address: str) -> None:
        with self.lock:
            self._recent(address, time.monotonic()).append(time.monotonic())

    def clear(self, address: str) -> None:
        with self.lock:
            self.failed.pop(address, None)
