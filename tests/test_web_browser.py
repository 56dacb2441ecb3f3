"""The pages in a real browser: Debian's chromium, headless, driven by selenium through chromium-driver (.ci/run
installs both), against the real server on 127.0.0.1. A person signs in, uploads a sheet (first one with
mistakes, shown row by row and nothing written; then a good one, imported when confirmed), makes a briefing with
the form and submits it for sign-off, an approver approves it, and it is downloaded byte for byte as archived.
A screenshot of each step is kept in build/web-screenshots/ (docs/web.md shows them)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
import web_server
from web_server import PASSWORDS

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SHOTS = Path(__file__).resolve().parents[1] / "build" / "web-screenshots"
site, other_site = web_server.site, web_server.other_site     # the fixtures

pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="chromium and chromium-driver are not installed "
                                "(.ci/run installs them)")


@pytest.fixture
def browser(tmp_path: Path, monkeypatch):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("BRIEFING_LANG", "zh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1366,900", "--lang=zh-CN", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(120)
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture
def chinese():
    """The pages in Chinese, as people see them (the other tests run in English)."""
    from briefing import i18n

    i18n.use("zh")
    yield
    i18n.use("en")


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def sign_in(driver, url: str, login: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(url + "/")
    assert "/login" in driver.current_url
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys(PASSWORDS[login])
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def submit(driver, button) -> None:
    """Press a form's button and wait until the next page has replaced this one and is loaded."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def replaced(_driver) -> bool:
        try:
            button.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:      # chromedriver's word for the node of a page being replaced
            if "does not belong to the document" not in str(exc):
                raise
            return True
        return False

    button.click()
    WebDriverWait(driver, 120).until(replaced)
    WebDriverWait(driver, 120).until(lambda d: d.execute_script("return document.readyState") == "complete")


def wait_for(driver, check, what: str, seconds: float = 120):
    """Wait until the page shows what the test waits for (a briefing being made refreshes its page)."""
    deadline = time.monotonic() + seconds
    while not check(driver):
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}; the page says: {driver.page_source[:500]}"
        time.sleep(0.2)


def observations(db: Path) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT COUNT(*) FROM observations").fetchone()[0]


def upload(driver, site, name: str, text: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    driver.get(site.url + "/upload")
    driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/upload'] button"))


def test_sign_in_upload_make_approve_download(site, browser, chinese, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, site.url, "uploader")
    assert "钱七" in browser.find_element(By.CSS_SELECTOR, ".who").text
    shot(browser, "01-archive")

    before = observations(site.db)
    upload(browser, site, "第3周数据.csv", "指标,地区,期间,数值\n诊疗患者人次,扎赉特旗,2024-W03,很多\n"
                                      "不存在的指标,科右前旗,2024-W03,12\n", tmp_path)
    problems = browser.find_elements(By.CSS_SELECTOR, "table.problems tbody tr")
    assert [row.find_elements(By.TAG_NAME, "td")[0].text for row in problems] == ["2", "3"]
    assert "未写入任何数据" in browser.page_source
    assert not browser.find_elements(By.CSS_SELECTOR, "form[action$='/commit']")
    shot(browser, "02-upload-problems")
    assert observations(site.db) == before

    upload(browser, site, "第3周数据.csv", "指标,地区,期间,数值\n诊疗患者人次,扎赉特旗,2024-W03,2468\n", tmp_path)
    assert "各行均无问题" in browser.page_source
    assert observations(site.db) == before
    shot(browser, "03-upload-checked")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action$='/commit'] button"))
    assert "已导入" in browser.page_source
    assert observations(site.db) == before + 1

    browser.get(site.url + "/make")
    Select(browser.find_element(By.NAME, "template")).select_by_value("weekly")
    browser.find_element(By.NAME, "period").send_keys("2024-W02")
    Select(browser.find_element(By.NAME, "submit_to")).select_by_value("周报审核")
    shot(browser, "04-make")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action='/make'] button"))
    wait_for(browser, lambda d: "/reports/" in d.current_url, "the briefing to be made")
    report_url = browser.current_url
    assert "待审核" in browser.find_element(By.CSS_SELECTOR, ".facts").text
    assert not browser.find_elements(By.CSS_SELECTOR, "button.approve"), "an uploader may not approve"
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.who button"))

    sign_in(browser, site.url, "approver")
    browser.get(site.url + "/approvals")
    shot(browser, "05-approvals")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "table.list tbody a"))
    assert browser.current_url == report_url
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, ".preview iframe"))
    assert "扎赉特旗" in browser.find_element(By.TAG_NAME, "body").text or "兴安盟" in \
        browser.find_element(By.TAG_NAME, "body").text
    browser.switch_to.default_content()
    shot(browser, "06-report-awaiting")
    browser.find_element(By.NAME, "comment").send_keys("同意印发")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button.approve"))
    facts = browser.find_element(By.CSS_SELECTOR, ".facts").text
    assert "已签发" in facts and "孙主任" in facts and "同意印发" in facts
    shot(browser, "07-report-approved")

    browser.find_element(By.CSS_SELECTOR, "a.button[href$='/files/docx']").click()
    wait_for(browser, lambda d: [p for p in d.downloads.iterdir() if p.suffix == ".docx"], "the download", 30)
    got = next(p for p in browser.downloads.iterdir() if p.suffix == ".docx")
    archived = next(p for p in (site.folder / "archive").rglob("*.docx"))
    assert got.read_bytes() == archived.read_bytes()
    assert got.name == archived.name


def test_the_pages_of_another_office(other_site, browser, chinese):
    """An office that shares no name with the sample: its regions, indicators and metrics on the pages."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, other_site.url, "viewer")
    browser.get(other_site.url + "/metrics")
    Select(browser.find_element(By.NAME, "indicator")).select_by_index(1)     # the office's second indicator
    Select(browser.find_element(By.NAME, "region")).select_by_visible_text("陈巴尔虎旗")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button"))
    assert "陈巴尔虎旗" in browser.find_element(By.TAG_NAME, "h2").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart circle")) == 3
    shot(browser, "08-metrics-other-office")
    browser.set_window_size(390, 844)         # a phone: nothing wider than the screen
    for path, name in (("/", "09-phone-archive"), ("/schedules", "10-phone-schedules"),
                       ("/metrics", "11-phone-metrics")):
        browser.get(other_site.url + path)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), path
        shot(browser, name)
    browser.set_window_size(1366, 900)
    browser.get(other_site.url + "/make")
    assert "/login" not in browser.current_url
    assert "无权" in browser.page_source and "填报" in browser.page_source    # a viewer may not make briefings
