"""The web app: the pages (pages.py) and the HTTP API under /api (api.py) on one FastAPI application.

Everything a person or a program can do goes through the same functions of the wings below (the archive,
ingest, delivery), with the same errors: an API error is JSON of one shape, ``{"error": {"type", "message",
"hint", "problems"}}``, with the messages the command line prints; a page shows the same message in Chinese.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from .. import errors
from ..archive.schedules import Schedule
from ..i18n import _
from ..settings import Settings
from ..store.db import Store
from . import users as users_mod
from .access import Attempts, SignOuts
from .guard import Guard
from .jobs import Jobs

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SHOWN_PROBLEMS = 1000      # the problems an answer lists (a file with more: the first ones, and how many in all)
STATUS = (   # the HTTP status of each error, the first class that matches
    (errors.NotSignedIn, 401), (errors.NotAllowed, 403), (errors.TooManyAttempts, 429), (errors.TooLarge, 413),
    (errors.NotFound, 404), (errors.Missing, 404),
    (errors.OutsideArchive, 404), (errors.InputError, 422), (errors.TemplateError, 422), (errors.Waiting, 409),
    (errors.LostClaim, 409), (errors.StoreError, 503), (errors.UsageError, 400), (errors.BriefingError, 422))
TYPES = {401: "not_signed_in", 403: "not_allowed", 404: "not_found", 405: "method_not_allowed", 409: "conflict",
         413: "too_large", 422: "invalid", 429: "too_many_attempts", 400: "bad_request", 500: "internal_error",
         503: "unavailable"}


@dataclass
class Web:
    """What every request reaches through ``request.app.state.web``."""

    settings: Settings
    users: dict[str, users_mod.User]
    schedules: list[Schedule]
    clock: Callable[[], float] = time.time
    attempts: Attempts = field(default_factory=Attempts)
    sign_outs: SignOuts | None = None
    jobs: "Jobs | None" = None

    def store(self) -> Store:
        return Store(self.settings.db, busy_timeout_ms=self.settings.busy_timeout_ms, create=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def uploads(self) -> Path:
        return Path(self.settings.db).resolve().parent / "uploads"


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies: the secret_key setting, else one made once and kept (mode 0600) in
    web-secret beside the database, so sign-ins outlive a restart."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.db).resolve().parent / "web-secret"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key + "\n")
        return key


def create_app(settings: Settings, schedules: list[Schedule], attempts: Attempts | None = None,
               clock: Callable[[], float] = time.time) -> FastAPI:
    from . import api, pages

    web = Web(settings, users_mod.load(settings), schedules, clock, attempts or Attempts())
    # no /api/docs page: FastAPI's takes its script from a CDN, which an office network often cannot reach
    app = FastAPI(title=_("Briefings"), version=_software(), docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description=_("Find, read, make and approve briefings, and upload figures (docs/web.md)."))
    web.jobs = Jobs(web.store, settings)
    web.sign_outs = SignOuts(Path(settings.db).resolve().parent / "web-signouts.json")
    app.state.web = web
    app.add_middleware(SessionMiddleware, secret_key=secret_key(settings), session_cookie="briefing_session",
                       max_age=settings.session_hours * 3600, same_site="strict",
                       https_only=settings.public_url.startswith("https://"))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_middleware(Guard, max_upload_mb=settings.max_upload_mb)   # outermost: before anything reads the body
    app.add_exception_handler(errors.BriefingError, _briefing_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        """ok while the database can be read (a load balancer or watchdog asks); 503 otherwise."""
        try:
            with web.store() as store:
                store.db.execute("SELECT 1 FROM _migrations LIMIT 1").fetchall()
        except (errors.BriefingError, OSError) as exc:
            return JSONResponse({"status": "unavailable", "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app


def _software() -> str:
    from ..archive.produce import software_version

    return software_version()


def error_body(status: int, message: str, hint: str | None = None, problems: list[dict] | None = None) -> dict:
    return {"error": {"type": TYPES.get(status, "error"), "message": message, "hint": hint,
                      "problems": problems or []}}


def status_of(exc: errors.BriefingError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


def _problems(exc: errors.BriefingError) -> list[dict]:
    if not isinstance(exc, errors.InputError):
        return []
    return [{"file": p.file, "row": p.row, "column": p.column, "message": p.message, "text": str(p)}
            for p in exc.problems[:SHOWN_PROBLEMS]]


async def _briefing_error(request: Request, exc: errors.BriefingError) -> Response:
    status = status_of(exc)
    headers = {"Retry-After": str(exc.seconds)} if isinstance(exc, errors.TooManyAttempts) else None
    said = exc.message.split("\n", 1)[0] if isinstance(exc, errors.InputError) else exc.message   # the rest: problems
    return _answer(request, status, said, exc.hint, _problems(exc), headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    problems = [{"file": None, "row": None, "column": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                 "message": e.get("msg", "")} for e in exc.errors()]
    said = "、".join(dict.fromkeys(p["column"] or "body" for p in problems))    # the details: in problems
    return _answer(request, 422, _("the request is not valid: {problems}").format(problems=said),
                   _("See the API's schema at /api/openapi.json."), problems)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc.__cause__, errors.BriefingError):    # FastAPI's "error parsing the body" of one of ours
        return await _briefing_error(request, exc.__cause__)
    message = {400: _("the request's body cannot be read (it is not valid JSON or form data)"),
               404: _("there is no such page or file"), 405: _("this address does not take that method"),
               413: _("the file is too large")}.get(exc.status_code, str(exc.detail))
    return _answer(request, exc.status_code, message, None, [], getattr(exc, "headers", None))


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error answering %s %s", request.method, request.url.path)
    return _answer(request, 500, _("internal error: {kind}").format(kind=exc.__class__.__name__),
                   _("It is in the service's log; please report it."), [])


def _answer(request: Request, status: int, message: str, hint: str | None, problems: list[dict],
            headers: dict | None = None) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(error_body(status, message, hint, problems), status_code=status, headers=headers)
    from .pages import error_page

    return error_page(request, status, message, hint, problems, headers)
