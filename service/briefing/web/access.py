"""Who is asking, and may they: the signed-in person of a session cookie or the owner of an API token, the
role a request needs, the CSRF token of forms, and the limit on wrong passwords.

A session is a signed cookie (Starlette's SessionMiddleware, itsdangerous) holding the login, when the person
signed in and a random CSRF token; a form that changes anything must carry that token (a hidden field), and a
script using the session must send it as the X-CSRF-Token header. A request with an API token (Authorization:
Bearer) carries no cookie, so it needs no CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Callable

from fastapi import Request

from ..errors import NotAllowed, NotSignedIn, TooManyAttempts
from ..i18n import _
from .users import User, by_token

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def bearer(request: Request) -> str | None:
    said = request.headers.get("authorization", "")
    scheme, _space, token = said.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request) -> User | None:
    """The person asking: the owner of the request's API token, else the session's signed-in person (while the
    sign-in lasts and the person is still in the config file)."""
    web = request.app.state.web
    token = bearer(request)
    if token is not None:
        return by_token(web.users, token)
    session = request.session
    login, at = session.get("login"), session.get("at", 0)
    if login is None:
        return None
    if web.clock() - at > web.settings.session_hours * 3600 or login not in web.users:
        session.clear()
        return None
    return web.users[login]


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
    """Wrong passwords remembered for a while, by login and by address: after ``most`` for a login (``by_address``
    from one address: behind a proxy, the whole office shares one) within ``window`` seconds, signing in is
    refused until the oldest of them is that old (even with the right password)."""

    def __init__(self, most: int = 5, window: int = 300, clock: Callable[[], float] = time.monotonic,
                 by_address: int = 30):
        self.most, self.window, self.clock, self.by_address = most, window, clock, by_address
        self._wrong: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                seen = self._wrong[key]
                while seen and now - seen[0] >= self.window:
                    seen.popleft()
                if len(seen) >= (self.by_address if key.startswith("address:") else self.most):
                    raise TooManyAttempts(max(1, int(self.window - (now - seen[0]) + 0.999)))

    def wrong(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._wrong[key].append(now)

    def right(self, login: str) -> None:
        with self._lock:
            self._wrong.pop(f"login:{login}", None)


def sign_in(request: Request, login: str, password: str) -> User:
    """Check a login and password (after the limit on wrong ones) and start the session."""
    from .users import password_ok

    web = request.app.state.web
    keys = (f"login:{login}", f"address:{request.client.host if request.client else '?'}")
    web.attempts.check(*keys)
    user = web.users.get(login)
    if user is None or not password_ok(user, password):
        web.attempts.wrong(*keys)
        web.attempts.check(*keys)
        raise NotSignedIn(_("wrong login or password"))
    web.attempts.right(login)
    request.session.clear()
    request.session.update({"login": login, "at": web.clock(), CSRF_FIELD: secrets.token_urlsafe(24)})
    return user
