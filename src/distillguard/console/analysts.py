"""Who may use the console and what they may do: per-analyst tokens, roles, sessions
and the CSRF tokens of their forms.

A token (``dgc_<analyst id>_<secret>``) is shown once when an admin creates the
analyst; only its HMAC under the casebook's secret is stored. Signing in with
it opens a session: a random cookie value (stored hashed) bound to a random
CSRF token that every form of that session carries and every POST must echo
(the synchroniser-token pattern; the cookie is also ``SameSite=Strict``).

Roles, each including the one before it:

- ``viewer``: the queue, campaign and account pages, with pseudonymous account
  references and redacted request text only (never a raw identifier or text);
- ``analyst``: raw identifiers, raw request text (each view audited), decisions,
  gateway pushes and intel exports;
- ``admin``: analysts and the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from distillguard.console.casebook import Casebook, now_iso
from distillguard.schema.errors import AuthError, ConflictError, ForbiddenError, InputError

ROLES: Final = ("viewer", "analyst", "admin")
TOKEN_PREFIX: Final = "dgc"
SESSION_TTL: Final = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Analyst:
    analyst_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None

    def can(self, role: str) -> bool:
        """Whether this analyst holds ``role`` or a stronger one."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def sees_raw(self) -> bool:
        return self.can("analyst")


@dataclass(frozen=True, slots=True)
class Session:
    analyst: Analyst
    csrf: str


class Analysts:
    """Analysts, tokens and sessions in the casebook."""

    def __init__(self, book: Casebook) -> None:
        self.book = book
        self.db = book.db

    def _hash(self, kind: str, secret: str) -> str:
        return hmac.new(self.book.secret, f"{kind}:{secret}".encode(),
                        hashlib.sha256).hexdigest()

    def create(self, name: str, role: str, *, by: str = "cli") -> tuple[Analyst, str]:
        """A new analyst and their token (shown once, never stored)."""
        if role not in ROLES:
            raise InputError(f"role {role!r}: choose one of {', '.join(ROLES)}",
                             details={"field": "role", "value": role})
        if not name.strip():
            raise InputError("an analyst needs a name", details={"field": "name"})
        analyst_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        now = now_iso()
        with self.db.tx(write=True) as tx:
            if tx.execute("SELECT 1 FROM console_analysts WHERE name = ?", [name]):
                raise ConflictError(f"analyst {name!r} exists", details={"name": name})
            tx.execute("INSERT INTO console_analysts (analyst_id, name, role, token_hash,"
                       " created_at) VALUES (?, ?, ?, ?, ?)",
                       [analyst_id, name, role, self._hash("token", secret), now])
        self.book.audit(by, "analyst:create", f"analyst:{name}", role=role)
        return Analyst(analyst_id, name, role, now), f"{TOKEN_PREFIX}_{analyst_id}_{secret}"

    def list(self) -> list[Analyst]:
        with self.db.tx() as tx:
            rows = tx.execute("SELECT analyst_id, name, role, created_at, revoked_at"
                              " FROM console_analysts ORDER BY created_at, name")
        return [Analyst(*r) for r in rows]

    def revoke(self, name: str, *, by: str = "cli") -> None:
        with self.db.tx(write=True) as tx:
            rows = tx.execute("SELECT analyst_id FROM console_analysts WHERE name = ?"
                              " AND revoked_at IS NULL", [name])
            if not rows:
                raise InputError(f"no active analyst {name!r}", details={"name": name})
            tx.execute("UPDATE console_analysts SET revoked_at = ? WHERE name = ?",
                       [now_iso(), name])
            tx.execute("DELETE FROM console_sessions WHERE analyst_id = ?", [rows[0][0]])
        self.book.audit(by, "analyst:revoke", f"analyst:{name}")

    def verify_token(self, token: str) -> Analyst:
        parts = token.strip().split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise AuthError("not a console token (dgc_<id>_<secret>)")
        with self.db.tx() as tx:
            rows = tx.execute("SELECT analyst_id, name, role, created_at, revoked_at,"
                              " token_hash FROM console_analysts WHERE analyst_id = ?",
                              [parts[1]])
        given = self._hash("token", parts[2])
        if not rows or rows[0][4] is not None or not hmac.compare_digest(given, rows[0][5]):
            raise AuthError("unknown or revoked token")
        return Analyst(*rows[0][:5])

    # -- sessions -----------------------------------------------------------------------------

    def open_session(self, analyst: Analyst) -> tuple[str, Session]:
        """A new session: (cookie value, session)."""
        cookie = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.tx(write=True) as tx:
            tx.execute("DELETE FROM console_sessions WHERE expires_at < ?",
                       [now.isoformat(timespec="seconds")])
            tx.execute("INSERT INTO console_sessions (session_hash, analyst_id, csrf,"
                       " created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                       [self._hash("session", cookie), analyst.analyst_id, csrf,
                        now.isoformat(timespec="seconds"),
                        (now + SESSION_TTL).isoformat(timespec="seconds")])
        self.book.audit(analyst.name, "login", f"analyst:{analyst.name}")
        return cookie, Session(analyst, csrf)

    def session(self, cookie: str) -> Session:
        with self.db.tx() as tx:
            rows = tx.execute(
                "SELECT a.analyst_id, a.name, a.role, a.created_at, a.revoked_at, s.csrf,"
                " s.expires_at FROM console_sessions s JOIN console_analysts a"
                " ON a.analyst_id = s.analyst_id WHERE s.session_hash = ?",
                [self._hash("session", cookie)])
        if not rows or rows[0][4] is not None:
            raise AuthError("not signed in")
        if rows[0][6] < datetime.now(UTC).isoformat(timespec="seconds"):
            raise AuthError("session expired; sign in again")
        return Session(Analyst(*rows[0][:5]), str(rows[0][5]))

    def close_session(self, cookie: str) -> None:
        with self.db.tx(write=True) as tx:
            tx.execute("DELETE FROM console_sessions WHERE session_hash = ?",
                       [self._hash("session", cookie)])

    # -- CSRF -----------------------------------------------------------------------------------

    def login_csrf(self, nonce: str) -> str:
        """The sign-in form's token, bound to the pre-session cookie ``nonce``."""
        return self._hash("login", nonce)

    @staticmethod
    def check_csrf(expected: str, given: str | None) -> None:
        if not given or not hmac.compare_digest(expected, given):
            raise ForbiddenError("form token missing or wrong (CSRF check failed); reload the "
                                 "page and try again", details={"field": "csrf"})


def pseudonym(secret: bytes, account_id: str) -> str:
    """A stable reference to an account that does not reveal its identifier."""
    return "a-" + hmac.new(secret, f"account:{account_id}".encode(),
                           hashlib.sha256).hexdigest()[:12]
