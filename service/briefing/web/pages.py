"""The pages people use: server-rendered Chinese HTML (Jinja), usable without JavaScript. Each page reads through
the same functions as the API (reports.py, uploads.py, runs.py, metrics.py); forms that change anything carry
the session's CSRF token (access.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ..errors import BriefingError, Missing, NotSignedIn
from ..i18n import _
from . import metrics, reports, runs, uploads
from .access import csrf_token, need, sign_in
from .render import page
from .users import User

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(need("viewer"))]
Uploader = Annotated[User, Depends(need("uploader"))]
Approver = Annotated[User, Depends(need("approver"))]
PAGE_SIZE = 30
Number = Annotated[int, Path(ge=1, le=2**62)]       # a briefing's number in an address


def _web(request: Request):
    return request.app.state.web


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status: int, message: str, hint: str | None, problems: list[dict],
               headers: dict | None = None) -> Response:
    """An error as a page; a page that needs a sign-in sends the person to the sign-in page instead."""
    if status == 401 and request.method == "GET":
        return _see("/login?" + urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query
                                                                       else "")}))
    return page(request, "error.html", {"status": status, "message": message, "hint": hint, "problems": problems},
                status=status, headers=headers)


# --- signing in ---------------------------------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", {"next": _local(next), "csrf": csrf_token(request)})


@router.post("/login")
async def login(request: Request, login: Annotated[str, Form(max_length=100)],
                password: Annotated[str, Form(max_length=1000)], next: Annotated[str, Form(max_length=2000)] = "/",
                csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    from .access import check_csrf

    await check_csrf(request)
    try:
        sign_in(request, login.strip(), password)
    except NotSignedIn as exc:
        return page(request, "login.html", {"next": _local(next), "csrf": csrf_token(request), "error": exc.message,
                                            "login": login}, status=401)
    return _see(_local(next))


@router.post("/logout")
def logout(request: Request, user: Viewer) -> RedirectResponse:
    """Sign out: this person's sessions end, on this computer and on any other (a copied cookie included)."""
    web = _web(request)
    web.sign_outs.mark(user.login, web.clock())
    request.session.clear()
    return _see("/login")


def _local(url: str) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/"


# --- the archive ----------------------------------------------------------------------------------------------

@router.get("/")
def archive(request: Request, user: Viewer, template: str = "", region: str = "", first: str = "", last: str = "",
            status: str = "", q: str = "", page_no: int = 1) -> HTMLResponse:
    web = _web(request)
    asked = {"template": template, "region": region, "first": first, "last": last, "status": status, "q": q}
    page_no = max(1, min(page_no, 10**6))
    with web.store() as store:
        found, total = reports.find(store, web.settings, template=template, region=region, first=first, last=last,
                                    status=status if status in reports.STATE_WORDS else None, text=q,
                                    limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE)
        offered = reports.choices(store, web.settings)
    pages = max(1, -(-total // PAGE_SIZE))
    link = {n: "/?" + urlencode({**{k: v for k, v in asked.items() if v}, "page_no": n}) for n in range(1, pages + 1)}
    return page(request, "archive.html", {"found": found, "total": total, "asked": asked, "offered": offered,
                                          "page_no": page_no, "pages": pages, "links": link,
                                          "states": reports.STATE_WORDS})


@router.get("/reports/{report_id}")
def report(request: Request, user: Viewer, report_id: Number) -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        shown = reports.detail(store, web.settings, reports.get(store, report_id), web.tz)
    return page(request, "report.html", {"r": shown, "may_approve": user.may("approver")})


@router.get("/reports/{report_id}/compare/{other_id}")
def compare(request: Request, user: Viewer, report_id: Number, other_id: Number) -> HTMLResponse:
    """Two versions of a briefing side by side (an earlier one and its 更正版, or a remake)."""
    web = _web(request)
    with web.store() as store:
        left, right = reports.get(store, report_id), reports.get(store, other_id)
        if left.key != right.key:
            raise Missing(_("briefings #{id} and #{other} are not versions of one briefing").format(
                id=report_id, other=other_id))
        shown = [reports.summary(r, web.tz, reports.title_of(store, r, web.settings)) for r in (left, right)]
    return page(request, "compare.html", {"pair": shown})


@router.get("/reports/{report_id}/preview")
def preview(request: Request, user: Viewer, report_id: Number) -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        html = reports.preview(store, web.settings, report_id)
    return HTMLResponse(html, headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                                  "img-src data:; frame-ancestors 'self'"})


@router.get("/reports/{report_id}/files/{fmt}")
def download(request: Request, user: Viewer, report_id: Number, fmt: str) -> FileResponse:
    web = _web(request)
    with web.store() as store:
        path, name, media = reports.file_of(store, web.settings, report_id, fmt)
    return FileResponse(path, media_type=media, filename=name)


@router.post("/reports/{report_id}/approve")
def approve(request: Request, user: Approver, report_id: Number,
            comment: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    web = _web(request)
    with web.store() as store:
        reports.approve(store, web, report_id, user, comment)
    return _see(f"/reports/{report_id}")


@router.post("/reports/{report_id}/send-back")
def send_back(request: Request, user: Approver, report_id: Number,
              comment: Annotated[str, Form(max_length=2000)] = "") -> RedirectResponse:
    web = _web(request)
    with web.store() as store:
        reports.send_back(store, web, report_id, user, comment)
    return _see(f"/reports/{report_id}")


@router.get("/approvals")
def approvals(request: Request, user: Viewer) -> HTMLResponse:
    from ..archive.approvals import Approvals

    web = _web(request)
    with web.store() as store:
        waiting = [reports.summary(r, web.tz, reports.title_of(store, r, web.settings), "pending")
                   for r in Approvals(store).waiting()]
    return page(request, "approvals.html", {"waiting": waiting})


# --- making one now -------------------------------------------------------------------------------------------

@router.get("/make")
def make_form(request: Request, user: Uploader) -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        offered = reports.choices(store, web.settings, web.schedules)
    return page(request, "make.html", {"offered": offered})


@router.post("/make")
def make(request: Request, user: Uploader, template: Annotated[str, Form(max_length=100)],
         period: Annotated[str, Form(max_length=40)] = "", region: Annotated[str, Form(max_length=100)] = "",
         as_of: Annotated[str, Form(max_length=40)] = "", submit_to: Annotated[str, Form(max_length=100)] = "",
         formats: Annotated[list[str], Form()] = ["docx", "html"]) -> RedirectResponse:  # noqa: B006
    web = _web(request)
    schedule = reports.for_sign_off(web.schedules, submit_to)
    job = web.jobs.start(user.login, reports.make_now, template, period or None, region or None,
                         reports.as_of_moment(as_of, web.tz), tuple(formats) or ("docx",), "simplified",
                         (schedule, user.name) if schedule else None)
    return _see(f"/jobs/{job}")


@router.get("/jobs/{job_id}")
def job(request: Request, user: Uploader, job_id: str) -> Response:
    web = _web(request)
    state = web.jobs.get(job_id, user.login)
    if state.report_id is not None:
        return _see(f"/reports/{state.report_id}")
    return page(request, "job.html", {"job": state}, status=422 if state.error else 200,
                headers=None if state.finished else {"Refresh": "1"})


# --- uploading figures ----------------------------------------------------------------------------------------

@router.get("/upload")
def upload_form(request: Request, user: Uploader) -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        offered = reports.choices(store, web.settings)
    return page(request, "upload.html", {"offered": offered, "max_mb": web.settings.max_upload_mb,
                                         "types": " ".join(uploads.SUFFIXES)})


@router.post("/upload")
def upload(request: Request, user: Uploader, file: Annotated[UploadFile, File()],
           period: Annotated[str, Form(max_length=40)] = "", region: Annotated[str, Form(max_length=100)] = ""
           ) -> HTMLResponse:
    web = _web(request)
    kept = uploads.stage(web.uploads, file.file, file.filename or "", user.login, web.settings.max_upload_mb,
                         period, region)
    with web.store() as store:
        result = uploads.checked(kept, uploads.check(store, web.settings, kept))
    return page(request, "checked.html", {"result": result})


@router.post("/upload/{token}/commit")
def commit(request: Request, user: Uploader, token: str) -> HTMLResponse:
    web = _web(request)
    kept = uploads.staged(web.uploads, token, user.login)
    with web.store() as store:
        result = uploads.imported(kept, uploads.commit(store, web.settings, web.uploads, kept))
    return page(request, "imported.html", {"result": result})


@router.post("/upload/{token}/discard")
def discard(request: Request, user: Uploader, token: str) -> RedirectResponse:
    web = _web(request)
    uploads.discard(web.uploads, uploads.staged(web.uploads, token, user.login))
    return _see("/upload")


@router.get("/upload/form")
def fill_in_form(request: Request, user: Uploader, period: str = "", region: str = "") -> Response:
    web = _web(request)
    with web.store() as store:
        name, data = uploads.fill_in_form(store, period or None, region or None, datetime.now(web.tz))
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


# --- schedules and metrics ------------------------------------------------------------------------------------

@router.get("/schedules")
def schedules(request: Request, user: Viewer) -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        found = runs.schedules(store, web.settings, web.schedules)
        latest = runs.latest(store, web.tz, limit=30)
    return page(request, "schedules.html", {"schedules": found, "runs": latest, "may_retry": user.may("admin")})


@router.post("/runs/{report_id}/retry")
def retry(request: Request, user: Annotated[User, Depends(need("admin"))], report_id: Number) -> RedirectResponse:
    web = _web(request)
    with web.store() as store:
        runs.retry(store, web.settings, web.schedules, report_id)
    return _see("/schedules")


@router.get("/metrics")
def metric(request: Request, user: Viewer, indicator: str = "", region: str = "") -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        offered = metrics.indicators(store)
        regions = reports.choices(store, web.settings)["regions"]
        chosen = indicator or (offered[0]["code"] if offered else "")
        try:
            shown = metrics.series(store, chosen, region or None) if chosen else None
            problem = None
        except BriefingError as exc:
            shown, problem = None, exc.message
    return page(request, "metrics.html", {"indicators": offered, "regions": regions, "series": shown,
                                          "chart": metrics.svg(shown) if shown else "", "problem": problem,
                                          "asked": {"indicator": chosen, "region": region}})

