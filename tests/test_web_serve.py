"""`briefing serve` and `briefing web` as processes: the pages and the scheduler in one process, on 127.0.0.1,
Chinese by default, stopped by SIGTERM with exit 0; a config whose users are wrong is refused before listening,
naming the file and line; `briefing user password` prints a hash the server accepts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from web_server import PASSWORDS, config_text, hashes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], folder: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "briefing", *args], cwd=folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_until_up(process: subprocess.Popen, url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, process.communicate()[1]
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.1)


def chinese_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("BRIEFING_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
                                                            "LANG", "BRIEFING_CONFIG")}
    return {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "service")}


def test_serve_runs_the_schedules_and_the_pages_and_stops_on_sigterm(tmp_path, sample_db):
    db = tmp_path / "briefing.db"
    shutil.copy(sample_db, db)
    (tmp_path / "share").mkdir()
    config = tmp_path / "briefing.toml"
    config.write_text(config_text(db, tmp_path / "archive", tmp_path / "share", "兴安盟", hashes(), "2024-01-08"),
                      encoding="utf-8")
    port = free_port()
    process = start(["--config", str(config), "serve", "--port", str(port)], tmp_path, chinese_env())
    try:
        wait_until_up(process, f"http://127.0.0.1:{port}")
        page = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert "登录名" in page.text and "密码" in page.text
        session = requests.Session()
        import re

        csrf = re.search(r'name="csrf" value="([^"]+)"', session.get(f"http://127.0.0.1:{port}/login").text)[1]
        signed = session.post(f"http://127.0.0.1:{port}/login", data={"login": "approver", "csrf": csrf,
                                                                      "password": PASSWORDS["approver"]})
        assert "孙主任" in signed.text and "存档" in signed.text
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "serving 1 schedule(s)" in err and f"web pages and API at http://127.0.0.1:{port}/" in err
    assert "stopping (SIGTERM)" in err and err.rstrip().endswith("stopped")


def test_wrong_users_are_refused_before_listening(tmp_path, sample_db):
    db = tmp_path / "briefing.db"
    shutil.copy(sample_db, db)
    config = tmp_path / "briefing.toml"
    config.write_text(f'db = "{db}"\n\n[users.wang]\nname = "王五"\nroles = ["editor"]\npassword_hash = "x"\n',
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "briefing", "--config", str(config), "web", "--port",
                           str(free_port())], cwd=tmp_path, env=chinese_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert f"{config} 第 5 行" in done.stderr
    assert "editor" in done.stderr and "viewer" in done.stderr and "Traceback" not in done.stderr


def test_a_password_hash_made_by_the_command_signs_in(tmp_path, sample_db):
    made = subprocess.run([sys.executable, "-m", "briefing", "user", "password", "liu", "--password-stdin"],
                          input="yi-ge-mi-ma-2024\n", env=chinese_env(), capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[0] == "[users.liu]"
    from briefing.web.users import User, password_ok

    digest = made.stdout.splitlines()[1].split('"')[1]
    assert password_ok(User("liu", "刘", frozenset(), digest), "yi-ge-mi-ma-2024")
    assert not password_ok(User("liu", "刘", frozenset(), digest), "yi-ge-mi-ma-2025")
    short = subprocess.run([sys.executable, "-m", "briefing", "user", "password", "liu", "--password-stdin"],
                           input="short\n", env=chinese_env(), capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "8" in short.stderr
