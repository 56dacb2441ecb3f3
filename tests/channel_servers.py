"""Real servers on 127.0.0.1 for the channel tests, each a fixture that stops itself: an HTTP server that
records every request and answers from a script (the robots' and the webhook's endpoints), and an aiosmtpd
SMTP server that keeps every message it accepts (or refuses what it is told to). And briefings to send: a
real .docx under a Chinese name, for the sample's banner and for an office that shares no name with it."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import docx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from briefing.delivery.channel import Briefing


def write_docx(path: Path, title: str, lines: list[str]) -> Path:
    document = docx.Document()
    document.add_heading(title, level=1)
    for line in lines:
        document.add_paragraph(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def briefing(folder: Path, *, other: bool = False, link: str | None = None, pdf: bytes | None = None) -> Briefing:
    """The sample's banner (扎赉特旗, a week) or, with other, a city that is not the sample (a month)."""
    if other:
        region, period, title = "鄂温克族自治旗", "2025年3月", "鄂温克族自治旗生态就业月报"
        headline = ("3月新增就业412人，同比增长8.1%。", "人工造林面积1.2万亩。")
    else:
        region, period, title = "扎赉特旗", "2024年第2周（1月8日—1月14日）", "扎赉特旗帮扶工作周报"
        headline = ("本周新增脱贫人口就业1,234人，环比增长12.5%。",)
    docx_path = write_docx(folder / f"{region}_{period[:7]}_简报.docx", title, list(headline))
    files = [docx_path]
    if pdf is not None:
        files.append(folder / f"{region}_简报.pdf")
        files[-1].write_bytes(pdf)
    html = f"<html><body><h1>{title}</h1>" + "".join(f"<p>{s}</p>" for s in headline) + "</body></html>"
    return Briefing(report_id=7, title=title, period_text=period, region=region, headline=headline,
                    files=tuple(files), html=html, text=f"{title}\n" + "\n".join(headline), link=link)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class HttpServer:
    """What arrived, and the answers to give: a function of the request, (status, JSON object)."""
    url: str
    requests: list[Request] = field(default_factory=list)
    answer: object = None


def _handler(server: HttpServer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            server.requests.append(Request(self.path, {}, dict(self.headers.items()), b""))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            request = Request(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                              dict(self.headers.items()), body)
            server.requests.append(request)
            status, data = server.answer(request) if server.answer else (200, {"errcode": 0, "errmsg": "ok"})
            out = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass
    return Handler


@pytest.fixture
def http_server():
    recorder = HttpServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    recorder.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield recorder
    httpd.shutdown()
    httpd.server_close()
    thread.join()


class Mailbox:
    """An aiosmtpd handler: keeps each message; refuses recipients with `refuse` ("550 …") when set."""

    def __init__(self):
        self.envelopes = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def smtp_servers():
    """Start SMTP servers with aiosmtpd's options (tls_context, ssl_context, authenticator…); all stopped after
    the test. Each start gives (port, mailbox)."""
    started = []

    def start(**options):
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
        controller.start()
        started.append(controller)
        return controller.port, mailbox
    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 made by openssl (its PEM file, to be given as the trusted CA),
    and a server context holding it."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a certificate with")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "ca.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context


def authenticator(user: str, password: str):
    """An aiosmtpd authenticator that takes one login."""
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)     # handled=False: aiosmtpd answers 535 itself
    return check
