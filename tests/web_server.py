"""The real web server on 127.0.0.1 for the web tests: an office's database (the sample, or a generated one that
shares no name with it), a config file with a person of each role and an API token, a schedule whose briefings
need sign-off and are delivered into a shared folder, and uvicorn serving create_app in a thread that stops by
itself. ``Site.signed_in(login)`` is a requests session signed in through the sign-in page, as a browser is."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import uvicorn

from briefing import demo, settings
from briefing.web.access import Attempts
from briefing.web.app import create_app
from briefing.web.users import hash_password, token_digest

PASSWORDS = {"viewer": "kan-kan-2024", "uploader": "tian-bao-2024", "approver": "shen-he-2024", "admin": "guan-li-2024"}
TOKEN = "token-of-the-statistics-bureau-0123456789"
NAMES = {"viewer": "赵六", "uploader": "钱七", "approver": "孙主任", "admin": "李管理"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def config_text(db: Path, archive: Path, share: Path, region: str, hashes: dict[str, str], start: str,
                token_roles: tuple[str, ...] = ("uploader",)) -> str:
    users = "".join(f'\n[users.{login}]\nname = "{NAMES[login]}"\nroles = ["{login}"]\npassword_hash = "{h}"\n'
                    for login, h in hashes.items())
    return f'''db = "{db}"
archive_dir = "{archive}"
timezone = "Asia/Shanghai"
{users}
[users.robot]
name = "统计局接口"
roles = [{", ".join(f'"{r}"' for r in token_roles)}]
token_hash = "{token_digest(TOKEN)}"

[channels."共享盘"]
kind = "folder"
path = "{share}"

[recipients]
"领导" = ["共享盘"]

[[schedule]]
name = "周报审核"
template = "weekly"
cron = "0 8 * * 1"
regions = ["{region}"]
start = {start}
approval = true
deliver_to = ["领导"]
'''


@dataclass
class Site:
    url: str
    folder: Path
    config: Path
    db: Path
    share: Path
    region: str
    app: object = None
    sessions: list = field(default_factory=list)

    def signed_in(self, login: str, password: str | None = None) -> requests.Session:
        session = requests.Session()
        self.sessions.append(session)
        page = session.get(self.url + "/login")
        answer = session.post(self.url + "/login", data={
            "login": login, "password": password or PASSWORDS[login], "next": "/",
            "csrf": CSRF.search(page.text)[1]}, allow_redirects=False)
        assert answer.status_code == 303, answer.text
        return session

    def csrf(self, session: requests.Session) -> str:
        return CSRF.search(session.get(self.url + "/").text)[1]

    @property
    def settings(self):
        return settings.load(self.config, env={})


def serve(app) -> tuple[str, callable]:
    """Serve an app on a free port of 127.0.0.1 in a thread; the address and a function that stops it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the web server did not start")
        threading.Event().wait(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        sock.close()
    return f"http://127.0.0.1:{sock.getsockname()[1]}", stop


_HASHES: dict[str, str] = {}


def hashes() -> dict[str, str]:
    """One argon2 hash per role's password, made once a test session (each takes tens of milliseconds)."""
    if not _HASHES:
        _HASHES.update({login: hash_password(pw) for login, pw in PASSWORDS.items()})
    return _HASHES


def start_site(folder: Path, db: Path, region: str, start: str, attempts: Attempts | None = None,
               token_roles: tuple[str, ...] = ("uploader",)) -> tuple[Site, callable]:
    share = folder / "共享盘"
    share.mkdir(parents=True, exist_ok=True)
    config = folder / "briefing.toml"
    config.write_text(config_text(db, folder / "archive", share, region, hashes(), start, token_roles),
                      encoding="utf-8")
    site = Site("", folder, config, db, share, region)
    from briefing.archive import schedules as schedules_mod

    s = site.settings
    app = create_app(s, schedules_mod.load(s.sections.get("schedule"), s.path), attempts=attempts)
    site.url, stop = serve(app)
    site.app = app

    def finish() -> None:
        for session in site.sessions:
            session.close()
        stop()
        app.state.web.jobs.stop()
    return site, finish


@pytest.fixture
def site(tmp_path: Path, sample_db: Path):
    """The sample office on a real server (a copy of the sample database, so a test may write)."""
    import shutil

    db = tmp_path / "briefing.db"
    shutil.copy(sample_db, db)
    made, finish = start_site(tmp_path, db, "兴安盟", "2024-01-08")
    yield made
    finish()


@pytest.fixture
def other_site(tmp_path: Path):
    """A generated office that shares no name with the sample (tests/other_office.py) on a real server."""
    from other_office import TOP, write_office

    from briefing.ingest import ingest_files
    from briefing.store.db import Store

    db = tmp_path / "other.db"
    from zoneinfo import ZoneInfo

    with Store(db) as store:
        ingest_files(store, write_office(tmp_path / "office"), ZoneInfo("Asia/Shanghai"))
    made, finish = start_site(tmp_path, db, TOP, "2024-03-18")
    yield made
    finish()


__all__ = ["PASSWORDS", "TOKEN", "Site", "demo", "other_site", "serve", "site", "start_site"]
