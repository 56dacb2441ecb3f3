"""The HTTP API under /api: the same operations as the pages, as JSON (schema at /api/openapi.json). Programs
authenticate with ``Authorization: Bearer TOKEN`` (docs/web.md); every error is ``{"error": {"type", "message",
"hint", "problems"}}`` (app.py)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, Field

from ..i18n import _
from . import metrics, reports, runs, uploads
from .access import need
from .users import User

router = APIRouter(prefix="/api", tags=["briefing"])
Viewer = Annotated[User, Depends(need("viewer"))]
Uploader = Annotated[User, Depends(need("uploader"))]
Approver = Annotated[User, Depends(need("approver"))]
Admin = Annotated[User, Depends(need("admin"))]
ReportId = Annotated[int, Field(ge=1, le=2**62)]


class MakeRequest(BaseModel):
    template: str = Field(min_length=1, max_length=100, description="A template's key (see /api/choices).")
    period: str | None = Field(None, max_length=40, description="e.g. 2024-W02; empty: the last complete one.")
    region: str | None = Field(None, max_length=100, description="A region's code or name; empty: the top one.")
    as_of: str | None = Field(None, max_length=40, description="The figures as known then: 2024-01-17 or "
                                                                "2024-01-17T09:00; empty: now.")
    formats: list[Literal["docx", "html", "pdf"]] = Field(default_factory=lambda: ["docx", "html"])
    submit_to: str | None = Field(None, max_length=100, description="A schedule that asks for sign-off: the "
                                  "briefing waits for it, then is delivered as that schedule's are.")


class Decision(BaseModel):
    comment: str | None = Field(None, max_length=2000)


def _web(request: Request):
    return request.app.state.web


@router.get("/me", summary="The person the request is made as")
def me(user: Viewer) -> dict:
    return {"login": user.login, "name": user.name, "roles": sorted(user.roles)}


@router.get("/reports", summary="Archived briefings, newest first, filtered and searched")
def list_reports(request: Request, user: Viewer, template: str | None = Query(None, max_length=100),
                 region: str | None = Query(None, max_length=100), first: str | None = Query(None, alias="from",
                                                                                              max_length=40),
                 last: str | None = Query(None, alias="to", max_length=40),
                 status: Literal["claimed", "done", "failed", "waiting", "pruned"] | None = None,
                 q: str | None = Query(None, max_length=200), limit: int = Query(50, ge=1, le=500),
                 offset: int = Query(0, ge=0, le=10**9)) -> dict:
    web = _web(request)
    with web.store() as store:
        found, total = reports.find(store, web.settings, template=template, region=region, first=first, last=last,
                                    status=status, text=q, limit=limit, offset=offset)
    return {"total": total, "items": found}


@router.get("/reports/{report_id}", summary="One briefing: its files, versions, deliveries and sign-off")
def get_report(request: Request, user: Viewer, report_id: ReportId) -> dict:
    web = _web(request)
    with web.store() as store:
        return reports.detail(store, web.settings, reports.get(store, report_id), web.tz)


@router.get("/reports/{report_id}/files/{fmt}", summary="Download a briefing's file",
            response_class=FileResponse, responses={200: {"content": {m: {} for m in reports.MEDIA.values()}}})
def download(request: Request, user: Viewer, report_id: ReportId, fmt: str):
    web = _web(request)
    with web.store() as store:
        path, name, media = reports.file_of(store, web.settings, report_id, fmt)
    return FileResponse(path, media_type=media, filename=name)


@router.get("/reports/{report_id}/preview", summary="A briefing as HTML", response_class=HTMLResponse)
def preview(request: Request, user: Viewer, report_id: ReportId) -> HTMLResponse:
    web = _web(request)
    with web.store() as store:
        return HTMLResponse(reports.preview(store, web.settings, report_id),
                            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                                "img-src data:"})


@router.post("/reports", status_code=201, summary="Make a briefing now and archive it")
def make(request: Request, user: Uploader, body: MakeRequest) -> dict:
    web = _web(request)
    schedule = reports.for_sign_off(web.schedules, body.submit_to)
    with web.store() as store:
        made = reports.make_now(store, web.settings, body.template, body.period, body.region,
                                reports.as_of_moment(body.as_of, web.tz), tuple(body.formats), "simplified",
                                (schedule, user.name) if schedule else None)
        return {**reports.detail(store, web.settings, made.report, web.tz), "took_ms": round(made.ms)}


@router.get("/choices", summary="The templates, regions and formats a briefing can be made with")
def choices(request: Request, user: Viewer) -> dict:
    web = _web(request)
    with web.store() as store:
        return reports.choices(store, web.settings, web.schedules)


@router.post("/reports/{report_id}/approve", summary="Approve a briefing awaiting sign-off; it is then delivered")
def approve(request: Request, user: Approver, report_id: ReportId, body: Decision | None = None) -> dict:
    web = _web(request)
    with web.store() as store:
        queued = reports.approve(store, web, report_id, user, body.comment if body else None)
    return {"id": report_id, "sign_off": "approved", "queued": queued}


@router.post("/reports/{report_id}/send-back", summary="Send a briefing back with a comment; it is not delivered")
def send_back(request: Request, user: Approver, report_id: ReportId, body: Decision) -> dict:
    web = _web(request)
    with web.store() as store:
        reports.send_back(store, web, report_id, user, body.comment or "")
    return {"id": report_id, "sign_off": "returned"}


@router.post("/uploads", summary="Upload figures: checked, nothing written until committed")
def upload(request: Request, user: Uploader, file: Annotated[UploadFile, File()],
           period: Annotated[str | None, Form(max_length=40)] = None,
           region: Annotated[str | None, Form(max_length=100)] = None) -> dict:
    web = _web(request)
    kept = uploads.stage(web.uploads, file.file, file.filename or "", user.login, web.settings.max_upload_mb,
                         period, region)
    with web.store() as store:
        return uploads.checked(kept, uploads.check(store, web.settings, kept))


@router.post("/uploads/{token}/commit", summary="Import an upload that was checked")
def commit(request: Request, user: Uploader, token: Annotated[str, Field(max_length=100)]) -> dict:
    web = _web(request)
    kept = uploads.staged(web.uploads, token, user.login)
    with web.store() as store:
        return uploads.imported(kept, uploads.commit(store, web.settings, web.uploads, kept))


@router.delete("/uploads/{token}", summary="Forget an upload without importing it")
def discard(request: Request, user: Uploader, token: Annotated[str, Field(max_length=100)]) -> dict:
    web = _web(request)
    uploads.discard(web.uploads, uploads.staged(web.uploads, token, user.login))
    return {"token": token, "discarded": True}


@router.get("/schedules", summary="The schedules: next runs, last results, failures")
def schedules(request: Request, user: Viewer) -> list[dict]:
    web = _web(request)
    with web.store() as store:
        return runs.schedules(store, web.settings, web.schedules)


@router.get("/runs", summary="The latest briefings made, failed or waiting")
def list_runs(request: Request, user: Viewer, failed: bool = False, limit: int = Query(50, ge=1, le=500)) -> list:
    web = _web(request)
    with web.store() as store:
        return runs.latest(store, web.tz, failed, limit)


@router.post("/runs/{report_id}/retry", summary="Try a failed or waiting scheduled briefing again now")
def retry(request: Request, user: Admin, report_id: ReportId) -> dict:
    web = _web(request)
    with web.store() as store:
        return runs.retry(store, web.settings, web.schedules, report_id)


@router.get("/indicators", summary="The indicators of the catalog")
def indicators(request: Request, user: Viewer) -> list[dict]:
    web = _web(request)
    with web.store() as store:
        return metrics.indicators(store)


@router.get("/metrics", summary="An indicator's figures by period for a region")
def series(request: Request, user: Viewer, indicator: str = Query(max_length=100),
           region: str | None = Query(None, max_length=100), last: int = Query(24, ge=1, le=400)) -> dict:
    web = _web(request)
    with web.store() as store:
        return metrics.series(store, indicator, region, last)


@router.get("/", include_in_schema=False)
def index() -> dict:
    return {"message": _("The API of the briefing service; its schema is at /api/openapi.json.")}
