"""The people who may use the web pages and the API: the [users.LOGIN] tables of the config file.

    [users.zhangsan]
    name = "张三"                      # shown on the pages and in the ledger (who approved)
    roles = ["uploader", "approver"]   # viewer, uploader, approver, admin (admin may do everything)
    password_hash = "$argon2id$…"      # `briefing user password zhangsan` prints it
    token_hash = "sha256:…"            # for the API: `briefing user token zhangsan` prints a token and its hash

Passwords are kept only as argon2 hashes, tokens only as SHA-256 digests. Every signed-in person may read;
uploader may upload figures and make briefings; approver may approve or send back briefings; admin may also
retry failed briefings.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import UsageError
from ..i18n import N_, _
from ..settings import Settings, line_of, located, toml_value, unknown_key, wrong_type

ROLES = {"viewer": N_("viewer"), "uploader": N_("uploader"), "approver": N_("approver"), "admin": N_("admin")}
KEYS = ("name", "roles", "role", "password_hash", "token_hash")
TOKEN_PREFIX = "sha256:"


@dataclass(frozen=True)
class User:
    login: str
    name: str
    roles: frozenset[str]
    password_hash: str | None = None
    token_hash: str | None = None

    def may(self, role: str) -> bool:
        """Whether the user holds a role (admin holds them all; everyone signed in is a viewer)."""
        return role == "viewer" or "admin" in self.roles or role in self.roles

    @property
    def role_words(self) -> str:
        return "、".join(_(ROLES[r]) for r in ROLES if r in self.roles) or _(ROLES["viewer"])


def load(settings: Settings) -> dict[str, User]:
    """The users of the config file, each table checked; an error names the file, the line and the key."""
    tables = settings.sections.get("users", {})
    text = settings.path.read_text(encoding="utf-8") if settings.path else ""

    def fail(path: tuple, message: str, hint: str | None = None):
        where = located(settings.path, line_of(text, "users", *path) or line_of(text, "users", path[0]))
        raise UsageError(_("{where}: {message}").format(where=where, message=message),
                         hint or _("See docs/web.md, 'Users and roles'."))

    if not isinstance(tables, dict):
        fail((), _("[users] must hold a table per person, [users.LOGIN]"))
    return {login: _user(login, table, fail) for login, table in tables.items()}


def _user(login: str, table: Any, fail) -> User:
    where = f"[users.{login}]"
    if not isinstance(table, dict):
        fail((login,), _("{where} must be a table").format(where=where))
    for key, value in table.items():
        if key not in KEYS:
            fail((login, key), unknown_key(key, KEYS, where))
        expected = list if key == "roles" else str
        if wrong_type(key, value, expected):
            fail((login, key), _("{where}: {message}").format(where=where, message=wrong_type(key, value, expected)))
    roles = list(table.get("roles", [])) + ([table["role"]] if "role" in table else [])
    for role in roles:
        if role not in ROLES:
            fail((login, "roles" if "roles" in table else "role"),
                 _("{where}: unknown role {role}").format(where=where, role=toml_value(role)),
                 _("Roles: {roles}.").format(roles=", ".join(ROLES)))
    if not table.get("password_hash") and not table.get("token_hash"):
        fail((login,), _("{where} has neither password_hash nor token_hash, so no one can sign in as {login}").format(
            where=where, login=login), _("Make them with `briefing user password {login}` or `briefing user token "
                                         "{login}`.").format(login=login))
    token = table.get("token_hash")
    if token and not (token.startswith(TOKEN_PREFIX) and len(token) == len(TOKEN_PREFIX) + 64):
        fail((login, "token_hash"), _("{where}: token_hash must be sha256: and 64 hexadecimal digits").format(
            where=where), _("Make it with `briefing user token {login}`.").format(login=login))
    return User(login, table.get("name") or login, frozenset(roles), table.get("password_hash") or None, token)


@functools.lru_cache(maxsize=1)
def unknown() -> User:
    """No one, with a password hash no password matches: checking it costs what checking a person's costs (so
    the time of an answer does not tell which logins exist). Made at first use."""
    return User("", "", frozenset(), hash_password(secrets.token_urlsafe(16)))


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def password_ok(user: User, password: str) -> bool:
    """Whether the password is the user's (argon2; a hash that cannot be read never matches)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    if not user.password_hash:
        return False
    try:
        return PasswordHasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A new API token and the digest to keep in the config file."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return TOKEN_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


def by_token(users: Mapping[str, User], token: str) -> User | None:
    """The user whose token this is (compared in constant time), or None."""
    digest = token_digest(token)
    found = None
    for user in users.values():
        if user.token_hash and hmac.compare_digest(user.token_hash, digest):
            found = user
    return found
