"""The HTTP API on the real server (127.0.0.1): round trips with an API token and with a signed-in session, one
error shape, roles (401/403), files by report id only (404 for anything else), an upload checked before anything
is written, and sign-off gating delivery. On the sample office and on a generated one that shares no name with it."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import web_server
from web_server import PASSWORDS, TOKEN

from briefing.archive import schedules as schedules_mod
from briefing.archive.runner import Runner
from briefing.delivery.deliver import Deliverer
from briefing.store.db import Store

site, other_site = web_server.site, web_server.other_site     # the fixtures
BEARER = {"Authorization": f"Bearer {TOKEN}"}
NOW = {"sample": "2024-01-17T12:00:00+08:00", "other": "2024-03-27T12:00:00+08:00"}
PERIOD = {"sample": "2024-W02", "other": "2024-W12"}


@pytest.fixture(params=["sample", "other"])
def any_site(request):
    return request.param, request.getfixturevalue("site" if request.param == "sample" else "other_site")


def api(site, method: str, path: str, **kw):
    import requests

    return requests.request(method, site.url + path, timeout=60, **kw)


def counts(db: Path) -> tuple:
    with sqlite3.connect(db) as c:
        return (c.execute("SELECT COUNT(*) FROM observations").fetchone()[0],
                c.execute("SELECT COUNT(*) FROM batches").fetchone()[0])


def test_health_and_schema_need_no_sign_in(site):
    assert api(site, "GET", "/healthz").json() == {"status": "ok"}
    schema = api(site, "GET", "/api/openapi.json").json()
    assert {"/api/reports", "/api/reports/{report_id}/files/{fmt}", "/api/uploads", "/api/schedules",
            "/api/runs", "/api/reports/{report_id}/approve"} <= set(schema["paths"])


def test_generate_list_and_download_byte_identical_to_the_archived_file(any_site):
    office, site = any_site
    made = api(site, "POST", "/api/reports", headers=BEARER,
               json={"template": "weekly", "period": PERIOD[office], "formats": ["docx", "html"]})
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["status"] == "done" and report["period"] == PERIOD[office]
    found = api(site, "GET", "/api/reports", headers=BEARER, params={"template": "weekly"}).json()
    assert report["id"] in [r["id"] for r in found["items"]] and found["total"] >= 1
    docx = api(site, "GET", f"/api/reports/{report['id']}/files/docx", headers=BEARER)
    assert docx.status_code == 200
    on_disk = next(Path(site.folder / "archive").rglob("*.docx")).read_bytes()
    assert docx.content == on_disk
    assert hashlib.sha256(docx.content).hexdigest() == next(f["sha256"] for f in report["files"]
                                                            if f["format"] == "docx")
    assert "attachment" in docx.headers["content-disposition"]
    preview = api(site, "GET", f"/api/reports/{report['id']}/preview", headers=BEARER)
    assert preview.status_code == 200 and site.region[:2] in preview.text


@pytest.mark.parametrize("path", [
    "/api/reports/1/files/..%2F..%2F..%2Fetc%2Fpasswd", "/api/reports/1/files/docx%00",
    "/reports/1/files/..%2Fbriefing.toml", "/static/..%2F..%2Fapp.py", "/static/../../briefing.toml",
    "/api/reports/999999/files/docx", "/reports/1/files/%2Fetc%2Fpasswd"])
def test_a_path_in_the_request_never_reaches_a_file(site, path):
    import requests

    made = api(site, "POST", "/api/reports", headers=BEARER, json={"template": "weekly", "period": "2024-W02"})
    assert made.json()["id"] == 1          # briefing #1 is there: only the path can make these 404
    session = site.signed_in("viewer")
    assert session.get(site.url + "/reports/1/files/docx").status_code == 200
    answer = session.get(site.url + path, headers=BEARER if path.startswith("/api") else {})
    assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])
    assert "root:" not in answer.text and "password_hash" not in answer.text
    raw = requests.get(site.url + path, headers=BEARER)
    assert raw.status_code == 404


def test_one_error_shape_and_the_roles(site):
    nobody = api(site, "POST", "/api/reports", json={"template": "weekly"})
    assert nobody.status_code == 401
    assert set(nobody.json()["error"]) == {"type", "message", "hint", "problems"}
    assert nobody.json()["error"]["type"] == "not_signed_in"
    wrong = api(site, "GET", "/api/reports", headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401 and "token" in wrong.json()["error"]["message"]
    viewer = site.signed_in("viewer")
    csrf = site.csrf(viewer)
    refused = viewer.post(site.url + "/api/reports", json={"template": "weekly"}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "not_allowed"
    assert "uploader" in refused.json()["error"]["message"]
    approve = api(site, "POST", "/api/reports/1/approve", headers=BEARER, json={})
    assert approve.status_code == 403
    missing = api(site, "GET", "/api/reports/424242", headers=BEARER)
    assert missing.status_code == 404 and "#424242" in missing.json()["error"]["message"]
    invalid = api(site, "GET", "/api/reports", headers=BEARER, params={"limit": "lots"})
    assert invalid.status_code == 422 and invalid.json()["error"]["problems"][0]["column"] == "limit"


def test_a_session_write_needs_the_csrf_token(site):
    uploader = site.signed_in("uploader")
    without = uploader.post(site.url + "/api/reports", json={"template": "weekly"})
    assert without.status_code == 401 and "form" in without.json()["error"]["message"]
    page = uploader.post(site.url + "/make", data={"template": "weekly"}, allow_redirects=False)
    assert page.status_code == 401


def test_an_upload_with_errors_shows_each_and_writes_nothing(any_site):
    office, site = any_site
    before = counts(site.db)
    bad = ("指标,地区,期间,数值\n"
           f"没有这个指标,{site.region},{PERIOD[office]},12\n"
           f"{'诊疗患者人次' if office == 'sample' else '新增就业人数'},{site.region},{PERIOD[office]},很多\n")
    checked = api(site, "POST", "/api/uploads", headers=BEARER,
                  files={"file": ("本周数据.csv", bad.encode("utf-8"), "text/csv")})
    assert checked.status_code == 200, checked.text
    result = checked.json()
    assert result["ok"] is False and [p["row"] for p in result["problems"]] == [2, 3]
    assert all(p["file"] == "本周数据.csv" for p in result["problems"])
    assert "uploads" not in " ".join(p["text"] for p in result["problems"])
    refused = api(site, "POST", f"/api/uploads/{result['token']}/commit", headers=BEARER)
    assert refused.status_code == 422 and len(refused.json()["error"]["problems"]) == 2
    assert counts(site.db) == before


def test_an_upload_is_written_only_when_committed(any_site):
    office, site = any_site
    name = "诊疗患者人次" if office == "sample" else "新增就业人数"
    region = "扎赉特旗" if office == "sample" else "陈巴尔虎旗"
    good = f"指标,地区,期间,数值\n{name},{region},2024-W13,4321\n"
    before = counts(site.db)
    checked = api(site, "POST", "/api/uploads", headers=BEARER,
                  files={"file": ("第13周.csv", good.encode("utf-8"), "text/csv")}).json()
    assert checked["ok"] and checked["tables"][0]["added"] == 1
    assert counts(site.db) == before
    done = api(site, "POST", f"/api/uploads/{checked['token']}/commit", headers=BEARER)
    assert done.status_code == 200 and done.json()["tables"][0]["added"] == 1
    assert counts(site.db)[0] == before[0] + 1
    again = api(site, "POST", f"/api/uploads/{checked['token']}/commit", headers=BEARER)
    assert again.status_code == 404


@pytest.mark.parametrize("name, data", [("周报模板.docx", b"PK\x03\x04 not figures"), ("body.md", b"{{ x }}"),
                                        ("..\\..\\evil.csv", b"")])
def test_templates_other_files_and_empty_uploads_are_refused(site, name, data):
    answer = api(site, "POST", "/api/uploads", headers=BEARER, files={"file": (name, data)})
    assert answer.status_code == 400, answer.text
    assert not [p for p in (site.db.parent / "uploads").rglob("*") if p.is_file()]


def test_an_upload_over_the_limit_is_refused_and_not_kept(site):
    big = b"a,b\n" + b"1,2\n" * (21 * 1024 * 1024 // 4)
    answer = api(site, "POST", "/api/uploads", headers=BEARER, files={"file": ("大.csv", big)})
    assert answer.status_code == 413 and "20 MB" in answer.json()["error"]["message"]
    assert answer.json()["error"]["type"] == "too_large"
    assert not [p for p in (site.db.parent / "uploads").rglob("*") if p.is_file()]


def test_an_upload_that_hides_its_size_is_cut_off_at_the_limit(site):
    def chunks():          # sent in chunks, without a Content-Length: only the copy's own count stops it
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\na,b\r\n"
        for _ in range(21 * 16):
            yield b"1,2\n" * (64 * 1024 // 4)
        yield b"\r\n--b--\r\n"
    answer = api(site, "POST", "/api/uploads", data=chunks(),
                 headers={**BEARER, "Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413 and "20 MB" in answer.json()["error"]["message"]
    assert not [p for p in (site.db.parent / "uploads").rglob("*") if p.is_file()]


FORM, JSON = "application/x-www-form-urlencoded", "application/json"


@pytest.mark.parametrize("path, kind", [("/login", FORM), ("/make", FORM), ("/api/reports", JSON),
                                        ("/reports/1/send-back", FORM), ("/upload", "multipart/form-data; boundary=b")])
def test_no_one_makes_the_server_read_a_large_body_where_a_form_is_expected(site, path, kind):
    """Someone not signed in sends 1 MB where a form is read: refused once 64 KB have come, whether or not the
    request says its length (the whole of it would otherwise be read, or spooled to a temporary file)."""
    def chunks():
        for _ in range(16):
            yield b"login=" + b"x" * (64 * 1024)
    limit = 64 * 1024 if path != "/upload" else 20 * 1024 * 1024 + 64 * 1024
    answer = api(site, "POST", path, data=chunks(), headers={"Content-Type": kind})
    said = api(site, "POST", path, data=b"x" * (limit + 1), headers={"Content-Type": kind})
    if path == "/upload":       # an upload may be 20 MB: 1 MB is read (and refused for want of a sign-in)
        assert answer.status_code in (400, 401) and said.status_code == 413
    else:
        assert answer.status_code == 413 and said.status_code == 413, (answer.text, said.text)


def test_every_answer_keeps_other_sites_from_framing_it(site):
    answer = api(site, "GET", "/login")
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN" and answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"     # a shared computer's back button shows no page
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def _make_scheduled(site, office: str) -> int:
    s = site.settings
    found = schedules_mod.load(s.sections.get("schedule"), s.path)
    with Store(site.db) as store:
        runner = Runner(store, s, found)
        deliverer = Deliverer(store, s, found)
        runner.delivery = deliverer
        runner.run_due(datetime.fromisoformat(NOW[office]))
        return runner.ledger.find("schedule = ?", ["周报审核"])[-1].id


def _drain(site) -> None:
    s = site.settings
    with Store(site.db) as store:
        Deliverer(store, s, schedules_mod.load(s.sections.get("schedule"), s.path)).drain()


def test_sign_off_gates_delivery(any_site):
    office, site = any_site
    report_id = _make_scheduled(site, office)
    _drain(site)
    assert not list(site.share.iterdir()), "delivered before sign-off"
    shown = api(site, "GET", f"/api/reports/{report_id}", headers=BEARER).json()
    assert shown["sign_off"] == "pending"
    approver = site.signed_in("approver")
    csrf = site.csrf(approver)
    done = approver.post(site.url + f"/api/reports/{report_id}/approve", json={"comment": "同意"},
                         headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.json()["queued"] == 1
    _drain(site)
    assert [p.suffix for p in site.share.iterdir()] == [".docx"]
    shown = api(site, "GET", f"/api/reports/{report_id}", headers=BEARER).json()
    assert shown["sign_off"] == "approved"
    assert shown["approvals"][-1]["by"] == "孙主任" and shown["approvals"][-1]["comment"] == "同意"
    twice = approver.post(site.url + f"/api/reports/{report_id}/approve", json={}, headers={"X-CSRF-Token": csrf})
    assert twice.status_code == 400


def test_sent_back_is_never_delivered(site):
    report_id = _make_scheduled(site, "sample")
    approver = site.signed_in("approver")
    csrf = site.csrf(approver)
    back = approver.post(site.url + f"/api/reports/{report_id}/send-back", json={"comment": "数字有误，请核实"},
                         headers={"X-CSRF-Token": csrf})
    assert back.status_code == 200
    _drain(site)
    assert not list(site.share.iterdir())
    no_reason = approver.post(site.url + f"/api/reports/{report_id}/send-back", json={},
                              headers={"X-CSRF-Token": csrf})
    assert no_reason.status_code in (400, 422)


def test_sign_in_is_refused_after_five_wrong_passwords_even_with_the_right_one(site):
    import requests

    session = requests.Session()
    import re

    for _ in range(5):
        page = session.get(site.url + "/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
        wrong = session.post(site.url + "/login", data={"login": "admin", "password": "guess", "csrf": csrf})
        assert wrong.status_code in (401, 429)
    page = session.get(site.url + "/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    right = session.post(site.url + "/login", data={"login": "admin", "password": PASSWORDS["admin"],
                                                    "csrf": csrf}, allow_redirects=False)
    assert right.status_code == 429 and "Retry-After" in right.headers


def test_wrong_passwords_lock_the_login_at_that_address_not_the_person_elsewhere():
    from briefing.errors import TooManyAttempts
    from briefing.web.access import Attempts

    now = [1000.0]
    attempts = Attempts(clock=lambda: now[0])
    stranger, desk = ("pair:sun@10.0.0.9", "address:10.0.0.9", "login:sun"), \
        ("pair:sun@10.0.0.2", "address:10.0.0.2", "login:sun")
    for _ in range(5):
        attempts.wrong(*stranger)
    with pytest.raises(TooManyAttempts) as refused:
        attempts.check(*stranger)
    assert refused.value.seconds == 300
    attempts.check(*desk)                      # 孙主任 at her own desk still signs in
    for n in range(30):                        # one address trying many logins is stopped too
        attempts.wrong(f"pair:user{n}@10.0.0.7", "address:10.0.0.7", f"login:user{n}")
    with pytest.raises(TooManyAttempts):
        attempts.check("pair:new@10.0.0.7", "address:10.0.0.7", "login:new")
    now[0] += 300
    attempts.check(*stranger)                  # after the window, tried again
    attempts.wrong(*desk)
    assert set(attempts._wrong) == set(desk)   # what no longer counts is forgotten (a stranger's made-up logins)


def test_a_copied_session_cookie_stops_working_when_its_person_signs_out(site):
    import requests

    session = site.signed_in("uploader")
    copied = requests.Session()
    copied.cookies.update(session.cookies)
    assert copied.get(site.url + "/api/me").status_code == 200
    session.post(site.url + "/logout", data={"csrf": site.csrf(session)})
    assert copied.get(site.url + "/api/me").status_code == 401
    assert site.signed_in("uploader").get(site.url + "/api/me").status_code == 200     # a new sign-in works


def test_health_says_unavailable_without_the_database(site):
    assert api(site, "GET", "/healthz").status_code == 200
    site.db.rename(site.db.with_suffix(".moved"))
    answer = api(site, "GET", "/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"


def test_schedules_and_runs(site):
    _make_scheduled(site, "sample")
    found = api(site, "GET", "/api/schedules", headers=BEARER).json()
    assert found[0]["name"] == "周报审核" and found[0]["approval"] is True and len(found[0]["next"]) == 3
    runs = api(site, "GET", "/api/runs", headers=BEARER).json()
    assert runs and runs[0]["result"] == "generated"


def test_metrics_of_an_indicator(other_site):
    answer = api(other_site, "GET", "/api/metrics", headers=BEARER, params={"indicator": "新增就业人数"}).json()
    assert answer["region_name"] == "呼伦贝尔市"
    assert [p["period"] for p in answer["points"]] == ["2024-W10", "2024-W11", "2024-W12"]
    assert answer["points"][0]["value"] == 2 * (120 * 3 + 7 * 3)


def test_an_admin_retries_a_waiting_briefing_now(site):
    s = site.settings
    found = schedules_mod.load(s.sections.get("schedule"), s.path)
    with Store(site.db) as store:       # Monday 08:00: the week's figures are entered later that day, so it waits
        runner = Runner(store, s, found)
        runner.run_due(datetime.fromisoformat("2024-01-15T08:00:00+08:00"))
        waiting = runner.ledger.find("schedule = ?", ["周报审核"])[-1]
    assert waiting.status == "waiting"
    viewer = site.signed_in("viewer")
    refused = viewer.post(site.url + f"/api/runs/{waiting.id}/retry", headers={"X-CSRF-Token": site.csrf(viewer)})
    assert refused.status_code == 403
    admin = site.signed_in("admin")
    done = admin.post(site.url + f"/api/runs/{waiting.id}/retry", headers={"X-CSRF-Token": site.csrf(admin)})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["result"] == "generated"
    assert api(site, "GET", f"/api/reports/{waiting.id}", headers=BEARER).json()["sign_off"] == "pending"


def test_made_without_a_period_it_is_the_latest_complete_one_with_figures(any_site):
    office, site = any_site
    made = api(site, "POST", "/api/reports", headers=BEARER, json={"template": "weekly"})
    assert made.status_code == 201, made.text
    assert made.json()["period"] == {"sample": "2024-W04", "other": "2024-W12"}[office]


def test_a_sign_out_holds_in_another_process_of_the_same_database(tmp_path):
    from briefing.web.access import SignOuts

    serve, web = SignOuts(tmp_path / "web-signouts.json"), SignOuts(tmp_path / "web-signouts.json")
    assert web.last("sun") == float("-inf")
    serve.mark("sun", 1000.0)
    assert web.last("sun") == 1000.0          # read again because the file changed
    web.mark("qian", 2000.0)
    assert serve.last("sun") == 1000.0 and serve.last("qian") == 2000.0


def test_a_workbook_that_unpacks_past_the_upload_limit_names_the_setting_that_limits_it(site):
    """A small .xlsx whose sheet unpacks to 21 MB (a zip bomb) is refused before it is read, and the message
    names max_upload_mb — the limit of the web — not the command line's max_file_mb."""
    import io
    import zipfile

    import openpyxl

    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    with zipfile.ZipFile(book) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"</worksheet>", b"<!--" + b" " * (21 * 1024 * 1024) + b"--></worksheet>")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert len(bomb.getvalue()) < 1024 * 1024
    answer = api(site, "POST", "/api/uploads", headers=BEARER, files={"file": ("炸弹.xlsx", bomb.getvalue())})
    assert answer.status_code == 200, answer.text
    said = " ".join(p["message"] for p in answer.json()["problems"])
    assert "max_upload_mb" in said and "max_file_mb" not in said, said
