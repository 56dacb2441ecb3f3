"""The pages over HTTP on the real server (127.0.0.1), as a browser without scripts sees them: signing in and
out, the archive's search and filters, a briefing's versions side by side, the fill-in form, the job page, and
errors as pages. On the sample and on a generated office that shares no name with it."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import requests
import web_server

site, other_site = web_server.site, web_server.other_site     # the fixtures
BEARER = {"Authorization": f"Bearer {web_server.TOKEN}"}
HTML = {"Accept": "text/html,application/xhtml+xml"}       # what a browser asks for


def make(site, **body) -> dict:
    answer = requests.post(site.url + "/api/reports", headers=BEARER, json={"template": "weekly", **body}, timeout=120)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_page_needs_a_sign_in_and_comes_back_after_it(site):
    first = requests.get(site.url + "/schedules", allow_redirects=False, headers=HTML)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fschedules"
    session = requests.Session()
    page = session.get(site.url + first.headers["location"])
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    signed = session.post(site.url + "/login", data={"login": "viewer", "password": web_server.PASSWORDS["viewer"],
                                                     "next": "/schedules", "csrf": csrf})
    assert signed.url == site.url + "/schedules" and "周报审核" in signed.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_after_signing_in_it_never_goes_to_another_site(site, target):
    session = requests.Session()
    csrf = re.search(r'name="csrf" value="([^"]+)"', session.get(site.url + "/login").text)[1]
    signed = session.post(site.url + "/login", allow_redirects=False, data={
        "login": "viewer", "password": web_server.PASSWORDS["viewer"], "next": target, "csrf": csrf})
    assert signed.status_code == 303 and signed.headers["location"] == "/"


def test_signing_out_needs_the_form_and_ends_the_session(site):
    session = site.signed_in("viewer")
    assert session.post(site.url + "/logout", data={}).status_code == 401        # no CSRF token: refused
    csrf = site.csrf(session)
    assert session.post(site.url + "/logout", data={"csrf": csrf}, allow_redirects=False).status_code == 303
    assert session.get(site.url + "/", allow_redirects=False, headers=HTML).status_code == 303
    assert session.get(site.url + "/api/me").status_code == 401


def test_the_archive_finds_by_words_of_the_text_and_filters(any_office):
    office, site, period, region = any_office
    made = make(site, period=period)
    session = site.signed_in("viewer")
    word = "诊疗患者" if office == "sample" else "新增就业"
    found = session.get(site.url + "/", params={"q": word})
    assert f'href="/reports/{made["id"]}"' in found.text
    none = session.get(site.url + "/", params={"q": "不会出现的词语"})
    assert f'href="/reports/{made["id"]}"' not in none.text and "No briefing matches" in none.text
    later = session.get(site.url + "/", params={"first": "2030-W01"})
    assert f'href="/reports/{made["id"]}"' not in later.text
    by_region = session.get(site.url + "/", params={"region": made["region"]})
    assert f'href="/reports/{made["id"]}"' in by_region.text and region in by_region.text


@pytest.fixture(params=["sample", "other"])
def any_office(request):
    if request.param == "sample":
        return "sample", request.getfixturevalue("site"), "2024-W02", "兴安盟"
    return "other", request.getfixturevalue("other_site"), "2024-W12", "呼伦贝尔市"


def test_two_versions_side_by_side(site):
    first = make(site, period="2024-W02", as_of="2024-01-16")
    second = make(site, period="2024-W02")
    session = site.signed_in("viewer")
    page = session.get(site.url + f"/reports/{second['id']}")
    assert f'href="/reports/{first["id"]}/compare/{second["id"]}"' in page.text
    pair = session.get(site.url + f"/reports/{first['id']}/compare/{second['id']}")
    assert pair.status_code == 200
    assert [f'/reports/{first["id"]}/preview', f'/reports/{second["id"]}/preview'] == re.findall(
        r'<iframe[^>]* src="([^"]+)"', pair.text)
    other = make(site, period="2024-W01")
    assert session.get(site.url + f"/reports/{first['id']}/compare/{other['id']}").status_code == 404


def test_the_fill_in_form_downloads_for_a_region(any_office):
    office, site, period, _region = any_office
    banner = "扎赉特旗" if office == "sample" else "陈巴尔虎旗"
    session = site.signed_in("uploader")
    answer = session.get(site.url + "/upload/form", params={"period": period, "region": banner})
    assert answer.status_code == 200
    assert f"{period}_{banner}_" in requests.utils.unquote(answer.headers["content-disposition"])
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    cells = {str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value}
    assert banner in "".join(cells)
    wrong = session.get(site.url + "/upload/form", params={"period": "2024-13"})
    assert wrong.status_code == 400


@pytest.mark.parametrize("path", ["/reports/99999999999999999999999", "/reports/1/compare/99999999999999999999",
                                  "/reports/-1/files/docx"])
def test_an_impossible_number_is_a_page_that_says_so(site, path):
    page = site.signed_in("viewer").get(site.url + path, headers=HTML)
    assert page.status_code in (404, 422) and "internal error" not in page.text


def test_a_viewer_is_refused_the_upload_page_with_a_page_in_words(site):
    session = site.signed_in("viewer")
    page = session.get(site.url + "/upload", headers={"Accept": "text/html"})
    assert page.status_code == 403 and "<h1>" in page.text and "uploader" in page.text


def test_a_job_of_someone_else_or_none_is_not_found(site):
    session = site.signed_in("uploader")
    assert session.get(site.url + "/jobs/not-a-job", headers={"Accept": "text/html"}).status_code == 404
    answer = session.post(site.url + "/make", data={"template": "weekly", "period": "2024-W02",
                                                    "csrf": site.csrf(session)}, allow_redirects=False)
    job = answer.headers["location"]
    site.app.state.web.jobs.stop()
    assert session.get(site.url + job, allow_redirects=False).status_code == 303
    admin = site.signed_in("admin")
    assert admin.get(site.url + job, headers=HTML).status_code == 404


def test_a_briefing_made_on_the_page_opens_when_it_is_archived(site):
    session = site.signed_in("uploader")
    csrf = site.csrf(session)
    answer = session.post(site.url + "/make", data={"template": "weekly", "period": "2024-W02", "csrf": csrf,
                                                    "formats": ["docx", "html"]}, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/jobs/")
    job = answer.headers["location"]
    site.app.state.web.jobs.stop()              # the job is done once the pool has finished its work
    done = session.get(site.url + job, allow_redirects=False)
    assert done.status_code == 303 and re.fullmatch(r"/reports/\d+", done.headers["location"])
    page = session.get(site.url + done.headers["location"])
    assert "2024-W02" in page.text and "/files/docx" in page.text and "/files/html" in page.text


def test_a_briefing_that_cannot_be_made_says_why_on_its_job_page(site):
    session = site.signed_in("uploader")
    csrf = site.csrf(session)
    answer = session.post(site.url + "/make", data={"template": "weekly", "period": "2031-W02", "csrf": csrf},
                          allow_redirects=False)
    job = answer.headers["location"]
    site.app.state.web.jobs.stop()
    page = session.get(site.url + job)
    assert page.status_code == 422 and "2031" in page.text and "Refresh" not in page.headers


@pytest.mark.parametrize("login", ["viewer", "uploader", "approver", "admin"])
def test_every_page_opens_for_each_role_or_says_which_role_it_needs(any_office, login):
    office, site, period, _region = any_office
    made = make(site, period=period)
    session = site.signed_in(login)
    writes = {"/make", "/upload"}
    for path in ["/", "/make", "/upload", "/approvals", "/metrics", "/schedules", f"/reports/{made['id']}",
                 f"/reports/{made['id']}/preview", "/?q=周&status=done&page_no=2"]:
        page = session.get(site.url + path, headers=HTML)
        may = login in ("uploader", "admin") or path not in writes
        assert page.status_code == (200 if may else 403), (path, page.status_code, page.text[:300])
        assert "internal error" not in page.text and "内部错误" not in page.text


def test_an_upload_over_the_limit_from_a_browser_is_a_page_that_says_so(site):
    session = site.signed_in("uploader")
    big = b"a,b\n" + b"1,2\n" * (21 * 1024 * 1024 // 4)
    page = session.post(site.url + "/upload", headers=HTML, files={"file": ("大.csv", big)},
                        data={"csrf": site.csrf(session)})
    assert page.status_code == 413 and "<h1>" in page.text and "20 MB" in page.text
    assert "钱七" in page.text                       # still signed in, on a page of the site


def test_a_period_filter_that_cannot_be_read_is_named_as_the_page_names_it(site):
    page = site.signed_in("viewer").get(site.url + "/", params={"first": "2024-W99"}, headers=HTML)
    assert page.status_code == 400 and "period:" in page.text and "--from" not in page.text
