"""Who is asking, and may they: the signed-in person of a session cookie or the owner of an API token, the
role a request needs, the CSRF token of forms, and the limit on wrong passwords.

A session is a signed cookie (Starlette's SessionMiddleware, itsdangerous) holding the login, when the person
signed in and a random CSRF token; a form that changes anything must carry that token (a hidden field), and a
script using the session must send it as the X-CSRF-Token header. A request with an API token (Authorization:
Bearer) carries no cookie, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Callable

from fastapi import Request

from ..errors import NotAllowed, NotSignedIn, TooManyAttempts
from ..i18n import _
from .users import User, by_token, unknown

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ASKING = "briefing.user"                   # where a request keeps who is asking, once worked out


def bearer(request: Request) -> str | None:
    said = request.headers.get("authorization", "")
    scheme, _space, token = said.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request) -> User | None:
    """The person asking: the owner of the request's API token, else the session's signed-in person (while the
    sign-in lasts and the person is still in the config file). Worked out once a request (the role check and the
    page both ask), unless the session was asked for before it was read."""
    if "session" not in request.scope:       # an answer made before the session was read (a server error)
        return _asking(request)
    if ASKING not in request.scope:
        request.scope[ASKING] = _asking(request)
    return request.scope[ASKING]


def _asking(request: Request) -> User | None:
    web = request.app.state.web
    token = bearer(request)
    if token is not None:
        return by_token(web.users, token)
    if "session" not in request.scope:       # an answer made before the session was read (a server error)
        return None
    session = request.session
    login, at = session.get("login"), session.get("at", 0)
    if login is None:
        return None
    if web.clock() - at > web.settings.session_hours * 3600 or login not in web.users or \
            at <= web.sign_outs.last(login):
        session.clear()
        return None
    return web.users[login]


class SignOuts:
    """When each person last signed out, kept in a file beside the database: a session cookie is signed, not
    stored, so a copy of one made before would otherwise still work after 退出 (and after a restart). Read again
    when the file changes, so a sign-out in one process (serve) holds in another (web)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple | None = None
        self._at: dict[str, float] = {}

    def _fresh(self) -> dict[str, float]:
        try:
            stat = self.path.stat()
            changed = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            return self._at
        if changed != self._seen:
            try:
                self._at = {k: float(v) for k, v in json.loads(self.path.read_text(encoding="utf-8")).items()}
            except (OSError, ValueError, AttributeError):
                pass
            self._seen = changed
        return self._at

    def last(self, login: str) -> float:
        return self._fresh().get(login, float("-inf"))

    def mark(self, login: str, at: float) -> None:
        """Every session of the person begun up to now ends (on every computer)."""
        with self._lock:
            self._at = {**self._fresh(), login: at}
            temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(self._at), encoding="utf-8")
            os.replace(temporary, self.path)


def need(role: str) -> Callable[[Request], User]:
    """A FastAPI dependency: the person asking, who must hold the role (401 when no one is signed in, 403 when
    the role is missing); for a request that changes anything through a session, a valid CSRF token too."""

    async def check(request: Request) -> User:
        user = current_user(request)
        if user is None:
            raise NotSignedIn(_("the API token is not valid") if bearer(request) else None)
        if request.method in UNSAFE and bearer(request) is None:
            await check_csrf(request)
        if not user.may(role):
            raise NotAllowed(user.login, role)
        return user

    check.__name__ = f"need_{role}"
    return check


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made when first asked for)."""
    if CSRF_FIELD not in request.session:
        request.session[CSRF_FIELD] = secrets.token_urlsafe(24)
    return request.session[CSRF_FIELD]


async def check_csrf(request: Request) -> None:
    expected = request.session.get(CSRF_FIELD)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        given = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(given, str) or not hmac.compare_digest(expected, given):
        raise NotAllowedForm()


class NotAllowedForm(NotSignedIn):
    """A form sent without the page's CSRF token (an old page, or another site posting it): sign in again."""

    def __init__(self):
        super().__init__(_("the form has expired or did not come from this site; open the page again and resend it"))


class Attempts:
    """Wrong passwords remembered for a while: after ``most`` for a login from one address, or ``by_address``
    from an address (any logins: behind a proxy the whole office shares one), or ``by_login`` for a login from
    anywhere, within ``window`` seconds, signing in is refused until the oldest of them is that old (even with
    the right password). A stranger guessing from elsewhere does not lock a person out at their own desk, unless
    from many addresses at once."""

    def __init__(self, most: int = 5, window: int = 300, clock: Callable[[], float] = time.monotonic,
                 by_address: int = 30, by_login: int = 50):
        self.most, self.window, self.clock = most, window, clock
        self.limits = {"pair": most, "address": by_address, "login": by_login}
        self._wrong: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                seen = self._wrong.get(key)
                while seen and now - seen[0] >= self.window:
                    seen.popleft()
                if seen is not None and not seen:
                    del self._wrong[key]
                elif seen and len(seen) >= self.limits[key.split(":", 1)[0]]:
                    raise TooManyAttempts(max(1, int(self.window - (now - seen[0]) + 0.999)))

    def wrong(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._wrong[key].append(now)
            for key in [k for k, seen in self._wrong.items() if not seen or now - seen[-1] >= self.window]:
                del self._wrong[key]       # forgotten once they no longer count (a stranger's made-up logins)

    def right(self, *keys: str) -> None:
        with self._lock:
            self._wrong.pop(keys[0], None)    # the pair: this person at this address got it right


def sign_in(request: Request, login: str, password: str) -> User:
    """Check a login and password (after the limit on wrong ones) and start the session."""
    from .users import password_ok

    web = request.app.state.web
    address = request.client.host if request.client else "?"
    keys = (f"pair:{login}@{address}", f"address:{address}", f"login:{login}")
    web.attempts.check(*keys)
    user = web.users.get(login)
    if not password_ok(user or unknown(), password):      # an unknown login costs the same time as a known one
        web.attempts.wrong(*keys)
        web.attempts.check(*keys)
        raise NotSignedIn(_("wrong login or password"))
    web.attempts.right(*keys)
    request.session.clear()
    request.session.update({"login": login, "at": web.clock(), CSRF_FIELD: secrets.token_urlsafe(24)})
    return user
